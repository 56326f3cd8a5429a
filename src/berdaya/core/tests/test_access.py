"""The access kernel: the named role sets, capabilities, and the scoping helpers every app's access.py is built on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from berdaya.areas.models import Village
from berdaya.core import access
from berdaya.core.roles import Role
from berdaya.partners.models import Organisation
from berdaya.testing import factories as f


def test_every_role_works_in_exactly_one_scope():
    scopes = [access.REGENCY_WIDE, access.VILLAGE_SCOPED, access.ORGANISATION_SCOPED, access.AGGREGATES_ONLY]
    for role in Role:
        assert sum(role in scope for scope in scopes) == 1, role
    assert frozenset(Role) - access.AGGREGATES_ONLY == access.SEES_PEOPLE


@pytest.mark.parametrize(
    ("role", "regency_wide", "village_scoped", "organisation_scoped", "aggregates_only", "staff", "runs"),
    [
        ("admin", True, False, False, False, True, True),
        ("officer", True, False, False, False, True, True),
        ("facilitator", False, True, False, False, True, False),
        ("partner", False, False, True, False, False, True),
        ("viewer", False, False, False, True, False, False),
    ],
)
def test_it_says_where_each_role_works(
    areas, role, regency_wide, village_scoped, organisation_scoped, aggregates_only, staff, runs
):
    caps = access.capabilities(f.user(role))
    assert (caps.regency_wide, caps.village_scoped, caps.organisation_scoped, caps.aggregates_only) == (
        regency_wide,
        village_scoped,
        organisation_scoped,
        aggregates_only,
    )
    assert (caps.regency_staff, caps.runs_programmes) == (staff, runs)
    assert caps.is_admin == (role == "admin")


def test_it_gives_anonymous_and_deactivated_users_no_capability(areas):
    gone = f.user("officer")
    gone.is_active = False
    for user in (None, AnonymousUser(), gone):
        caps = access.capabilities(user)
        assert caps == access.ANONYMOUS
        assert not (caps.regency_wide or caps.village_scoped or caps.organisation_scoped or caps.aggregates_only)
        with pytest.raises(PermissionDenied):
            access.ensure_sees_people(user)


def test_it_scopes_a_field_to_a_facilitators_villages_and_districts(areas):
    jangkat_1, jangkat_2 = f.AREAS["15.02.01"][1]
    both = f.user("facilitator", districts=["15.02.02"], villages=[jangkat_2])
    codes = set(Village.objects.filter(access.village_scope_q(both, "code")).values_list("code", flat=True))
    assert codes == {jangkat_2, *f.AREAS["15.02.02"][1]}
    assert jangkat_1 not in codes
    assert not Village.objects.filter(access.village_scope_q(f.user("facilitator"), "code")).exists()


def test_a_facilitators_villages_are_written_into_the_condition(areas, django_assert_num_queries):
    # The codes are read once, when the condition is made (a list PostgreSQL can estimate), not left as a subquery
    # on the assignments; no village assigned is a condition nothing meets, alone or beside another condition.
    jangkat_1, jangkat_2 = f.AREAS["15.02.01"][1]
    facilitator = f.user("facilitator", villages=[jangkat_2])
    with django_assert_num_queries(1):
        q = access.village_scope_q(facilitator, "code")
    assert q == Q(code__in=[jangkat_2])
    assert set(Village.objects.filter(q).values_list("code", flat=True)) == {jangkat_2}
    nobody = access.village_scope_q(f.user("facilitator"), "code")
    assert nobody == Q(code__in=[])
    assert not Village.objects.filter(nobody).exists()
    assert set(Village.objects.filter(nobody | Q(code=jangkat_1)).values_list("code", flat=True)) == {jangkat_1}
    assert Village.objects.exclude(nobody).count() == Village.objects.count()


def test_a_facilitators_villages_are_read_afresh_at_each_call(areas, django_assert_num_queries):
    # The query is compiled once (core.compiled), never its answer: each facilitator gets their own villages, and an
    # assignment added or removed holds at the next call.
    jangkat_1, jangkat_2 = f.AREAS["15.02.01"][1]
    bangko = f.AREAS["15.02.02"][1]
    first = f.user("facilitator", villages=[jangkat_2], districts=["15.02.02"])
    second = f.user("facilitator", villages=[jangkat_1])
    assert access.assigned_villages(first) == sorted([jangkat_2, *bangko])
    with django_assert_num_queries(1):
        assert access.assigned_villages(second) == [jangkat_1]
    first.districts.clear()
    assert access.assigned_villages(first) == [jangkat_2]
    first.villages.remove(jangkat_2)
    assert access.assigned_villages(first) == []
    assert access.village_scope_q(first, "code") == Q(code__in=[])
    second.districts.add("15.02.01")  # jangkat_1 directly and through its district: once
    assert access.assigned_villages(second) == [jangkat_1, jangkat_2]


def test_it_scopes_organisation_records_to_the_regency_or_the_own_organisation(areas, officer, partner, facilitator):
    other = f.organisation("Yayasan Lain")
    everyone = Organisation.objects.all()

    def own(org):
        return Q(pk=org)

    assert set(access.organisation_scoped(officer, everyone, own)) == set(everyone)
    assert list(access.organisation_scoped(partner, everyone, own)) == [partner.organisation]
    assert other not in access.organisation_scoped(partner, everyone, own)
    assert not access.organisation_scoped(facilitator, everyone, own).exists()


def test_it_answers_404_for_a_record_outside_a_queryset(areas, partner):
    visible = Organisation.objects.filter(pk=partner.organisation_id)
    assert access.get_visible_or_404(visible, str(partner.organisation_id)) == partner.organisation
    other = f.organisation("Yayasan Lain")
    for pk in (other.pk, 999_999, "abc", None):
        with pytest.raises(Http404):
            access.get_visible_or_404(visible, pk)


@pytest.mark.parametrize("module", ["access.py", "roles.py"])
def test_the_kernel_imports_no_other_berdaya_app(module):
    tree = ast.parse((Path(access.__file__).parent / module).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert [m for m in imported if m.startswith("berdaya") and not m.startswith("berdaya.core")] == []
