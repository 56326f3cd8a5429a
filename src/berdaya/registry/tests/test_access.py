"""Who may see and change which households, people and groups (registry.access, on the kernel's capabilities)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from berdaya.core import access as kernel
from berdaya.registry import access
from berdaya.registry.models import Person
from berdaya.testing import factories as f

JANGKAT_1, JANGKAT_2 = f.AREAS["15.02.01"][1]
BANGKO_1, BANGKO_2 = f.AREAS["15.02.02"][1]


@pytest.fixture
def world(areas, partner):
    """One household in each village; the partner's organisation registered the one in Bangko 2."""
    other_org = f.organisation("Yayasan Lain")
    homes = {
        JANGKAT_1: f.household(village=JANGKAT_1),
        JANGKAT_2: f.household(village=JANGKAT_2),
        BANGKO_1: f.household(village=BANGKO_1, registered_by_organisation=other_org),
        BANGKO_2: f.household(village=BANGKO_2, registered_by_organisation=partner.organisation),
    }
    for code, hh in homes.items():
        f.person(hh=hh, name=f"Warga {code}")
    return homes


def villages_seen(user) -> set[str]:
    households = set(access.households_visible_to(user).values_list("village_id", flat=True))
    people = set(access.people_visible_to(user).values_list("household__village_id", flat=True))
    assert households == people
    return households


def test_it_shows_officers_and_admins_everything(world, officer, admin_user):
    assert villages_seen(officer) == villages_seen(admin_user) == set(world)


def test_it_treats_a_superuser_as_an_admin(world):
    root = f.user("viewer", username="root")
    root.is_superuser = True
    root.save()
    assert kernel.capabilities(root).role == "admin"
    assert villages_seen(root) == set(world)


def test_it_limits_a_facilitator_to_assigned_villages(world, facilitator):
    assert villages_seen(facilitator) == {JANGKAT_1}


def test_it_gives_a_facilitator_every_village_of_an_assigned_district(world):
    both = f.user("facilitator", districts=["15.02.02"], villages=[JANGKAT_2])
    assert villages_seen(both) == {BANGKO_1, BANGKO_2, JANGKAT_2}
    assert set(access.villages_for_registration(both).values_list("code", flat=True)) == {
        BANGKO_1,
        BANGKO_2,
        JANGKAT_2,
    }


def test_it_gives_an_unassigned_facilitator_nothing(world):
    assert villages_seen(f.user("facilitator")) == set()


def test_it_limits_partner_staff_to_their_organisations_households(world, partner):
    assert villages_seen(partner) == {BANGKO_2}
    colleague = f.user("partner", org=partner.organisation)
    assert villages_seen(colleague) == {BANGKO_2}


def test_it_shows_a_viewer_no_person_but_counts_everyone(world, viewer):
    assert not access.households_visible_to(viewer).exists()
    assert not access.people_visible_to(viewer).exists()
    assert access.people_for_aggregates(viewer).count() == Person.objects.count() == 4
    with pytest.raises(PermissionDenied):
        kernel.ensure_sees_people(viewer)


def test_it_aggregates_only_what_others_may_see(world, facilitator, partner):
    assert set(access.people_for_aggregates(facilitator).values_list("full_name", flat=True)) == {f"Warga {JANGKAT_1}"}
    assert access.people_for_aggregates(partner).count() == 1
    assert not access.people_for_aggregates(AnonymousUser()).exists()


def test_it_treats_anonymous_and_deactivated_users_as_nobody(world, officer):
    officer.is_active = False
    for user in (AnonymousUser(), None, officer):
        caps = kernel.capabilities(user)
        assert not (caps.authenticated or caps.sees_people or caps.edits_registry)
        assert not access.households_visible_to(user).exists()


def test_it_answers_404_outside_scope(world, facilitator):
    inside, outside = world[JANGKAT_1], world[JANGKAT_2]
    assert access.get_household_or_404(facilitator, inside.pk) == inside
    assert access.get_household_or_404(facilitator, str(inside.pk)) == inside
    for pk in (outside.pk, 999_999, "abc", None):
        with pytest.raises(Http404):
            access.get_household_or_404(facilitator, pk)
    outside_person = outside.members.get()
    with pytest.raises(Http404):
        access.get_person_or_404(facilitator, outside_person.pk)
    assert access.get_person_or_404(facilitator, inside.members.get().pk).household == inside


def test_it_answers_404_to_a_viewer_for_any_household(world, viewer):
    with pytest.raises(Http404):
        access.get_household_or_404(viewer, world[JANGKAT_1].pk)


@pytest.mark.parametrize(
    ("role", "sees_people", "sees_identifiers", "edits", "overrides"),
    [
        ("admin", True, True, True, True),
        ("officer", True, True, True, True),
        ("facilitator", True, True, True, False),
        ("partner", True, False, True, False),
        ("viewer", False, False, False, False),
    ],
)
def test_it_gives_each_role_its_capabilities(areas, role, sees_people, sees_identifiers, edits, overrides):
    caps = kernel.capabilities(f.user(role))
    assert (caps.sees_people, caps.sees_identifiers, caps.edits_registry, caps.accepts_failed_checks) == (
        sees_people,
        sees_identifiers,
        edits,
        overrides,
    )


def test_it_lets_only_editors_in_scope_change_a_household(world, facilitator, partner, viewer):
    access.ensure_can_edit_household(facilitator, world[JANGKAT_1])
    access.ensure_can_edit_household(partner, world[BANGKO_2])
    for user, hh in ((facilitator, world[JANGKAT_2]), (partner, world[BANGKO_1]), (viewer, world[JANGKAT_1])):
        with pytest.raises(PermissionDenied):
            access.ensure_can_edit_household(user, hh)


def test_it_scopes_groups(world, officer, facilitator, partner, viewer):
    inside = f.group(village=JANGKAT_1, name="Poktan Desa Tugas")
    outside = f.group(village=BANGKO_2, name="Poktan Bangko")
    f.group(village=BANGKO_1, name="KUBE Tanpa Anggota Mitra")
    outside.memberships.create(person=world[BANGKO_2].members.get())

    assert set(access.groups_visible_to(officer)) == set(access.groups_visible_to(officer).model.objects.all())
    assert list(access.groups_visible_to(facilitator)) == [inside]
    # Partner staff see a group through a member they may see, once, however many such members it has.
    outside.memberships.create(person=f.person(hh=world[BANGKO_2], name="Anggota Kedua"))
    assert list(access.groups_visible_to(partner)) == [outside]
    assert not access.groups_visible_to(viewer).exists()
    with pytest.raises(Http404):
        access.get_group_or_404(facilitator, outside.pk)


def test_only_the_regency_wide_roles_have_their_reads_compiled_for_all_of_them(
    world, officer, admin_user, facilitator, partner, viewer
):
    # The compiled reads stand an unsaved officer in for the user: right only if every such user's scoped querysets
    # are the very same SQL as the stand-in's.
    reader = access.regency_wide_reader()
    root = f.user("viewer", username="root")
    root.is_superuser = True
    for user in (officer, admin_user, root):
        assert access.sees_every_person(user)
        for scoped in (access.people_visible_to, access.households_visible_to):
            assert str(scoped(user).query) == str(scoped(reader).query)
    gone = f.user("officer", username="pensiun")
    gone.is_active = False
    for user in (facilitator, partner, viewer, gone, AnonymousUser()):
        assert not access.sees_every_person(user)


def test_an_officer_finds_any_person_and_household_and_a_merged_record_finds_its_survivor(world, officer):
    homes = list(world.values())
    for home in homes:  # the compiled read, run again with each id
        assert access.get_household_or_404(officer, home.pk) == home
        person = access.get_person_or_404(officer, home.members.get().pk)
        assert person.household == home and person.household.village.district_id == home.village.district_id
    for pk in (999_999, 2**40, 2**63, 2**70, -1, "abc", None):
        with pytest.raises(Http404):
            access.get_household_or_404(officer, pk)
        with pytest.raises(Http404):
            access.get_person_or_404(officer, pk)
    survivor = homes[0].members.get()
    duplicate = f.person(hh=homes[0], name="Data Ganda", relationship="child")
    Person.objects.filter(pk=duplicate.pk).update(status="merged", merged_into=survivor)
    assert access.get_person_or_404(officer, duplicate.pk) == survivor
