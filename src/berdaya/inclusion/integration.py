"""The boundary with berdaya.programmes: a device receipt recorded as programme assistance.

Inclusion sits above programmes in the layers and imports it directly; this is the one file to adjust if programmes'
services change.
"""

from __future__ import annotations

from django.db.models import QuerySet

from berdaya.accounts.models import User
from berdaya.programmes import choices as pc
from berdaya.programmes.access import programmes_editable_by
from berdaya.programmes.models import Programme
from berdaya.programmes.services import assistance_create, assistance_transition
from berdaya.registry.models import Person

from .models import AssistiveDevice


def programmes_for_device(*, actor: User, person: Person) -> QuerySet[Programme]:
    """Programmes `actor` manages in which `person` holds a seat: where a device receipt can be recorded."""
    return (
        programmes_editable_by(actor)
        .filter(enrolments__person=person, enrolments__status__in=pc.SEAT_STATUSES)
        .distinct()
    )


def record_device_assistance(
    *, actor: User, programme: Programme | None, device: AssistiveDevice, override_reason: str = ""
) -> int | None:
    """Create the programmes Assistance (kind "assistive device") for a received device and return its id.

    The device is already in the person's hands, so the row goes through approval, disbursement and acknowledgement
    at once, each step kept in its history: the person's and the programme's assistance ledgers show it received,
    and a later device of the same kind is checked for double-dipping against it. The programmes services do their
    own checks (organiser, enrolment, double-dipping, which `override_reason` answers) and raise ValidationError or
    PermissionDenied with a clear message, which the caller's transaction rolls back with the receipt."""
    if programme is None:
        return None
    assistance = assistance_create(
        actor=actor,
        programme=programme,
        person=device.person,
        data={
            "kind": pc.AssistanceKind.ASSISTIVE_DEVICE,
            "description": str(device)[:200],
            "quantity": 1,
            "unit": "unit",
            "date": device.received_on,
        },
    )
    for status in (pc.AssistanceStatus.APPROVED, pc.AssistanceStatus.DISBURSED, pc.AssistanceStatus.ACKNOWLEDGED):
        assistance = assistance_transition(
            actor=actor, assistance=assistance, to_status=status, override_reason=override_reason
        )
    return assistance.pk
