"""Merging two records of one person (registry.merge): every row reachable after the merge and back after the undo,
clashes combined, one head per household, scope, all or nothing, aliases that still resolve."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from berdaya.accounts.models import User
from berdaya.core.models import AuditEvent
from berdaya.registry import choices as c
from berdaya.registry import merge, services
from berdaya.registry.access import get_person_or_404, people_for_aggregates, people_visible_to
from berdaya.registry.models import GroupMembership, Household, Person, PersonMerge
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for
from berdaya.testing.merge import merge_world

SKIP_COLUMNS = {"updated_at"}


def snapshot(*people: Person) -> dict[tuple[str, str, Any], dict[str, Any]]:
    """Every row of every table that points at `people`, and the people and their households, column by column."""
    ids = [p.pk for p in people]
    rows: dict[tuple[str, str, Any], dict[str, Any]] = {}
    for relation in merge.person_relations():
        for row in relation.model._default_manager.filter(**{f"{relation.attname}__in": ids}).values():
            rows[(relation.label, relation.field, row["id"] if "id" in row else row[relation.attname])] = {
                k: v for k, v in row.items() if k not in SKIP_COLUMNS
            }
    for model, pks in ((Person, ids), (Household, [p.household_id for p in people])):
        for row in model.objects.filter(pk__in=pks).values():
            rows[(model._meta.label, "", row["id"])] = {k: v for k, v in row.items() if k not in SKIP_COLUMNS}
    return rows


def do_merge(world, actor=None, **kw):
    return services.persons_merge(
        actor=actor or world.officer,
        survivor=world.survivor,
        merged=world.merged,
        reason="Data ganda dari Dinsos",
        **kw,
    )


def test_the_world_has_rows_in_every_relation_to_a_person(areas):
    # given a world built to touch every table that points at a person
    world = merge_world()
    # then every relation has a row of one of the two (a new relation needs a row in berdaya/testing/merge.py)
    empty = [
        r.label + "." + r.field
        for r in merge.person_relations()
        if not (r.rows(world.merged.pk).exists() or r.rows(world.survivor.pk).exists())
    ]
    assert empty == []


def test_every_unique_constraint_on_a_person_has_a_handler(db):
    assert merge.unhandled_unique_constraints() == []


def test_it_keeps_every_row_reachable_and_puts_it_all_back_on_undo(areas):
    world = merge_world()
    before = snapshot(world.survivor, world.merged, world.relative)
    ids = {world.survivor.pk, world.merged.pk}

    record = do_merge(world)

    # every row that pointed at either record now points at the survivor, or stayed with the alias
    for relation in merge.person_relations():
        for key, row in before.items():
            if key[:2] != (relation.label, relation.field) or row[relation.attname] not in ids:
                continue
            now = relation.model._default_manager.filter(pk=key[2]).values_list(relation.attname, flat=True).get()
            assert now in ids, key
            if row[relation.attname] == world.survivor.pk:
                assert now == world.survivor.pk, key  # the survivor's own rows stay its own
    # the alias resolves to the survivor
    assert merge.resolve_alias(world.merged.pk) == world.survivor.pk
    world.merged.refresh_from_db()
    assert world.merged.status == c.PersonStatus.MERGED and world.merged.merged_into_id == world.survivor.pk
    assert record.moves.filter(moved=True).count() > 10

    services.person_merge_undo(actor=world.officer, merge_record=record, reason="Salah gabung")

    after = snapshot(world.survivor, world.merged, world.relative)
    assert after == before


def test_it_combines_enrolments_in_the_same_programme(areas):
    from berdaya.programmes import choices as pc
    from berdaya.programmes.models import Attendance, Enrolment
    from berdaya.programmes.selectors import attendance_of

    world = merge_world()
    do_merge(world)

    enrolments = Enrolment.objects.filter(person=world.survivor, programme__name="Pelatihan Kopi")
    assert sorted(enrolments.values_list("status", flat=True)) == sorted(
        [pc.EnrolmentStatus.ENROLLED, pc.EnrolmentStatus.MERGED]
    )
    open_ = enrolments.get(status__in=pc.OPEN_STATUSES)
    # one row per session for the survivor, present where either record was; the duplicate's row stays with it
    shared_sessions = Attendance.objects.filter(person=world.survivor, session__programme=open_.programme)
    assert shared_sessions.count() == 2 and all(shared_sessions.values_list("present", flat=True))
    assert attendance_of(open_)[1] == 2
    # the programme counts one participant, not two
    seats = Enrolment.objects.filter(programme=open_.programme, status__in=pc.SEAT_STATUSES)
    assert seats.count() == 1
    # the programme only the duplicate was in is now the survivor's
    assert Enrolment.objects.get(programme__name="Pelatihan Kayu Manis").person_id == world.survivor.pk


def test_it_keeps_one_membership_and_one_candidate(areas):
    from berdaya.inclusion.models import DisabilityProfile
    from berdaya.targeting import choices as tc
    from berdaya.targeting.models import Candidate
    from berdaya.targeting.selectors import final_q

    world = merge_world()
    do_merge(world)

    active = GroupMembership.objects.filter(group__name="Poktan Sido Makmur", left_on__isnull=True)
    assert list(active.values_list("person_id", flat=True)) == [world.survivor.pk]
    shared_run = Candidate.objects.filter(person=world.merged).get().run
    final = Candidate.objects.filter(run=shared_run).filter(final_q())
    # the duplicate was selected: the survivor takes its place once, the duplicate is excluded with the reason
    assert list(final.values_list("person_id", flat=True)) == [world.survivor.pk]
    assert Candidate.objects.get(run=shared_run, person=world.merged).review == tc.Review.EXCLUDED
    # the survivor's disability profile gains the duplicate's recorded need
    assert DisabilityProfile.objects.get(person=world.survivor).need_sign_language


def test_a_duplicate_heading_another_household_hands_over_to_its_oldest_member(areas):
    world = merge_world()
    do_merge(world)
    heads = Person.objects.filter(
        household=world.merged_home, relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE
    )
    assert list(heads) == [world.relative]
    assert Person.objects.get(pk=world.survivor.pk).relationship == c.Relationship.HEAD

    services.person_merge_undo(actor=world.officer, merge_record=PersonMerge.objects.get(), reason="Salah gabung")
    assert list(heads.all()) == [world.merged]
    assert Person.objects.get(pk=world.relative.pk).relationship == c.Relationship.SPOUSE


def test_a_household_left_with_nobody_is_closed_and_reopened_on_undo(areas):
    officer = f.user(User.Role.OFFICER)
    survivor = f.person(name="Hermawan")
    alone = f.person(name="Wawan")  # heads a household of one
    record = services.persons_merge(actor=officer, survivor=survivor, merged=alone, reason="Data ganda")
    assert Household.objects.get(pk=alone.household_id).status == c.HouseholdStatus.DISSOLVED
    services.person_merge_undo(actor=officer, merge_record=record, reason="Salah gabung")
    assert Household.objects.get(pk=alone.household_id).status == c.HouseholdStatus.ACTIVE


def test_when_the_duplicate_headed_the_survivors_household_the_survivor_heads_it(areas):
    world = merge_world(same_household=True)
    # the duplicate is the other member here; make it the head and the survivor the other member
    Person.objects.filter(pk=world.survivor.pk).update(relationship=c.Relationship.CHILD)
    Person.objects.filter(pk=world.merged.pk).update(relationship=c.Relationship.HEAD)
    world.survivor.refresh_from_db()
    world.merged.refresh_from_db()
    record = do_merge(world)
    heads = Person.objects.filter(
        household=world.survivor_home, relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE
    )
    assert list(heads) == [world.survivor]
    services.person_merge_undo(actor=world.officer, merge_record=record, reason="Salah gabung")
    assert list(heads.all()) == [world.merged]
    assert Person.objects.get(pk=world.survivor.pk).relationship == c.Relationship.CHILD


def test_merged_people_are_not_listed_or_counted(areas, officer, viewer):
    world = merge_world()
    do_merge(world)
    assert not people_visible_to(officer).filter(pk=world.merged.pk).exists()
    assert not people_for_aggregates(viewer).filter(pk=world.merged.pk).exists()
    assert not Person.objects.living().filter(pk=world.merged.pk).exists()
    from berdaya.registry.selectors import household_members

    assert world.merged not in household_members(world.merged_home, actor=officer)


def test_an_old_link_and_id_resolve_to_the_survivor(areas, officer):
    world = merge_world()
    do_merge(world)
    assert get_person_or_404(officer, world.merged.pk) == world.survivor
    response = client_for(officer).get(reverse("registry:person_detail", args=[world.merged.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person_detail", args=[world.survivor.pk])


def test_a_chain_of_merges_resolves_to_the_last_survivor(areas, officer):
    a, b, third = f.person(name="A"), f.person(name="B"), f.person(name="C")
    services.persons_merge(actor=officer, survivor=b, merged=a, reason="ganda")
    services.persons_merge(actor=officer, survivor=third, merged=b, reason="ganda")
    assert merge.resolve_alias(a.pk) == third.pk
    # the older merge cannot be undone while its survivor is merged away
    with pytest.raises(ValidationError, match="batalkan penggabungan itu dulu"):
        services.person_merge_undo(actor=officer, merge_record=PersonMerge.objects.get(merged=a), reason="Salah gabung")


def test_it_refuses_bad_input_in_indonesian(areas, officer):
    world = merge_world()
    with pytest.raises(ValidationError, match="dengan dirinya sendiri"):
        services.persons_merge(actor=officer, survivor=world.survivor, merged=world.survivor, reason="x")
    with pytest.raises(ValidationError, match="Tuliskan alasan"):
        services.persons_merge(actor=officer, survivor=world.survivor, merged=world.merged, reason="  ")
    record = do_merge(world, actor=officer)
    other = f.person(name="Orang Lain")
    with pytest.raises(ValidationError, match="sudah digabungkan ke data"):
        services.persons_merge(actor=officer, survivor=other, merged=world.merged, reason="ganda")
    with pytest.raises(ValidationError, match="sudah digabungkan ke data"):
        services.persons_merge(actor=officer, survivor=world.merged, merged=other, reason="ganda")
    # undoing needs a reason, as merging does
    for reason in ("", "   ", "x" * 301):
        with pytest.raises(ValidationError, match=r"Tuliskan alasan|paling banyak"):
            services.person_merge_undo(actor=officer, merge_record=record, reason=reason)
    assert PersonMerge.objects.get(pk=record.pk).undone_at is None
    services.person_merge_undo(actor=officer, merge_record=record, reason="Salah gabung")
    with pytest.raises(ValidationError, match="sudah dibatalkan"):
        services.person_merge_undo(actor=officer, merge_record=record, reason="Salah gabung")
    # an alias is never written through the ordinary services
    services.persons_merge(actor=officer, survivor=world.survivor, merged=world.merged, reason="ganda lagi")
    with pytest.raises(ValidationError, match="ubah data itu"):
        services.person_update(
            actor=officer, person=Person.objects.get(pk=world.merged.pk), data={"occupation": "farmer"}
        )


@pytest.mark.parametrize("who", ["partner", "facilitator"])
def test_it_refuses_people_outside_the_actors_scope(areas, who):
    world = merge_world(village=f.AREAS["15.02.02"][1][0])  # both in Bangko
    mine = f.organisation("LSM Kami")
    actor = {
        "partner": lambda: f.user(User.Role.PARTNER, org=mine),
        "facilitator": lambda: f.user(User.Role.FACILITATOR, villages=[f.AREAS["15.02.01"][1][0]]),
    }[who]()
    before = snapshot(world.survivor, world.merged)
    with pytest.raises(PermissionDenied):
        do_merge(world, actor=actor)
    # one of the two in scope is not enough either
    inside = f.person(
        name="Hermawan", hh=f.household(village=f.AREAS["15.02.01"][1][0], registered_by_organisation=mine)
    )
    with pytest.raises(PermissionDenied):
        services.persons_merge(actor=actor, survivor=inside, merged=world.merged, reason="ganda")
    assert snapshot(world.survivor, world.merged) == before
    assert not PersonMerge.objects.exists()


def test_a_failure_half_way_leaves_nothing_behind(areas, monkeypatch):
    world = merge_world()
    before = snapshot(world.survivor, world.merged, world.relative)

    def broken(ctx, rows):
        raise RuntimeError("proses mati di tengah jalan")

    # the last relation fails after every other has moved
    last = merge.person_relations()[-1]
    monkeypatch.setitem(merge._handlers, (last.label, last.field), broken)
    with pytest.raises(RuntimeError):
        do_merge(world)
    assert snapshot(world.survivor, world.merged, world.relative) == before
    assert not PersonMerge.objects.exists()


def test_merge_and_undo_are_audited_and_kept_in_history(areas):
    world = merge_world()
    record = do_merge(world)
    services.person_merge_undo(actor=world.officer, merge_record=record, reason="Ternyata berbeda")
    events = list(AuditEvent.objects.filter(object_type="registry.personmerge").values_list("detail", flat=True))
    assert [e["event"] for e in events] == ["person_merge", "person_merge_undo"] or [e["event"] for e in events] == [
        "person_merge_undo",
        "person_merge",
    ]
    statuses = list(world.merged.history.order_by("history_id").values_list("status", flat=True))
    assert c.PersonStatus.MERGED in statuses and statuses[-1] == c.PersonStatus.ACTIVE
    # merged again after the undo: a new merge record, the old one kept
    do_merge(world)
    assert PersonMerge.objects.count() == 2


def test_partner_staff_may_not_merge_even_their_own_beneficiaries(areas):
    """A merge moves the duplicate's rows of every organisation (enrolments, assistance, cases): a partner flags the
    pair for the regency's staff instead."""
    mine = f.organisation("LSM Kami")
    partner = f.user(User.Role.PARTNER, org=mine)
    village = f.AREAS["15.02.01"][1][0]
    a = f.person(name="Hermawan", hh=f.household(village=village, registered_by_organisation=mine))
    b = f.person(name="Wawan", hh=f.household(village=village, registered_by_organisation=mine))
    with pytest.raises(PermissionDenied, match="petugas kabupaten"):
        services.persons_merge(actor=partner, survivor=a, merged=b, reason="ganda")
    b.refresh_from_db()
    assert b.merged_into_id is None
