"""Who may ask for, see and download which reports, on the access kernel (berdaya.core.access).

- A report's figures follow its requester's scope (monitoring's Scope.of): officers, admins and viewers count the
  regency (reach REGENCY; viewers with small counts suppressed), partner staff their organisation's people and
  facilitators their villages (reach OWN).
- Scheduled reports count the regency with small counts suppressed: they are the published version, for every
  reader of the regency's reports.
- Downloads: officers and admins every report; viewers the suppressed regency-wide ones; partner staff the reports
  of their organisation's reach (reach OWN, asked by any of its staff), never a regency-wide one, not even of their
  own programme: a regency-wide report counts every participant exactly, one who withdrew consent to sharing with
  partners among them, beside the participant list that leaves her out; facilitators the reports they asked for.
  Anything else answers 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core import disclosure
from berdaya.core.access import capabilities
from berdaya.programmes.access import programmes_editable_by, programmes_visible_to
from berdaya.programmes.models import Programme

from . import choices as c
from .models import Report


def can_request(user: User) -> bool:
    caps = capabilities(user)
    return caps.authenticated and (caps.sees_people or caps.aggregates_only)


def reach_of(user: User) -> str:
    caps = capabilities(user)
    return c.Reach.REGENCY if caps.regency_wide or caps.aggregates_only else c.Reach.OWN


def suppressed_for(user: User) -> bool:
    return not disclosure.for_aggregates(user).exact


def programmes_for_reports(user: User) -> QuerySet[Programme]:
    """The programmes `user` may ask a programme report of: partner staff their organisation's, others any."""
    if capabilities(user).organisation_scoped:
        return programmes_editable_by(user)
    return programmes_visible_to(user) if can_request(user) else Programme.objects.none()


def ensure_can_request(user: User, kind: str, programme: Programme | None) -> None:
    if not can_request(user):
        raise PermissionDenied(_("Peran Anda tidak boleh membuat laporan."))
    if kind == c.Kind.PROGRAMME and (
        programme is None or not programmes_for_reports(user).filter(pk=programme.pk).exists()
    ):
        raise PermissionDenied(_("Anda hanya boleh membuat laporan program organisasi Anda."))


def reports_visible_to(user: User) -> QuerySet[Report]:
    caps = capabilities(user)
    if not caps.authenticated:
        return Report.objects.none()
    if caps.regency_wide:
        return Report.objects.all()
    if caps.aggregates_only:
        return Report.objects.filter(reach=c.Reach.REGENCY, suppressed=True)
    if caps.organisation_scoped and user.organisation_id is not None:
        return Report.objects.filter(reach=c.Reach.OWN, organisation_id=user.organisation_id)
    return Report.objects.filter(requested_by=user)
