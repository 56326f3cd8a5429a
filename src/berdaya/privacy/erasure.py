"""Erasure (UU 27/2022 art. 8 and 16): a person's identity leaves the database, their place in the numbers stays.

What goes: name, NIK, phone, birth place, the day and month of birth (the year stays), free-text notes written about
them, the names and numbers of contacts and reporters on their records, their match keys, and, if nobody else still
lives in their household, its address, KK numbers and coordinates. The django-simple-history copies of every record
are anonymised the same way (a deletion would have left the whole record there), and the NIK, phone and name are then
replaced in every text column of every table (audit details, import previews, field submissions, job results...),
including the audit fingerprints of the NIK and phone.

What stays, so that counts, indicators and legally kept records stay correct: the person row and its id (now
anonymous), sex, birth year, village and household, status, disability answers and profile, group memberships,
enrolments, attendance, assistance disbursements (kept for the audit of public money, with the identity gone),
harvests and sales, migration episodes' stages and destinations, grievance categories and stages.

Every step is a set-based UPDATE or DELETE, and the whole erasure is one transaction: all of it happens or none.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.audit import fingerprint
from berdaya.registry import choices as rc
from berdaya.registry.models import Household, Person

ERASED = "[dihapus]"
# A name is replaced across every table only when it is long enough not to be part of ordinary words ("Ani" is
# inside "Tani"); shorter names are cleared from the fields that hold them, not searched for elsewhere.
MIN_NAME_LENGTH = 8


def _history(model: type[models.Model]) -> type[models.Model] | None:
    history = getattr(model, "history", None)
    return history.model if history is not None else None


def _both(model: type[models.Model], q: Q, **values: Any) -> int:
    """Update the live rows and their history copies matched by `q`."""
    count = model._base_manager.filter(q).update(**values)
    history = _history(model)
    if history is not None:
        history._base_manager.filter(q).update(**values)
    return count


def _blank(model: type[models.Model], *names: str) -> dict[str, Any]:
    """Each field cleared the way its column allows (NULL or the empty string)."""
    values: dict[str, Any] = {}
    for name in names:
        field = model._meta.get_field(name)
        values[name] = None if getattr(field, "null", False) else ""
    return values


def _identifiers(person: Person, household_erased: bool) -> tuple[list[str], list[str], list[str]]:
    """(exact, soft, phones): numbers and fingerprints that are the person's alone, replaced wherever they are written;
    the name, replaced only in free text (another person's name column may hold the same name: a namesake); the
    forms of the phone number, cleared from phone columns only where the whole value is one of them (another
    person's longer number may contain these digits)."""
    exact: list[str] = []
    soft: list[str] = []
    phones: list[str] = []
    if person.nik:
        exact += [person.nik, fingerprint(person.nik)]
    if person.phone:
        digits = re.sub(r"\D", "", person.phone)
        # +62 812..., 62812..., 0812...: the national number after the country and trunk prefixes is in them all.
        national = digits[2:] if digits.startswith("62") else digits.lstrip("0")
        exact.append(fingerprint(person.phone))
        soft.append(national)
        phones += [person.phone, f"+62{national}", f"62{national}", f"0{national}", national]
    if household_erased and person.household.kk_number:
        exact += [person.household.kk_number, fingerprint(person.household.kk_number)]
    if len(person.full_name.strip()) >= MIN_NAME_LENGTH:
        soft.append(person.full_name.strip())

    def longest_first(values: list[str]) -> list[str]:
        # A NIK is never left half-replaced by a shorter value inside it.
        return sorted({v for v in values if v}, key=len, reverse=True)

    return longest_first(exact), longest_first(soft), longest_first(phones)


def _text_columns() -> Iterable[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField) and not field.choices:
                yield model, field


def _identity_column(model: type[models.Model], field: models.Field) -> bool:
    """A column that names or numbers a record of its own (a person's, a user's, an organisation's name or phone),
    as opposed to free text: an erased person's name or number there belongs to somebody else's record."""
    if model._meta.label in ("registry.Person", "registry.HistoricalPerson"):
        return True
    name = field.name
    return isinstance(field, models.CharField) and (
        name in {"name", "username", "first_name", "last_name"} or name.endswith("_name") or "phone" in name
    )


def scrub_everywhere(values: list[str], soft: list[str] | None = None, phones: list[str] | None = None) -> int:
    """Replace each of `values` (numbers and fingerprints that are the person's alone) by ERASED in every text and
    JSON column of every table, and each of `soft` (the name, the phone's digits) in every such column but the
    identity columns of other records (`_identity_column`); clear the phone columns whose whole value is one of
    `phones`. One UPDATE per column, on the rows that contain any of them. Returns the number of rows changed."""
    soft, phones = soft or [], phones or []
    changed = 0
    if not (values or soft or phones):
        return 0
    for model, field in _text_columns():
        identity = _identity_column(model, field)
        wanted = values if identity else sorted({*values, *soft}, key=len, reverse=True)
        fitting = [v for v in wanted if not (isinstance(field, models.CharField) and (field.max_length or 0) < len(v))]
        if identity and phones and "phone" in field.name:
            changed += model._base_manager.filter(**{f"{field.attname}__in": phones}).update(
                **{field.attname: "" if not field.null else None}
            )
        if not fitting:
            continue
        text: Any = F(field.attname)
        if isinstance(field, models.JSONField):
            text = Cast(text, output_field=TextField())
        replaced = text
        for value in fitting:
            replaced = Replace(replaced, Value(value), Value(ERASED))
        rows = model._base_manager.annotate(_text=text).filter(
            reduce(operator.or_, (Q(_text__contains=value) for value in fitting))
        )
        if isinstance(field, models.JSONField):
            replaced = Cast(replaced, output_field=field)
        changed += rows.update(**{field.attname: replaced})
    return changed


@transaction.atomic
def person_erase(*, person: Person, actor: Any) -> dict[str, int]:
    """Anonymise `person` everywhere (see the module's docstring). The caller checks the actor's right to do it
    (privacy.services). Returns what was changed, per kind, for the request's outcome and the audit."""
    person = Person.objects.select_for_update().select_related("household").get(pk=person.pk)
    household = person.household
    others = household.members.current().exclude(pk=person.pk).exclude(pk__in=_erased_ids())
    household_erased = not others.exists()
    values, soft, phones = _identifiers(person, household_erased)
    pid = person.pk
    counts: dict[str, int] = {}

    # registry: the person and every copy of it
    birth_year_start = person.birth_date.replace(month=1, day=1)
    counts["person"] = _both(
        Person,
        Q(id=pid),
        nik=None,
        nik_missing_reason=rc.NikMissingReason.ERASED,
        nik_override_reason="",
        full_name=_("Data dihapus #%(id)s") % {"id": pid},
        birth_place="",
        birth_date=birth_year_start,
        phone="",
    )
    if household_erased:
        counts["household"] = _both(
            Household,
            Q(id=household.pk),
            kk_number="",
            kk_override_reason="",
            address="",
            rt="",
            rw="",
            latitude=None,
            longitude=None,
        )
        from berdaya.registry.models import KKNumber

        counts["kk_numbers"] = KKNumber.objects.filter(household_id=household.pk).delete()[0]
    from berdaya.registry.models import ConsentRecord, DistinctConfirmation, LifeEvent, PersonMerge

    _both(ConsentRecord, Q(person_id=pid), given_by_name="")
    LifeEvent.objects.filter(person_id=pid).update(note="")
    PersonMerge.objects.filter(Q(survivor_id=pid) | Q(merged_id=pid)).update(reason="", undo_reason="")
    DistinctConfirmation.objects.filter(Q(person_id=pid) | Q(other_id=pid)).update(reason="")

    # programmes, inclusion, farming
    from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
    from berdaya.programmes.models import Assistance, Enrolment, EnrolmentEvent, PersonNeed

    _both(Enrolment, Q(person_id=pid), reason="", capacity_override_reason="")
    EnrolmentEvent.objects.filter(enrolment__person_id=pid).update(reason="")
    counts["assistance"] = _both(Assistance, Q(person_id=pid), note="", cancel_reason="", double_dip_override_reason="")
    _both(PersonNeed, Q(person_id=pid), note="")
    _both(DisabilityProfile, Q(person_id=pid), kpd_number="")
    _both(AssistiveDevice, Q(person_id=pid), other_detail="")
    from berdaya.farming.models import Plot

    Plot.objects.filter(farmer_id=pid).update(name="")

    # migration: the person's episodes and cases, and episodes naming them as a family contact
    from berdaya.migration.models import CaseDocument, CaseNote, MigrationEpisode, RightsCase

    contact_fields = ("family_contact_name", "family_contact_phone", "family_contact_relationship")
    _both(
        MigrationEpisode,
        Q(person_id=pid),
        **_blank(MigrationEpisode, "destination_detail", "employer", "placement_company", "placement_company_licence"),
        **_blank(MigrationEpisode, *contact_fields),
    )
    _both(MigrationEpisode, Q(family_contact_id=pid), **_blank(MigrationEpisode, *contact_fields))
    counts["cases"] = _both(RightsCase, Q(person_id=pid), reporter_name="", reporter_phone="", summary=ERASED)
    CaseNote.objects.filter(case__person_id=pid).update(text=ERASED)
    documents = CaseDocument.objects.filter(case__person_id=pid)
    _delete_files(documents, "file")
    counts["case_documents"] = documents.update(title=ERASED, original_name="")

    # targeting, musdes, dedup
    from berdaya.dedup.models import MatchPair, PairDecision, PersonKey
    from berdaya.musdes.models import MeetingDecision
    from berdaya.targeting.models import Candidate

    Candidate.objects.filter(person_id=pid).update(review_reason="")
    MeetingDecision.objects.filter(person_id=pid).update(reason="")
    # Match keys and pairs hold the name and numbers themselves; they are rebuilt by the next dedup run.
    PersonKey.objects.filter(person_id=pid).delete()
    MatchPair.objects.filter(Q(person_low_id=pid) | Q(person_high_id=pid)).delete()
    PairDecision.objects.filter(Q(person_low_id=pid) | Q(person_high_id=pid)).update(reason="")

    # grievances: the category and stage stay in the figures, what was written goes
    from berdaya.grievances.models import Grievance, GrievanceDecision, GrievanceStageChange, InboundMessage

    grievance = Q(person_id=pid) | (Q(household_id=household.pk) if household_erased else Q(pk__in=[]))
    counts["grievances"] = _both(
        Grievance,
        grievance,
        complainant_name="",
        complainant_phone="",
        description=ERASED,
        follow_up_plan="",
    )
    linked = Grievance.objects.filter(grievance).values("pk")
    GrievanceStageChange.objects.filter(case__in=linked).update(note="")
    GrievanceDecision.objects.filter(case__in=linked).update(reason="")
    InboundMessage.objects.filter(grievance__in=linked).update(sender="", body=ERASED)

    # markets: no more bulletins to them; the numbers they were sent to go
    from berdaya.markets.models import SubscriberConsent

    subscriptions = SubscriberConsent.objects.filter(person_id=pid)
    subscriptions.filter(withdrawn_at__isnull=True).update(withdrawn_at=timezone.localdate())
    counts["subscriptions"] = subscriptions.update(phone="")

    # everywhere else: audit details, job results, import previews, field submissions, messages...
    counts["text_cells"] = scrub_everywhere(values, soft, phones)
    return counts


def _erased_ids() -> Any:
    return Person.objects.filter(nik_missing_reason=rc.NikMissingReason.ERASED).values("pk")


def _delete_files(rows: Any, field: str) -> None:
    """Delete the stored files of `rows` once the transaction commits (a rollback keeps them)."""
    names = [(row.pk, getattr(row, field)) for row in rows]

    def delete() -> None:
        for _pk, file in names:
            if file:
                file.storage.delete(file.name)

    transaction.on_commit(delete)


def is_erased(person: Person) -> bool:
    return person.nik_missing_reason == rc.NikMissingReason.ERASED
