"""Who may see, prepare and apply a village meeting (musdes), on the access kernel and targeting's and the
registry's rules:

- officers and admins: every meeting; they prepare and apply (applying changes the run's final list through
  targeting's services, which check again);
- facilitators: meetings of the villages assigned to them; they prepare them (notice board, attendance, minutes,
  decisions) but do not apply them;
- partner staff: meetings of the runs they may see (their organisation's programmes), and within them only the
  candidates the registry shows them (targeting.access.candidates_visible_to);
- viewers: none (aggregates only).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.access import capabilities, village_scope_q
from berdaya.targeting import choices as tc
from berdaya.targeting.access import candidates_visible_to, runs_visible_to
from berdaya.targeting.models import Candidate, TargetingRun

from .models import Meeting


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    caps = capabilities(user)
    if caps.regency_wide:
        return Meeting.objects.all()
    if caps.village_scoped:
        return Meeting.objects.filter(village_scope_q(user, "village"))
    if caps.organisation_scoped:
        return Meeting.objects.filter(run__in=runs_visible_to(user).values("pk"))
    return Meeting.objects.none()


def villages_to_prepare(user: User) -> QuerySet[Village]:
    """The villages whose meetings `user` may prepare: all for officers, the assigned ones for facilitators."""
    caps = capabilities(user)
    if caps.regency_wide:
        return Village.objects.all()
    if caps.village_scoped:
        return Village.objects.filter(village_scope_q(user, "pk"))
    return Village.objects.none()


def runs_for_meetings(user: User) -> QuerySet[TargetingRun]:
    """Runs whose list may go to a village meeting (reviewed, not yet approved): officers see every run; a
    facilitator the runs with candidates in their villages (the list of their own village, never others')."""
    caps = capabilities(user)
    ready = TargetingRun.objects.filter(status=tc.RunStatus.SUCCEEDED)
    if caps.regency_wide:
        return ready
    if caps.village_scoped:
        mine = Candidate.objects.filter(village_scope_q(user, "village_id")).values("run_id")
        return ready.filter(pk__in=mine)
    return ready.none()


def can_prepare(user: User, meeting: Meeting | None = None, village: Village | None = None) -> bool:
    target = meeting.village_id if meeting is not None else (village.pk if village is not None else None)
    if target is None:
        return villages_to_prepare(user).exists()
    return villages_to_prepare(user).filter(pk=target).exists()


def ensure_can_prepare(user: User, meeting: Meeting | None = None, village: Village | None = None) -> None:
    if not can_prepare(user, meeting, village):
        raise PermissionDenied(_("Hanya petugas dinas atau pendamping desa ini yang boleh menyiapkan musyawarah."))


def can_apply(user: User) -> bool:
    """Applying changes a run's final list: the regency's officers and admins."""
    return capabilities(user).regency_wide


def ensure_can_apply(user: User) -> None:
    if not can_apply(user):
        raise PermissionDenied(_("Hanya petugas dinas yang boleh menerapkan hasil musyawarah ke daftar akhir."))


def meeting_candidates(user: User, meeting: Meeting) -> QuerySet[Candidate]:
    """The run's candidates in the meeting's village that `user` may see."""
    return candidates_visible_to(user, meeting.run).filter(village_id=meeting.village_id)


def can_exchange(user: User) -> bool:
    """The DTSEN exchange (SIKS-NG proposal files, the official deciles import): the regency's officers and admins
    for the whole regency; the reconciliation report also for facilitators, over their villages."""
    return capabilities(user).regency_wide


def ensure_can_exchange(user: User) -> None:
    if not can_exchange(user):
        raise PermissionDenied(_("Hanya petugas dinas yang boleh bertukar data dengan DTSEN/SIKS-NG."))
