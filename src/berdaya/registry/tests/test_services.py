"""Writes to the registry go through services: scope, validation, one transaction, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import ConsentRecord, GroupMembership, Household, KKNumber, LifeEvent, Person
from berdaya.testing import factories as f

VILLAGE, OTHER_VILLAGE = f.AREAS["15.02.01"][1]  # the facilitator's village; one in the same district, not theirs
BANGKO_VILLAGE = f.AREAS["15.02.02"][1][0]


def register(actor, *members, village=VILLAGE, **household):
    household = {"village_id": village, "address": "Jl. Lintas Sumatra", **household}
    return services.household_register(actor=actor, household=household, members=list(members))


def family(*, head_nik: str | None = None) -> list[dict]:
    head = f.member(name="Budi Santoso", sex="M", birth_date=dt.date(1970, 1, 5))
    if head_nik:
        head["nik"] = head_nik
    return [
        head,
        f.member(name="Sri Wahyuni", sex="F", birth_date=dt.date(1974, 8, 17), relationship=c.Relationship.SPOUSE),
        f.member(name="Andi", sex="M", birth_date=dt.date(1998, 2, 1), relationship=c.Relationship.CHILD),
        f.member(name="Rina", sex="F", birth_date=dt.date(2000, 11, 30), relationship=c.Relationship.CHILD_IN_LAW),
    ]


def failing_nik(birth_date=dt.date(1970, 1, 5), stated_sex="M") -> str:
    # The other sex's day (+40 or not): fails the sex rule only.
    return f.nik(birth_date=birth_date, sex="F" if stated_sex == "M" else "M")


def nothing_written() -> bool:
    return not (
        Household.objects.exists()
        or Person.objects.exists()
        or KKNumber.objects.exists()
        or Household.history.exists()
        or Person.history.exists()
    )


# --- household_register -------------------------------------------------------------------------------------------


def test_it_registers_a_household_with_its_members_and_first_kk(officer):
    kk = f.kk_number()
    hh = register(officer, *family(), kk_number=kk)

    assert hh.members.count() == 4
    assert hh.members.filter(relationship=c.Relationship.HEAD).get().full_name == "Budi Santoso"
    assert list(KKNumber.objects.filter(household=hh).values_list("number", "valid_to")) == [(kk, None)]
    assert hh.history.get().history_user == officer
    assert {p.history.get().history_user for p in hh.members.all()} == {officer}


def test_it_writes_nothing_when_one_member_is_invalid(officer):
    members = family()
    last = members[-1]  # saved after the household and the other members
    last["nik"] = failing_nik(last["birth_date"], last["sex"])

    with pytest.raises(ValidationError) as exc:
        register(officer, *members, kk_number=f.kk_number())

    assert "nik" in exc.value.message_dict
    assert nothing_written()


@pytest.mark.parametrize("heads", [0, 2])
def test_it_requires_exactly_one_head(officer, heads):
    members = family()
    members[0]["relationship"] = c.Relationship.HEAD if heads else c.Relationship.OTHER_RELATIVE
    if heads == 2:
        members[1]["relationship"] = c.Relationship.HEAD

    with pytest.raises(ValidationError) as exc:
        register(officer, *members)

    assert any("tepat satu kepala keluarga" in m and f"tercatat {heads}" in m for m in exc.value.messages)
    assert nothing_written()


def test_it_refuses_an_empty_household(officer):
    with pytest.raises(ValidationError):
        register(officer)
    assert nothing_written()


def test_it_refuses_the_same_nik_twice_in_one_form(officer):
    members = family()
    members[2]["nik"] = members[3]["nik"] = f.nik(birth_date=dt.date(1998, 2, 1), sex="M")

    with pytest.raises(ValidationError) as exc:
        register(officer, *members)

    assert any("lebih dari sekali" in m for m in exc.value.messages)
    assert nothing_written()


@pytest.mark.parametrize("status", [c.PersonStatus.ACTIVE, c.PersonStatus.MOVED_OUT])
def test_it_refuses_a_nik_used_by_another_living_person(officer, status):
    existing = f.person(name="Budi Lama", sex="M", birth_date=dt.date(1970, 1, 5), status=status)
    before = Person.objects.count()

    with pytest.raises(ValidationError) as exc:
        register(officer, *family(head_nik=existing.nik))

    assert exc.value.message_dict["nik"] == ["NIK ini sudah terdaftar untuk penduduk lain yang masih hidup."]
    assert Person.objects.count() == before


def test_it_validates_each_record_once_before_writing(officer, monkeypatch):
    # Before: every member and the household were validated fully twice, before anything was written and again by
    # each save (a query and a savepoint for each constraint, each time).
    cleaned: list[tuple[str, int]] = []

    def counting(original):
        def full_clean(self, *args, **kwargs):
            cleaned.append((type(self).__name__, id(self)))
            return original(self, *args, **kwargs)

        return full_clean

    monkeypatch.setattr(Person, "full_clean", counting(Person.full_clean))
    monkeypatch.setattr(Household, "full_clean", counting(Household.full_clean))

    hh = register(officer, *family())

    assert hh.members.count() == 4
    assert sorted(name for name, _id in cleaned) == ["Household"] + ["Person"] * 4
    assert len(set(cleaned)) == 5  # each record once


def test_it_saves_the_records_without_a_savepoint_each(officer):
    # The registration's own transaction (a savepoint here, inside the test's) undoes every failed save: the saves
    # of the household and of each member open none of their own (before: one each, SAVEPOINT and RELEASE).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        hh = register(officer, *family())
    assert hh.members.count() == 4
    statements = [q["sql"] for q in queries.captured_queries]
    writes = next(i for i, sql in enumerate(statements) if sql.startswith("INSERT"))
    # From the first write on, only the registration's own savepoint is released (the validation before the writes
    # keeps the savepoints of its own queries: the living-NIK rule).
    assert [sql.split()[0] for sql in statements[writes:] if "SAVEPOINT" in sql] == ["RELEASE"]


def test_a_nik_registered_meanwhile_is_refused_by_the_insert_with_the_message(officer, monkeypatch):
    # The NIK is free when the members are validated; another registration takes it before they are written. The
    # database's constraint refuses the insert, with the validation's message on the field, and nothing is kept.
    members = family()
    taken = members[2]["nik"]
    check = services._check_likely_duplicates

    def meanwhile(people, reason):
        found = check(people, reason)
        f.person(name="Orang Lain", sex="M", birth_date=dt.date(1998, 2, 1), nik=taken)
        return found

    monkeypatch.setattr(services, "_check_likely_duplicates", meanwhile)

    with pytest.raises(services.RegistrationErrors) as exc:
        register(officer, *members)

    assert exc.value.members == {2: exc.value.members[2]}
    assert exc.value.members[2].message_dict == {
        "nik": ["NIK ini sudah terdaftar untuk penduduk lain yang masih hidup."]
    }
    # All or nothing (here the other registration too: the test made it inside this one's transaction).
    assert nothing_written()


def test_it_lets_a_deceased_persons_nik_be_registered_again(officer):
    # NIK uniqueness holds among the living only: a death record no longer blocks the number.
    old = f.person(name="Budi Lama", sex="M", birth_date=dt.date(1970, 1, 5), hh=f.household())
    f.person(hh=old.household, relationship=c.Relationship.SPOUSE)
    services.person_record_death(actor=officer, person=old, date=dt.date(2024, 1, 1))

    hh = register(officer, *family(head_nik=old.nik))

    assert Person.objects.filter(nik=old.nik).count() == 2
    assert hh.members.get(nik=old.nik).status == c.PersonStatus.ACTIVE


def test_it_needs_a_reason_for_a_person_without_nik(officer):
    members = family()
    members[3].update(nik="", nik_missing_reason="")

    with pytest.raises(ValidationError) as exc:
        register(officer, *members)
    assert "nik_missing_reason" in exc.value.message_dict
    assert nothing_written()

    members[3]["nik_missing_reason"] = c.NikMissingReason.NEVER_REGISTERED
    members[2].update(nik="", nik_missing_reason=c.NikMissingReason.CARD_LOST)
    hh = register(officer, *members)
    # Stored as NULL, so several people without a NIK do not collide on the unique NIK.
    assert hh.members.filter(nik__isnull=True).count() == 2


def test_it_drops_a_missing_reason_once_a_nik_is_given(officer):
    members = family()
    members[0]["nik_missing_reason"] = c.NikMissingReason.CARD_LOST
    hh = register(officer, *members)
    assert hh.members.get(relationship=c.Relationship.HEAD).nik_missing_reason == ""


def test_it_lets_an_officer_accept_a_failing_nik_with_a_reason(officer):
    members = family(head_nik=failing_nik())
    with pytest.raises(ValidationError) as exc:
        register(officer, *members)
    assert any("Jenis kelamin dalam NIK" in m for m in exc.value.message_dict["nik"])

    members[0]["nik_override_reason"] = "KTP asli diperiksa; salah cetak Dukcapil"
    hh = register(officer, *members)

    head = hh.members.get(relationship=c.Relationship.HEAD)
    assert head.nik == members[0]["nik"]
    assert head.nik_override_reason == "KTP asli diperiksa; salah cetak Dukcapil"


def test_it_ignores_a_facilitators_override_reason(facilitator):
    members = family(head_nik=failing_nik())
    members[0]["nik_override_reason"] = "Saya yakin benar"

    with pytest.raises(ValidationError) as exc:
        register(facilitator, *members)

    assert "nik" in exc.value.message_dict
    assert nothing_written()


def test_it_lets_only_an_officer_accept_a_failing_kk(officer, facilitator):
    bad_kk = "1502995506180001"  # unknown district and an impossible date
    with pytest.raises(ValidationError) as exc:
        register(facilitator, *family(), kk_number=bad_kk, kk_override_reason="KK lama, format berbeda")
    assert "kk_number" in exc.value.message_dict
    with pytest.raises(ValidationError):
        register(officer, *family(), kk_number=bad_kk)
    assert nothing_written()

    hh = register(officer, *family(), kk_number=bad_kk, kk_override_reason="KK lama, format berbeda")
    assert hh.kk_override_reason == "KK lama, format berbeda"
    assert KKNumber.objects.get(household=hh).number == bad_kk


def test_it_refuses_a_facilitator_outside_their_villages(facilitator):
    with pytest.raises(PermissionDenied):
        register(facilitator, *family(), village=OTHER_VILLAGE)
    assert nothing_written()


def test_it_lets_a_facilitator_register_in_an_assigned_district(areas):
    district_facilitator = f.user("facilitator", districts=["15.02.02"])
    hh = register(district_facilitator, *family(), village=BANGKO_VILLAGE)
    assert hh.village_id == BANGKO_VILLAGE
    with pytest.raises(PermissionDenied):
        register(district_facilitator, *family(), village=VILLAGE)


def test_it_refuses_a_viewer(viewer):
    with pytest.raises(PermissionDenied):
        register(viewer, *family())
    assert nothing_written()


def test_it_stamps_the_partners_organisation(partner):
    hh = register(partner, *family())
    assert hh.registered_by_organisation_id == partner.organisation_id


def test_it_refuses_to_let_a_caller_choose_the_registering_organisation(partner):
    other = f.organisation("Yayasan Lain")
    with pytest.raises(ValidationError, match="tidak boleh diubah"):
        register(partner, *family(), registered_by_organisation=other)
    assert nothing_written()


# --- updates and history ------------------------------------------------------------------------------------------


def test_it_records_who_changed_a_person(officer, facilitator):
    hh = register(officer, *family())
    head = hh.members.get(relationship=c.Relationship.HEAD)

    services.person_update(actor=facilitator, person=head, data={"phone": "081234567890"})

    head.refresh_from_db()
    latest, first = head.history.all()[:2]
    assert latest.history_user == facilitator
    assert latest.phone == "+6281234567890"  # stored in one form (E.164)
    assert first.history_user == officer
    assert first.phone == ""


def test_it_refuses_a_second_head(officer):
    hh = register(officer, *family())
    spouse = hh.members.get(relationship=c.Relationship.SPOUSE)
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=officer, person=spouse, data={"relationship": c.Relationship.HEAD})
    assert "relationship" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.person_add(actor=officer, household=hh, data=f.member(name="Kepala Kedua"))
    assert hh.members.filter(relationship=c.Relationship.HEAD).count() == 1


def test_it_refuses_a_facilitator_editing_outside_their_villages(officer, facilitator):
    outside = register(officer, *family(), village=OTHER_VILLAGE)
    head = outside.members.get(relationship=c.Relationship.HEAD)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=facilitator, person=head, data={"phone": "081234567890"})
    with pytest.raises(PermissionDenied):
        services.household_update(actor=facilitator, household=outside, data={"address": "Jl. Baru"})
    with pytest.raises(PermissionDenied):
        services.person_add(actor=facilitator, household=outside, data=f.member(relationship=c.Relationship.CHILD))
    with pytest.raises(PermissionDenied):
        services.person_record_death(actor=facilitator, person=head, date=dt.date(2024, 1, 1))
    head.refresh_from_db()
    assert (head.phone, head.status) == ("", c.PersonStatus.ACTIVE)


def test_it_refuses_a_facilitator_moving_a_household_out_of_their_villages(facilitator):
    hh = register(facilitator, *family())
    with pytest.raises(PermissionDenied):
        services.household_update(actor=facilitator, household=hh, data={"village_id": OTHER_VILLAGE})
    assert Household.objects.get(pk=hh.pk).village_id == VILLAGE


def test_it_keeps_an_officers_override_when_a_facilitator_edits_something_else(officer, facilitator):
    members = family(head_nik=failing_nik())
    members[0]["nik_override_reason"] = "Diperiksa petugas"
    head = register(officer, *members).members.get(relationship=c.Relationship.HEAD)

    # A form posts every field back, the reason too: ignored for the facilitator, but not erased.
    services.person_update(
        actor=facilitator,
        person=head,
        data={"nik": head.nik, "phone": "081234567890", "nik_override_reason": "diubah pendamping"},
    )

    head.refresh_from_db()
    assert head.phone == "+6281234567890"
    assert head.nik_override_reason == "Diperiksa petugas"


def test_it_does_not_carry_an_override_over_to_a_new_failing_nik(officer, facilitator):
    members = family(head_nik=failing_nik())
    members[0]["nik_override_reason"] = "Diperiksa petugas"
    head = register(officer, *members).members.get(relationship=c.Relationship.HEAD)
    another_bad = f.nik(birth_date=dt.date(1971, 1, 5), sex="M")  # date does not match the stated birth date

    # As the edit form does it: the instance already holds the new value when the service is called.
    head.nik = another_bad
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=facilitator, person=head, data={"nik": another_bad})
    assert "nik" in exc.value.message_dict

    head = Person.objects.get(pk=head.pk)
    services.person_update(
        actor=officer, person=head, data={"nik": another_bad, "nik_override_reason": "Dicek ulang di Dukcapil"}
    )
    assert Person.objects.get(pk=head.pk).nik == another_bad


# --- KK changes ---------------------------------------------------------------------------------------------------


def test_it_keeps_the_kk_history_when_the_number_changes(officer):
    first, second = f.kk_number(), f.kk_number()
    hh = register(officer, *family(), kk_number=first)
    today = timezone.localdate()

    services.household_update(actor=officer, household=hh, data={"kk_number": second}, kk_reason="Pindah alamat")

    rows = {k.number: k for k in KKNumber.objects.filter(household=hh)}
    assert set(rows) == {first, second}
    assert rows[first].valid_to == today
    assert rows[second].valid_to is None
    assert rows[second].reason == "Pindah alamat"
    event = LifeEvent.objects.get(household=hh)
    assert (event.kind, event.note, event.recorded_by) == (c.LifeEventKind.KK_CHANGED, "Pindah alamat", officer)
    assert [h.kk_number for h in hh.history.all()] == [second, first]


def test_it_records_no_kk_event_when_the_number_stays(officer):
    hh = register(officer, *family(), kk_number=f.kk_number())
    services.household_update(actor=officer, household=hh, data={"address": "Jl. Baru"})
    assert not LifeEvent.objects.exists()
    assert KKNumber.objects.filter(household=hh).count() == 1


# --- life events --------------------------------------------------------------------------------------------------


def test_it_records_a_death_as_an_event_not_a_deletion(officer):
    hh = register(officer, *family())
    head = hh.members.get(relationship=c.Relationship.HEAD)

    event = services.person_record_death(actor=officer, person=head, date=dt.date(2025, 3, 1), note="Sakit")

    head.refresh_from_db()
    assert (head.status, head.date_of_death) == (c.PersonStatus.DECEASED, dt.date(2025, 3, 1))
    assert (event.kind, event.person, event.household, event.recorded_by) == (
        c.LifeEventKind.DEATH,
        head,
        hh,
        officer,
    )
    assert hh.members.count() == 4
    assert head.history.first().history_user == officer


def test_it_checks_the_date_of_death(officer):
    head = register(officer, *family()).members.get(relationship=c.Relationship.HEAD)
    for date in (dt.date(1969, 12, 31), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.person_record_death(actor=officer, person=head, date=date)
    services.person_record_death(actor=officer, person=head, date=dt.date(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        services.person_record_death(actor=officer, person=head, date=dt.date(2025, 3, 2))
    assert "sudah berstatus meninggal" in exc.value.messages[0]
    assert LifeEvent.objects.count() == 1


def test_it_records_a_move_out_as_an_event(facilitator):
    hh = register(facilitator, *family())
    andi = hh.members.get(full_name="Andi")

    event = services.person_move_out(actor=facilitator, person=andi, date=dt.date(2025, 5, 1), note="Merantau")

    andi.refresh_from_db()
    assert andi.status == c.PersonStatus.MOVED_OUT
    assert andi.household_id == hh.pk
    assert (event.kind, event.person_id, event.recorded_by) == (c.LifeEventKind.MOVED_OUT, andi.pk, facilitator)
    with pytest.raises(ValidationError):
        services.person_record_death(actor=facilitator, person=andi, date=dt.date(2025, 6, 1))


# --- household_split ----------------------------------------------------------------------------------------------


def test_it_splits_a_household_and_keeps_history(officer):
    old_kk, new_kk = f.kk_number(), f.kk_number()
    hh = register(officer, *family(), kk_number=old_kk)
    andi, rina = hh.members.get(full_name="Andi"), hh.members.get(full_name="Rina")

    new = services.household_split(
        actor=officer, household=hh, people=[andi, rina], new_head=andi, date=dt.date(2025, 1, 10), kk_number=new_kk
    )

    assert set(new.members.values_list("full_name", "relationship")) == {
        ("Andi", c.Relationship.HEAD),
        ("Rina", c.Relationship.CHILD_IN_LAW),
    }
    assert set(hh.members.values_list("full_name", flat=True)) == {"Budi Santoso", "Sri Wahyuni"}
    assert (new.village_id, new.address, new.kk_number) == (hh.village_id, hh.address, new_kk)
    assert KKNumber.objects.get(household=new).valid_from == dt.date(2025, 1, 10)
    assert KKNumber.objects.get(household=hh).number == old_kk
    event = LifeEvent.objects.get(kind=c.LifeEventKind.SPLIT)
    assert (event.household, event.new_household, event.recorded_by) == (hh, new, officer)
    # Andi's history still shows where he lived before.
    assert [h.household_id for h in andi.history.all()] == [new.pk, hh.pk]


def test_it_names_a_successor_when_the_head_leaves(officer):
    hh = register(officer, *family())
    budi = hh.members.get(full_name="Budi Santoso")

    new = services.household_split(actor=officer, household=hh, people=[budi], new_head=budi, date=dt.date(2025, 1, 1))

    # The oldest remaining member (Sri, born 1974) leads the old household.
    assert hh.members.get(relationship=c.Relationship.HEAD).full_name == "Sri Wahyuni"
    assert new.members.get().relationship == c.Relationship.HEAD


def test_it_demotes_a_moving_head_who_is_not_the_new_head(officer):
    hh = register(officer, *family())
    budi, sri = hh.members.get(full_name="Budi Santoso"), hh.members.get(full_name="Sri Wahyuni")
    new = services.household_split(
        actor=officer, household=hh, people=[budi, sri], new_head=sri, date=dt.date(2025, 1, 1)
    )
    assert dict(new.members.values_list("full_name", "relationship")) == {
        "Sri Wahyuni": c.Relationship.HEAD,
        "Budi Santoso": c.Relationship.OTHER_RELATIVE,
    }
    assert hh.members.get(relationship=c.Relationship.HEAD).full_name == "Andi"


def test_it_refuses_an_impossible_split(officer):
    hh = register(officer, *family())
    # The same family again in the same village is a likely duplicate: here it stands for another family.
    other = services.household_register(
        actor=officer,
        household={"village_id": VILLAGE, "address": "Jl. Lain"},
        members=family(),
        distinct_reason="Keluarga lain dengan nama yang sama (uji)",
    )
    everyone = list(hh.members.all())
    andi, rina = hh.members.get(full_name="Andi"), hh.members.get(full_name="Rina")
    stranger = other.members.get(relationship=c.Relationship.HEAD)
    cases = [
        {"people": [], "new_head": andi},
        {"people": [rina], "new_head": andi},
        {"people": everyone, "new_head": andi},
        {"people": [andi, stranger], "new_head": andi},
    ]
    for case in cases:
        with pytest.raises(ValidationError):
            services.household_split(actor=officer, household=hh, date=dt.date(2025, 1, 1), **case)
    assert Household.objects.count() == 2
    assert not LifeEvent.objects.exists()


def test_it_refuses_a_split_outside_the_facilitators_villages(officer, facilitator):
    hh = register(officer, *family(), village=OTHER_VILLAGE)
    andi = hh.members.get(full_name="Andi")
    with pytest.raises(PermissionDenied):
        services.household_split(
            actor=facilitator, household=hh, people=[andi], new_head=andi, date=dt.date(2025, 1, 1)
        )
    assert Household.objects.count() == 1


# --- groups -------------------------------------------------------------------------------------------------------


def test_it_adds_and_ends_a_group_membership(facilitator):
    group = f.group()
    andi = register(facilitator, *family()).members.get(full_name="Andi")

    membership = services.membership_add(
        actor=facilitator, group=group, person=andi, role=c.GroupRole.CHAIR, joined_on=dt.date(2024, 2, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.membership_add(actor=facilitator, group=group, person=andi, role=c.GroupRole.MEMBER)
    assert "sudah menjadi anggota aktif" in str(exc.value)

    services.membership_end(actor=facilitator, membership=membership, left_on=dt.date(2025, 2, 1))
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2025, 2, 1)
    assert membership.history.first().history_user == facilitator

    # After leaving, joining again is a new row; the old one stays.
    services.membership_add(actor=facilitator, group=group, person=andi, role=c.GroupRole.MEMBER)
    assert GroupMembership.objects.filter(group=group, person=andi).count() == 2


def test_it_checks_the_dates_of_a_membership(officer):
    group = f.group()
    andi = register(officer, *family()).members.get(full_name="Andi")
    membership = services.membership_add(
        actor=officer, group=group, person=andi, role=c.GroupRole.MEMBER, joined_on=dt.date(2024, 2, 1)
    )
    with pytest.raises(ValidationError):
        services.membership_end(actor=officer, membership=membership, left_on=dt.date(2024, 1, 31))
    services.membership_end(actor=officer, membership=membership, left_on=dt.date(2024, 6, 1))
    # Ending it again would rewrite when the person left.
    with pytest.raises(ValidationError):
        services.membership_end(actor=officer, membership=membership, left_on=dt.date(2025, 6, 1))
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2024, 6, 1)


def test_it_refuses_a_deceased_member(officer):
    group = f.group()
    budi = register(officer, *family()).members.get(full_name="Budi Santoso")
    services.person_record_death(actor=officer, person=budi, date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        services.membership_add(actor=officer, group=group, person=budi, role=c.GroupRole.MEMBER)
    assert not GroupMembership.objects.exists()


def test_it_limits_who_manages_groups(officer, facilitator, partner, viewer):
    outside_group = f.group(village=OTHER_VILLAGE)
    inside_person = register(officer, *family()).members.get(full_name="Andi")
    for actor in (partner, viewer, facilitator):
        with pytest.raises(PermissionDenied):
            services.membership_add(actor=actor, group=outside_group, person=inside_person, role=c.GroupRole.MEMBER)
    with pytest.raises(PermissionDenied):
        services.group_save(actor=facilitator, group=outside_group)
    assert not GroupMembership.objects.exists()


# --- consent ------------------------------------------------------------------------------------------------------


def test_it_records_consent_with_who_gave_it(facilitator):
    budi = register(facilitator, *family()).members.get(full_name="Budi Santoso")
    data = {"basis": c.ConsentBasis.CONSENT, "purpose": "Pendataan program pemberdayaan"}

    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=facilitator, person=budi, data=data)
    assert "given_by" in exc.value.message_dict

    record = services.consent_record(actor=facilitator, person=budi, data={**data, "given_by": c.ConsentGivenBy.SELF})
    assert (record.recorded_by, record.person) == (facilitator, budi)

    public_task = services.consent_record(
        actor=facilitator, person=budi, data={"basis": c.ConsentBasis.PUBLIC_TASK, "purpose": "Pelayanan publik"}
    )
    assert public_task.given_by == ""


def test_it_refuses_a_consent_dated_in_the_future(officer):
    budi = register(officer, *family()).members.get(full_name="Budi Santoso")
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            actor=officer,
            person=budi,
            data={
                "basis": c.ConsentBasis.PUBLIC_TASK,
                "purpose": "Pelayanan publik",
                "given_at": timezone.localdate() + dt.timedelta(days=1),
            },
        )
    assert "given_at" in exc.value.message_dict
    assert not ConsentRecord.objects.exists()


def test_it_needs_a_parent_or_guardian_to_consent_for_a_child(officer):
    members = [*family(), f.member(name="Putri", sex="F", birth_date=dt.date(2015, 4, 2), relationship="grandchild")]
    child = register(officer, *members).members.get(full_name="Putri")
    data = {"basis": c.ConsentBasis.CONSENT, "purpose": "Program beasiswa"}

    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=officer, person=child, data={**data, "given_by": c.ConsentGivenBy.SELF})
    assert "given_by" in exc.value.message_dict

    record = services.consent_record(
        actor=officer, person=child, data={**data, "given_by": c.ConsentGivenBy.PARENT, "given_by_name": "Rina"}
    )
    assert record.given_by == c.ConsentGivenBy.PARENT


def test_it_refuses_consent_records_outside_scope(officer, facilitator, viewer):
    budi = register(officer, *family(), village=OTHER_VILLAGE).members.get(full_name="Budi Santoso")
    for actor in (facilitator, viewer):
        with pytest.raises(PermissionDenied):
            services.consent_record(
                actor=actor, person=budi, data={"basis": c.ConsentBasis.PUBLIC_TASK, "purpose": "Pelayanan"}
            )
    assert not ConsentRecord.objects.exists()
