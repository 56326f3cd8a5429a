"""Where targeting meets berdaya.programmes. Every function works (and answers "nothing") when that app is not
installed, so targeting stands alone and the programme conditions plug in when it is there."""

from __future__ import annotations

from django.apps import apps


def programmes_installed() -> bool:
    return apps.is_installed("berdaya.programmes")


def programme_model():
    return apps.get_model("programmes", "Programme") if programmes_installed() else None


def programme_exists(programme_id: int | None) -> bool:
    model = programme_model()
    return bool(model and programme_id and model.objects.filter(pk=programme_id).exists())


def programme_capacity(programme_id: int) -> int | None:
    model = programme_model()
    if model is None:
        return None
    return model.objects.filter(pk=programme_id).values_list("capacity", flat=True).first()


def programme_name(programme_id: int | None) -> str:
    model = programme_model()
    if model is None or not programme_id:
        return ""
    return model.objects.filter(pk=programme_id).values_list("name", flat=True).first() or ""


def programme_names(ids) -> dict[int, str]:
    model = programme_model()
    if model is None:
        return {}
    return dict(model.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def programme_choices(programmes=None) -> list[tuple[int, str]]:
    """Programmes to link a rule set to: `programmes` (a queryset) or all of them."""
    model = programme_model()
    if model is None:
        return []
    qs = model.objects.all() if programmes is None else programmes
    return list(qs.order_by("-start_date", "name").values_list("pk", "name")[:500])


def programme_ids_of_organisation(organisation_id: int | None) -> set[int]:
    model = programme_model()
    if model is None or not organisation_id:
        return set()
    return set(model.objects.filter(organiser_id=organisation_id).values_list("pk", flat=True))


def propose_enrolments(*, actor, programme_id: int, person_ids: list[int]) -> int:
    """Make each person a *proposed* enrolment of the programme through the programmes service (set-based; people
    who already hold an open enrolment there are skipped by it)."""
    from berdaya.programmes import choices as pc
    from berdaya.programmes import services as ps

    programme = programme_model().objects.get(pk=programme_id)
    Person = apps.get_model("registry", "Person")
    return ps.enrolment_bulk_propose(
        actor=actor,
        programme=programme,
        people=Person.objects.filter(pk__in=person_ids),
        source=pc.EnrolmentSource.LIST,
    )
