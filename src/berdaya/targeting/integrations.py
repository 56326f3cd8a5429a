"""Where targeting meets berdaya.programmes (which sits below it): the programme a rule set is linked to, and the
proposed enrolments an approved list becomes."""

from __future__ import annotations

from berdaya.accounts.models import User
from berdaya.programmes import choices as pc
from berdaya.programmes import services as ps
from berdaya.programmes.models import Programme
from berdaya.registry.models import Person


def programme_exists(programme_id: int | None) -> bool:
    return bool(programme_id and Programme.objects.filter(pk=programme_id).exists())


def programme_capacity(programme_id: int) -> int | None:
    return Programme.objects.filter(pk=programme_id).values_list("capacity", flat=True).first()


def programme_name(programme_id: int | None) -> str:
    if not programme_id:
        return ""
    return Programme.objects.filter(pk=programme_id).values_list("name", flat=True).first() or ""


def programme_names(ids) -> dict[int, str]:
    return dict(Programme.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def programme_choices(programmes=None) -> list[tuple[int, str]]:
    """Programmes to link a rule set to: `programmes` (a queryset) or all of them."""
    qs = Programme.objects.all() if programmes is None else programmes
    return list(qs.order_by("-start_date", "name").values_list("pk", "name")[:500])


def programme_ids_of_organisation(organisation_id: int | None) -> set[int]:
    if not organisation_id:
        return set()
    return set(Programme.objects.filter(organiser_id=organisation_id).values_list("pk", flat=True))


def propose_enrolments(*, actor: User, programme_id: int, person_ids: list[int]) -> int:
    """Make each person a *proposed* enrolment of the programme through the programmes service (set-based; people
    who already hold an open enrolment there are skipped by it)."""
    return ps.enrolment_bulk_propose(
        actor=actor,
        programme=Programme.objects.get(pk=programme_id),
        people=Person.objects.filter(pk__in=person_ids),
        source=pc.EnrolmentSource.LIST,
    )
