"""Who may download field forms, see and fix field submissions, and manage the servers they are pulled from, on the
access kernel (berdaya.core.access).

A submission holds personal data (names, NIK, WG-SS answers), so it is scoped like the people it is about:
- officers and admins: every submission;
- facilitators: those about their villages (the village of the household, the farmer, the price point), and those
  they submitted themselves;
- partner staff: those collected for their organisation;
- viewers: none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404, village_scope_q

from .models import FieldSource, Submission


def can_download_forms(user: User) -> bool:
    """Everyone who collects data about people in the field (their choice lists are scoped to them)."""
    return capabilities(user).sees_people


def ensure_can_download_forms(user: User) -> None:
    if not can_download_forms(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mengunduh formulir lapangan."))


def can_upload_submissions(user: User) -> bool:
    return capabilities(user).sees_people


def ensure_can_upload_submissions(user: User) -> None:
    if not can_upload_submissions(user):
        raise PermissionDenied(_("Peran Anda tidak boleh mengunggah kiriman lapangan."))


def can_manage_sources(user: User) -> bool:
    """Connecting Berdaya to a server (with its password) and pulling from it: the regency's officers and admins."""
    return capabilities(user).regency_wide


def ensure_can_manage_sources(user: User) -> None:
    if not can_manage_sources(user):
        raise PermissionDenied(_("Hanya petugas dinas atau admin yang boleh mengelola sumber kiriman."))


def can_purge(user: User) -> bool:
    return capabilities(user).is_admin


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    caps = capabilities(user)
    qs = Submission.objects.all()
    if not caps.sees_people:
        return qs.none()
    if caps.regency_wide:
        return qs
    # What a user collected or uploaded is theirs to see and fix, even when its village could not be read.
    own = Q(submitter=user) | Q(received_by=user)
    if caps.village_scoped:
        return qs.filter(village_scope_q(user, "village") | own)
    if caps.organisation_scoped and user.organisation_id is not None:
        return qs.filter(Q(organisation_id=user.organisation_id) | own)
    return qs.none()


def get_submission_or_404(user: User, pk: int | str) -> Submission:
    return get_visible_or_404(submissions_visible_to(user), pk)


def sources_visible_to(user: User) -> QuerySet[FieldSource]:
    if not can_manage_sources(user):
        return FieldSource.objects.none()
    return FieldSource.objects.all()
