"""Writes to the registry. Each service checks scope, validates with the model's rules, runs in one transaction,
and records who did it (django-simple-history for changes, LifeEvent for life events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.access import capabilities
from berdaya.core.audit import audit, set_history_user
from berdaya.core.conf import conf
from berdaya.core.dates import years_ago
from berdaya.core.masking import is_identifying

from . import choices as c
from . import merge
from .access import (
    HEAD_CHANGE_REFUSED,
    changes_household_heads,
    ensure_can_edit_group,
    ensure_can_edit_household,
    ensure_can_register_in,
    people_visible_to,
    registers_for_organisation,
)
from .changes import Rows, kk_numbers_change, kk_numbers_open, life_events_record
from .matching import REASON_SEPARATOR, Candidate, distinct_confirmed, likely_matches_for, person_facts
from .models import (
    ConsentRecord,
    DistinctConfirmation,
    Group,
    GroupMembership,
    Household,
    KKNumber,
    LifeEvent,
    Person,
    PersonMerge,
)
from .signals import announce_household_changed

# Each override reason accepts one failing number, checked against these fields.
OVERRIDE_FIELDS = {"nik_override_reason": ("nik", "birth_date", "sex"), "kk_override_reason": ("kk_number",)}


def _strip_overrides(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    # Only officers may accept a record that fails a NIK/KK check; for others the reason is ignored.
    if capabilities(actor).accepts_failed_checks:
        return data
    return {k: v for k, v in data.items() if k not in OVERRIDE_FIELDS}


# What the edit services may change. Status, household and organisation change only through their own services
# (life events, split, registration), so that every such change leaves an event behind.
HOUSEHOLD_EDITABLE = {
    "kk_number", "kk_override_reason", "village", "village_id", "address", "rt", "rw", "latitude", "longitude",
    "floor_material", "wall_material", "roof_material", "water_source", "toilet", "lighting", "cooking_fuel",
    "floor_area_m2", "land_operated_ha", "land_tenure", *Household.ASSETS,
}  # fmt: skip
PERSON_EDITABLE = {
    "nik", "nik_missing_reason", "nik_override_reason", "full_name", "sex", "birth_place", "birth_date",
    "relationship", "marital_status", "education", "occupation", "phone", "wgss_seeing", "wgss_hearing",
    "wgss_walking", "wgss_remembering", "wgss_selfcare", "wgss_communicating",
}  # fmt: skip


class RegistrationErrors(ValidationError):
    """Everything wrong with a household registration at once: the household's own errors (this error) and each
    member's, by index as submitted, so the officer fixes them in one pass instead of one per submission."""

    def __init__(self, household: ValidationError | None, members: dict[int, ValidationError]) -> None:
        merged: dict[str, list] = household.update_error_dict({}) if household is not None else {}
        for error in members.values():
            error.update_error_dict(merged)
        # Callers that know only ValidationError still read every message; the page puts each on its own form.
        super().__init__(merged)
        self.household = household
        self.members = members


class LikelyDuplicates(ValidationError):
    """Registered people who may be the same as records about to be saved (registry.matching), by the index of the
    record as submitted. Nothing is saved: the officer opens the existing record, or says why it is not the same
    person (`distinct_reason`) and saves again."""

    def __init__(self, matches: dict[int, list[Candidate]]) -> None:
        super().__init__(
            _(
                "Kemungkinan data ganda: orang dengan data yang sama sudah terdaftar. Buka data yang ada, atau "
                "tulis alasan mengapa ini bukan orang yang sama lalu simpan lagi."
            ),
            code="likely_duplicate",
        )
        self.matches = matches


DISTINCT_REASON_MAX = DistinctConfirmation._meta.get_field("reason").max_length or 300


def _check_likely_duplicates(people: Sequence[Person], distinct_reason: str) -> dict[int, list]:
    """The likely matches of `people` (cleaned, not saved, each with their household) against the whole registry,
    read as registry.matching.person_facts reads a stored person. Without a reason they stop the save
    (LikelyDuplicates); with one, they are returned to be recorded once the people are saved."""
    found = likely_matches_for([person_facts(p) for p in people])
    matches = {index: candidates for index, candidates in enumerate(found) if candidates}
    if not matches:
        return {}
    reason = distinct_reason.strip()
    if not reason:
        raise LikelyDuplicates(matches)
    if len(reason) > DISTINCT_REASON_MAX:
        raise ValidationError(
            {
                "distinct_reason": _("Alasan paling banyak %(limit)s karakter (tertulis %(n)s).")
                % {"limit": DISTINCT_REASON_MAX, "n": len(reason)}
            }
        )
    return matches


def _record_distinct(actor: User, person: Person, candidates: list[Candidate], reason: str) -> None:
    """The officer's "bukan orang yang sama" for each likely match of a saved person: kept, audited, and told to the
    apps that remember decisions (the deduplication app)."""
    visible = set(
        people_visible_to(actor).filter(pk__in=[c.person_id for c in candidates]).values_list("pk", flat=True)
    )
    for candidate in candidates:
        confirmation = DistinctConfirmation.objects.create(
            person=person,
            other_id=candidate.person_id,
            reasons=REASON_SEPARATOR.join(candidate.reasons)[:300],
            reason=reason.strip(),
            other_visible=candidate.person_id in visible,
            confirmed_by=actor,
        )
        audit(
            actor=actor,
            action="event",
            obj=person,
            event="distinct_confirmed",
            other=candidate.person_id,
            other_visible=confirmation.other_visible,
        )
        distinct_confirmed(confirmation)


def _only(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(_("Kolom ini tidak boleh diubah di sini: %(f)s.") % {"f": ", ".join(unknown)})
    return data


def _ensure_may_change_identifiers(actor: User, obj: Household | Person, data: dict[str, Any]) -> None:
    """A role that may not see an identifier may not change it either (a crafted form, the API)."""
    if capabilities(actor).sees_identifiers:
        return
    fields = [name for name in data if is_identifying(name) and hasattr(obj, name)]
    if not fields:
        return
    stored = type(obj)._default_manager.values(*fields).get(pk=obj.pk)
    for name in fields:
        field = obj._meta.get_field(name)
        assert isinstance(field, Field)  # identifiers are plain columns, not relations
        new = field.to_python(data[name])
        if (new if new not in (None, "") else None) != (stored[name] if stored[name] not in (None, "") else None):
            raise PermissionDenied(
                _("Peran Anda tidak boleh mengubah NIK, nomor KK, nomor HP, alamat atau lokasi rumah tangga.")
            )


def _assign(actor: User, obj: Household | Person, data: dict[str, Any]) -> None:
    """Set `data` on an existing record. A stored override reason was given for the old number: it lapses when the
    number (or what it is checked against) changes, unless an officer gives it again in the same change."""
    data = _strip_overrides(actor, _only(data, HOUSEHOLD_EDITABLE if isinstance(obj, Household) else PERSON_EDITABLE))
    _ensure_may_change_identifiers(actor, obj, data)
    for override, checked in OVERRIDE_FIELDS.items():
        if override in data or not hasattr(obj, override):
            continue
        # Compare with the stored row, not `obj`: a ModelForm has already copied its data onto the instance.
        stored = type(obj)._default_manager.values(*checked).get(pk=obj.pk)
        if any(field in data and data[field] != stored[field] for field in checked):
            setattr(obj, override, "")
    for field, value in data.items():
        setattr(obj, field, value)


def _nik_taken_on_field(exc: ValidationError) -> ValidationError:
    """The living-NIK constraint has a condition, so Django reports it for the whole record: put it on the NIK."""
    errors = exc.update_error_dict({})
    taken = {
        constraint.get_violation_error_message()
        for constraint in Person._meta.constraints
        if constraint.name == "person_nik_unique_living"
    }
    general = errors.pop(NON_FIELD_ERRORS, [])
    for error in general:
        key = "nik" if any(str(message) in taken for message in error.messages) else NON_FIELD_ERRORS
        errors.setdefault(key, []).append(error)
    return ValidationError(errors)


# Columns the database keeps itself (Person.village, from the household): an instance read before its household moved
# holds the old value, which is no change of the user's.
_KEPT_BY_DATABASE: dict[type[Model], set[str]] = {Person: {"village_id"}}


def _unchanged(obj: Model) -> bool:
    """Whether a stored record holds exactly what `obj` holds (after full_clean has normalised it)."""
    if obj.pk is None or obj._state.adding:
        return False
    kept = _KEPT_BY_DATABASE.get(type(obj), set())
    names = [f.attname for f in obj._meta.concrete_fields if f.attname not in kept]
    stored = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first()
    return stored is not None and all(stored[name] == getattr(obj, name) for name in names)


def _ensure_not_alias(person: Person) -> None:
    if person.pk and Person.objects.filter(pk=person.pk, status__in=c.ALIAS_STATUSES).exists():
        # Only the merge writes a merged duplicate; its person is the record it was merged into.
        raise ValidationError(
            _("Data ini sudah digabungkan ke data #%(id)s; ubah data itu.") % {"id": person.merged_into_id}
        )


def _save(obj: Model, actor: User, *, validated: bool = False, savepoint: bool = True) -> None:
    """Validate (unless the caller has: `validated`) and save `obj` with its history; announce the change.
    `savepoint=False`: the caller's transaction is undone as a whole whenever the save fails (the error is never
    caught to go on), so the save needs no savepoint of its own (two statements less)."""
    if isinstance(obj, Person):
        _ensure_not_alias(obj)
    set_history_user(obj, actor)
    if not validated:
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise _nik_taken_on_field(exc) from None
    if _unchanged(obj):
        # A save that changes nothing writes no history row ("Diubah" with no change) and announces nothing.
        return
    try:
        with transaction.atomic(savepoint=savepoint):
            obj.save()
            if isinstance(obj, Household | Person):
                announce_household_changed(obj.pk if isinstance(obj, Household) else obj.household_id)
    except IntegrityError as exc:
        # A concurrent save won the race on a unique NIK; report it as a field error, not a 500.
        if "nik" in str(exc).lower():
            raise ValidationError(
                {"nik": [_("NIK ini sudah terdaftar untuk penduduk lain yang masih hidup.")]}
            ) from exc
        raise


def check_members(members: list[dict[str, Any]]) -> None:
    """The rules over a household's members together: one head, no NIK twice."""
    errors: list[str] = []
    heads = [m for m in members if m.get("relationship") == c.Relationship.HEAD]
    if len(heads) != 1:
        errors.append(_("Rumah tangga harus punya tepat satu kepala keluarga (tercatat %(n)s).") % {"n": len(heads)})
    niks = [m["nik"] for m in members if m.get("nik")]
    duplicates = sorted({n for n in niks if niks.count(n) > 1})
    if duplicates:
        errors.append(_("NIK yang sama tertulis lebih dari sekali dalam formulir ini."))
    if errors:
        raise ValidationError(errors)


def _registration_errors(
    hh: Household | None, people: Sequence[Person | None], members: list[dict[str, Any]] | None
) -> RegistrationErrors | None:
    household_errors: dict[str, list] = {}
    if members is not None:
        try:
            check_members(members)
        except ValidationError as exc:
            exc.update_error_dict(household_errors)
    if hh is not None:
        try:
            hh.full_clean()
        except ValidationError as exc:
            exc.update_error_dict(household_errors)
    member_errors: dict[int, ValidationError] = {}
    for index, person in enumerate(people):
        if person is None:
            continue
        try:
            # The household has no key yet; the rules that involve it are checked again when saving.
            person.full_clean(exclude=["household"])
        except ValidationError as exc:
            member_errors[index] = _nik_taken_on_field(exc)
    if household_errors or member_errors:
        return RegistrationErrors(ValidationError(household_errors) if household_errors else None, member_errors)
    return None


def household_register_check(
    *, actor: User, household: dict[str, Any] | None, members: list[dict[str, Any] | None]
) -> RegistrationErrors | None:
    """The rules of household_register for the parts of a registration that are complete (None: a part the form
    already refused), so a page shows every error in one go. The rules over all members together are left to the
    caller, which has checked them on what it has (check_members)."""
    hh = Household(**_strip_overrides(actor, _only(household, HOUSEHOLD_EDITABLE))) if household else None
    people = [
        Person(household=hh, **_strip_overrides(actor, _only(data, PERSON_EDITABLE))) if data is not None else None
        for data in members
    ]
    return _registration_errors(hh, people, None)


@transaction.atomic
def household_register(
    *, actor: User, household: dict[str, Any], members: list[dict[str, Any]], distinct_reason: str = ""
) -> Household:
    """Register a household with its members, all or nothing. Each member is first checked against the whole
    registry (registry.matching): a likely match stops the registration (LikelyDuplicates) unless the officer gives
    `distinct_reason`, why they are not the same person, which is recorded for each match."""
    if not members:
        raise ValidationError(_("Isi paling sedikit satu anggota keluarga (kepala keluarga)."))
    hh = Household(**_strip_overrides(actor, _only(household, HOUSEHOLD_EDITABLE)))
    if not Village.objects.filter(pk=hh.village_id).exists():
        raise ValidationError({"village": _("Kode desa/kelurahan tidak dikenal.")})
    ensure_can_register_in(actor, hh.village)
    if organisation_id := registers_for_organisation(actor):
        hh.registered_by_organisation_id = organisation_id
    people = [Person(household=hh, **_strip_overrides(actor, _only(data, PERSON_EDITABLE))) for data in members]
    # Check everything before saving anything, and report every error together.
    errors = _registration_errors(hh, people, members)
    if errors is not None:
        raise errors
    matches = _check_likely_duplicates(people, distinct_reason)
    # Each record was validated once above, before anything was written (nothing has changed it since). What that
    # validation left out of a member, the household not yet saved, holds by construction: the household is the one
    # saved just below, and its one active head is check_members' rule (a new household has no other member, and a
    # new member is active). The database's constraints (one active head, a living NIK once) still stand behind them:
    # a NIK taken by another registration since the check is refused by the insert, with the same message (_save).
    # A failed save ends the registration (household_register's own transaction is undone): no savepoints.
    _save(hh, actor, validated=True, savepoint=False)
    kk_numbers_open(
        households=Rows.of(Household.objects.filter(pk=hh.pk).values("id", "kk_number")),
        reason=_("Pendaftaran"),
        date=timezone.localdate(),
    )
    for index, person in enumerate(people):
        person.household = hh
        try:
            _save(person, actor, validated=True, savepoint=False)
        except ValidationError as exc:
            raise RegistrationErrors(None, {index: exc}) from None
    for index, candidates in matches.items():
        _record_distinct(actor, people[index], candidates, distinct_reason)
    return hh


@transaction.atomic
def household_update(*, actor: User, household: Household, data: dict[str, Any], kk_reason: str = "") -> Household:
    ensure_can_edit_household(actor, household)
    limit = KKNumber._meta.get_field("reason").max_length
    if limit is not None and len(kk_reason) > limit:
        # Refused, never cut: the officer shortens it knowing the limit.
        raise ValidationError(
            _("Alasan perubahan nomor KK paling banyak %(limit)s karakter (tertulis %(n)s).")
            % {"limit": limit, "n": len(kk_reason)}
        )
    old_kk = Household.objects.values_list("kk_number", flat=True).get(pk=household.pk)
    _assign(actor, household, data)
    if household.village_id != Household.objects.values_list("village_id", flat=True).get(pk=household.pk):
        ensure_can_register_in(actor, household.village)
    _save(household, actor)
    if household.kk_number != old_kk:
        _kk_changed(actor=actor, household=household, reason=kk_reason or _("Perubahan data"), old=old_kk)
    return household


def _kk_changed(*, actor: User, household: Household, reason: str, old: str = "", date: dt.date | None = None) -> None:
    # The same history rows and life event as an import's changed households (changes.kk_numbers_change).
    kk_numbers_change(
        actor=actor,
        changes=Rows.one(household_id=household.pk, old_number=old or "", new_number=household.kk_number),
        reason=reason,
        date=date or timezone.localdate(),
    )


@transaction.atomic
def person_add(*, actor: User, household: Household, data: dict[str, Any], distinct_reason: str = "") -> Person:
    """Add a member, checked first against the whole registry as household_register checks its members."""
    ensure_can_edit_household(actor, household)
    if data.get("relationship") == c.Relationship.HEAD:
        # Refused before the household's head is looked at: a role that may miss members gets one answer.
        if not changes_household_heads(actor):
            raise ValidationError({"relationship": HEAD_CHANGE_REFUSED})
        if household.members.filter(relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE).exists():
            raise ValidationError({"relationship": _("Rumah tangga ini sudah punya kepala keluarga.")})
    person = Person(household=household, **_strip_overrides(actor, data))
    try:
        person.full_clean()
    except ValidationError as exc:
        raise _nik_taken_on_field(exc) from None
    matches = _check_likely_duplicates([person], distinct_reason)
    _save(person, actor)
    if matches:
        _record_distinct(actor, person, matches[0], distinct_reason)
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, data: dict[str, Any]) -> Person:
    ensure_can_edit_household(actor, person.household)
    _ensure_not_alias(person)
    # The stored relationship, not `person`'s: a ModelForm may have copied its data onto the instance.
    was_head = Person.objects.filter(pk=person.pk, relationship=c.Relationship.HEAD).exists()
    _assign(actor, person, data)
    if (person.relationship == c.Relationship.HEAD) != was_head and not changes_household_heads(actor):
        # To or from head, whoever the other members are (access.changes_household_heads).
        raise ValidationError({"relationship": HEAD_CHANGE_REFUSED})
    if (
        person.relationship == c.Relationship.HEAD
        # The rule is one ACTIVE head (person_one_active_head): a head who died or moved out keeps the word.
        and person.status == c.PersonStatus.ACTIVE
        and person.household.members.filter(relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise ValidationError({"relationship": _("Rumah tangga ini sudah punya kepala keluarga.")})
    _save(person, actor)
    return person


def _ensure_active(person: Person) -> None:
    if person.status != c.PersonStatus.ACTIVE:
        raise ValidationError(
            _("%(name)s sudah berstatus %(status)s.")
            % {"name": person.full_name, "status": person.get_status_display().lower()}
        )


def _ensure_not_future(date: dt.date) -> None:
    if date > timezone.localdate():
        raise ValidationError({"date": _("Tanggal peristiwa tidak boleh di masa depan.")})


@transaction.atomic
def person_record_death(*, actor: User, person: Person, date: dt.date, note: str = "") -> LifeEvent:
    ensure_can_edit_household(actor, person.household)
    _ensure_active(person)
    _ensure_not_future(date)
    if date < person.birth_date:
        raise ValidationError({"date": _("Tanggal meninggal tidak boleh sebelum tanggal lahir.")})
    person.status = c.PersonStatus.DECEASED
    person.date_of_death = date
    _save(person, actor)
    return LifeEvent.objects.create(
        kind=c.LifeEventKind.DEATH,
        date=date,
        household=person.household,
        person=person,
        note=note,
        recorded_by=actor,
    )


@transaction.atomic
def person_move_out(*, actor: User, person: Person, date: dt.date, note: str = "") -> LifeEvent:
    ensure_can_edit_household(actor, person.household)
    _ensure_active(person)
    _ensure_not_future(date)
    person.status = c.PersonStatus.MOVED_OUT
    _save(person, actor)
    return LifeEvent.objects.create(
        kind=c.LifeEventKind.MOVED_OUT,
        date=date,
        household=person.household,
        person=person,
        note=note,
        recorded_by=actor,
    )


@transaction.atomic
def household_split(
    *,
    actor: User,
    household: Household,
    people: Iterable[Person],
    new_head: Person,
    date: dt.date,
    kk_number: str = "",
    address: str = "",
    note: str = "",
) -> Household:
    """Move some members into a new household (pecah KK); the old household keeps its history."""
    ensure_can_edit_household(actor, household)
    _ensure_not_future(date)
    people = list(people)
    if not people:
        raise ValidationError(_("Pilih paling sedikit satu anggota yang pindah ke KK baru."))
    if new_head not in people:
        raise ValidationError(_("Kepala keluarga baru harus termasuk anggota yang pindah."))
    # The members the actor may see (access.people_visible_to): partner staff do not see one who withdrew consent to
    # sharing. Only those move, the rule that one must stay counts only those, and only one of those succeeds a head
    # who left, so the answer is the same whether or not a hidden member exists, and a hidden member's record is
    # never changed by someone who cannot see it.
    visible = people_visible_to(actor).filter(household=household, status=c.PersonStatus.ACTIVE)
    visible_ids = set(visible.values_list("pk", flat=True))
    for person in people:
        if (
            person.household_id != household.pk
            or person.status != c.PersonStatus.ACTIVE
            or person.pk not in visible_ids
        ):
            raise ValidationError(_("Hanya anggota aktif rumah tangga ini yang bisa dipindahkan."))
    staying = visible.exclude(pk__in=[p.pk for p in people])
    if not staying.exists():
        raise ValidationError(_("Paling sedikit satu anggota harus tetap di rumah tangga asal."))
    new = Household(
        kk_number=kk_number,
        village=household.village,
        address=address or household.address,
        rt=household.rt,
        rw=household.rw,
        registered_by_organisation=household.registered_by_organisation,
    )
    _save(new, actor)
    kk_numbers_open(
        households=Rows.of(Household.objects.filter(pk=new.pk).values("id", "kk_number")),
        reason=_("Pecah KK"),
        date=date,
    )
    for person in people:
        person.household = new
        person.relationship = c.Relationship.HEAD if person.pk == new_head.pk else person.relationship
        if person.pk != new_head.pk and person.relationship == c.Relationship.HEAD:
            person.relationship = c.Relationship.OTHER_RELATIVE
        _save(person, actor)
    if not household.members.filter(status=c.PersonStatus.ACTIVE, relationship=c.Relationship.HEAD).exists():
        # The old head left: the oldest remaining member the actor sees leads until an officer corrects it.
        successor = staying.order_by("birth_date").first()
        if successor is not None:  # someone stays (checked above)
            successor.relationship = c.Relationship.HEAD
            _save(successor, actor)
    announce_household_changed(household.pk)  # smaller now: its score changes too
    life_events_record(
        actor=actor,
        kind=c.LifeEventKind.SPLIT,
        events=Rows.one(household_id=household.pk, person_id=None, new_household_id=new.pk),
        date=date,
        note=note,
    )
    return new


@transaction.atomic
def consent_record(*, actor: User, person: Person, data: dict[str, Any]) -> ConsentRecord:
    ensure_can_edit_household(actor, person.household)
    record = ConsentRecord(person=person, recorded_by=actor, **data)
    # A parent or guardian consents for a child (UU 27/2022), judged by the age on the day consent was given.
    child_age = conf().child_age
    is_child = person.birth_date > years_ago(child_age, record.given_at or timezone.localdate())
    if record.basis == c.ConsentBasis.CONSENT and record.given_by == c.ConsentGivenBy.SELF and is_child:
        message = _("Untuk anak di bawah %(age)s tahun, persetujuan diberikan oleh orang tua atau wali.")
        raise ValidationError({"given_by": message % {"age": child_age}})
    _save(record, actor)
    return record


@transaction.atomic
def consent_withdraw(*, actor: User, person: Person, purpose: str, on: dt.date | None = None) -> ConsentRecord:
    """Record that `person` withdraws consent for `purpose` (a ConsentPurpose other than the general basis): the
    records of that purpose still standing are marked withdrawn, and a withdrawal record says when, so that
    `registry.consent.excluded_for(purpose)` leaves the person out from that day."""
    ensure_can_edit_household(actor, person.household)
    on = on or timezone.localdate()
    if purpose not in c.ConsentPurpose.values or not purpose:
        raise ValidationError({"purpose_kind": _("Pilih tujuan yang persetujuannya ditarik.")})
    if on > timezone.localdate():
        raise ValidationError({"withdrawn_at": _("Tanggal penarikan tidak boleh di masa depan.")})
    kinds = [purpose] if purpose != c.ConsentPurpose.ALL else [k for k in c.ConsentPurpose.values if k]
    for record in person.consents.filter(purpose_kind__in=kinds, withdrawn_at__isnull=True, given_at__lte=on):
        record.withdrawn_at = on
        _save(record, actor)
    label = c.ConsentPurpose(purpose).label
    record = ConsentRecord(
        person=person,
        recorded_by=actor,
        basis=c.ConsentBasis.CONSENT,
        given_by=c.ConsentGivenBy.SELF,
        purpose=_("Penarikan persetujuan: %(purpose)s") % {"purpose": label},
        purpose_kind=purpose,
        given_at=on,
        withdrawn_at=on,
    )
    _save(record, actor)
    return record


@transaction.atomic
def group_save(*, actor: User, group: Group) -> Group:
    ensure_can_edit_group(actor, group)
    ensure_can_register_in(actor, group.village)
    _save(group, actor)
    return group


@transaction.atomic
def membership_add(
    *, actor: User, group: Group, person: Person, role: str, joined_on: dt.date | None = None
) -> GroupMembership:
    ensure_can_edit_group(actor, group)
    ensure_can_edit_household(actor, person.household)
    if person.status == c.PersonStatus.DECEASED:
        raise ValidationError(_("Penduduk yang sudah meninggal tidak bisa ditambahkan ke kelompok."))
    membership = GroupMembership(group=group, person=person, role=role, joined_on=joined_on or timezone.localdate())
    _save(membership, actor)
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: GroupMembership, left_on: dt.date | None = None) -> GroupMembership:
    ensure_can_edit_group(actor, membership.group)
    # As for adding one: only the membership of a person the actor may change (a facilitator's villages).
    ensure_can_edit_household(actor, membership.person.household)
    if membership.left_on is not None:
        raise ValidationError({"left_on": _("Keanggotaan ini sudah berakhir.")})
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("Tanggal keluar tidak boleh sebelum tanggal bergabung.")})
    membership.left_on = left_on
    _save(membership, actor)
    return membership


# --- Merging duplicates (merge.py) ---------------------------------------------------------------------------------


def may_merge(actor: User, people: Iterable[Person]) -> bool:
    """Whether `actor` may merge these people, or decide that they are different people (ensure_may_merge)."""
    try:
        ensure_may_merge(actor, people)
    except PermissionDenied:
        return False
    return True


def ensure_may_merge(actor: User, people: Iterable[Person]) -> None:
    """The one rule for acting on a likely duplicate: merging the records, undoing a merge, deciding two records are
    different people or taking that decision back. Both records must be ones `actor` may see and change (people are
    scoped by their household): a merge rewrites both. And the actor is regency staff: a merge moves every row of the
    duplicate (other organisations' enrolments and assistance, cases), which partner staff may not see; and a
    "different" decision removes the pair from the district office's queue for good."""
    if not capabilities(actor).regency_staff:
        raise PermissionDenied(
            _(
                "Hanya petugas kabupaten atau pendamping yang dapat menggabungkan data ganda atau memutuskan bahwa "
                "keduanya orang yang berbeda."
            )
        )
    for person in people:
        ensure_can_edit_household(actor, person.household)


def merge_reason(value: str, field: str, label: str, *, required: bool = True) -> str:
    """The reason written for a merge, its undo or a decision on a pair (or its revoke): at most 300 characters,
    required unless not `required` (a pair marked "different" may go without one)."""
    value = (value or "").strip()
    if not value and required:
        raise ValidationError({field: _("Tuliskan alasan %(what)s.") % {"what": label}})
    limit = 300
    if len(value) > limit:
        raise ValidationError(
            {field: _("Alasan paling banyak %(limit)s karakter (tertulis %(n)s).") % {"limit": limit, "n": len(value)}}
        )
    return value


def _settle_households(ctx: merge.MergeContext, actor: User, merged_before: dict[str, str]) -> None:
    """Each household keeps one head. The duplicate is no longer an active member; when it headed the survivor's
    own household, the survivor (the same person) heads it; when it headed another household, the oldest remaining
    member leads until an officer corrects it (the rule of household_split); a household left with no active
    member is closed. Every change is recorded, so undo restores it."""
    survivor, merged_person = ctx.survivor, ctx.merged
    was_head = merged_before["status"] == c.PersonStatus.ACTIVE and merged_before["relationship"] == c.Relationship.HEAD
    if (
        was_head
        and survivor.household_id == merged_person.household_id
        and survivor.status == c.PersonStatus.ACTIVE
        and survivor.relationship != c.Relationship.HEAD
    ):
        ctx.change_record(survivor, actor, relationship=c.Relationship.HEAD)
    household = Household.objects.get(pk=merged_person.household_id)
    active = household.members.filter(status=c.PersonStatus.ACTIVE)
    if not active.exists():
        if household.status == c.HouseholdStatus.ACTIVE and household.pk != survivor.household_id:
            ctx.change_record(household, actor, status=c.HouseholdStatus.DISSOLVED)
    elif was_head and not active.filter(relationship=c.Relationship.HEAD).exists():
        successor = active.order_by("birth_date", "pk").first()
        assert successor is not None
        ctx.change_record(successor, actor, relationship=c.Relationship.HEAD)
    announce_household_changed(survivor.household_id)
    announce_household_changed(merged_person.household_id)


@transaction.atomic
def persons_merge(*, actor: User, survivor: Person, merged: Person, reason: str) -> PersonMerge:
    """Merge `merged` into `survivor`: all of its enrolments, assistance, harvests, cases, consent and history now
    belong to the survivor, and it stays as an alias of the survivor. All or nothing, in one transaction."""
    reason = merge_reason(reason, "reason", _("penggabungan"))
    if survivor.pk == merged.pk:
        raise ValidationError(_("Data penduduk tidak bisa digabungkan dengan dirinya sendiri."))
    # Read both again under a lock: a concurrent merge of either waits, then sees the alias.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    if len(locked) != 2:
        raise ValidationError(_("Data penduduk ini tidak ditemukan."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    ensure_may_merge(actor, [survivor, merged])
    for person in (survivor, merged):
        if person.is_alias:
            raise ValidationError(
                _("Data #%(id)s sudah digabungkan ke data #%(to)s; gabungkan dengan data #%(to)s itu.")
                % {"id": person.pk, "to": merge.resolve_alias(person.pk) or person.merged_into_id}
            )
    record = PersonMerge.objects.create(survivor=survivor, merged=merged, reason=reason, actor=actor)
    ctx = merge.MergeContext(merge=record, survivor=survivor, merged=merged, today=timezone.localdate())
    merged_before = {"status": merged.status, "relationship": merged.relationship}
    # The duplicate stops being an active member first, so the household's one-head rule holds at every step.
    ctx.change_record(merged, actor, status=c.PersonStatus.MERGED, merged_into=survivor)
    merge.move_related(ctx)
    _settle_households(ctx, actor, merged_before)
    audit(
        actor=actor,
        action="event",
        obj=record,
        event="person_merge",
        survivor=survivor.pk,
        merged=merged.pk,
        rows=record.moves.count(),
    )
    return record


@transaction.atomic
def person_merge_undo(*, actor: User, merge_record: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: every row it moved goes back to the duplicate and every value it changed is restored; the
    duplicate is a person of its own again. Rows added to the survivor since then stay with the survivor. The reason
    is required, as for the merge."""
    reason = merge_reason(reason, "reason", _("pembatalan penggabungan"))
    record = PersonMerge.objects.select_for_update().get(pk=merge_record.pk)
    if record.undone_at is not None:
        raise ValidationError(_("Penggabungan ini sudah dibatalkan."))
    survivor = Person.objects.select_for_update().get(pk=record.survivor_id)
    merged = Person.objects.select_for_update().get(pk=record.merged_id)
    ensure_may_merge(actor, [survivor, merged])
    if survivor.is_alias:
        raise ValidationError(
            _("Data #%(id)s sudah digabungkan lagi ke data #%(to)s; batalkan penggabungan itu dulu.")
            % {"id": survivor.pk, "to": survivor.merged_into_id}
        )
    if merged.merged_into_id != survivor.pk:
        raise ValidationError(_("Data #%(id)s tidak lagi tercatat sebagai gabungan data ini.") % {"id": merged.pk})
    try:
        with transaction.atomic():
            merge.undo_moves(record)
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "Penggabungan tidak bisa dibatalkan: data lain sekarang memakai nilai yang sama (mis. NIK atau "
                "kepala keluarga). Perbaiki dulu, lalu coba lagi."
            )
        ) from exc
    # A history row for each record put back, naming who undid the merge.
    for person in Person.objects.filter(pk__in=[survivor.pk, merged.pk]):
        set_history_user(person, actor)
        person.save()
    record.undone_at = timezone.now()
    record.undone_by = actor
    record.undo_reason = reason
    record.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    announce_household_changed(survivor.household_id)
    announce_household_changed(merged.household_id)
    audit(actor=actor, action="event", obj=record, event="person_merge_undo", survivor=survivor.pk, merged=merged.pk)
    return record
