"""Who may manage, see and record what in programmes (programmes.access)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.programmes import choices as c
from berdaya.programmes import services
from berdaya.programmes.access import households_reached_by, programmes_editable_by, programmes_visible_to
from berdaya.registry.access import households_visible_to, people_visible_to
from berdaya.testing import factories as f
from berdaya.testing import programmes as h


@pytest.fixture
def partner_b(areas):
    return f.user("partner", org=f.organisation("Perkumpulan Peduli Pekerja Migran Jambi"))


def test_it_lets_partner_a_manage_only_its_own_programmes(partner, partner_b, officer):
    mine = h.programme(partner)
    theirs = h.programme(partner_b)
    assert list(programmes_editable_by(partner)) == [mine]
    assert set(programmes_editable_by(officer)) == {mine, theirs}
    with pytest.raises(PermissionDenied):
        services.programme_update(actor=partner, programme=theirs, data={"name": "Diambil alih"})
    with pytest.raises(PermissionDenied):
        h.session(partner, theirs)
    (person,) = h.people(1)
    with pytest.raises(PermissionDenied):
        services.enrolment_create(actor=partner, programme=theirs, person=person)
    theirs.refresh_from_db()
    assert theirs.name != "Diambil alih"


def test_it_shows_programme_facts_to_every_signed_in_role(partner, partner_b, viewer, facilitator):
    p = h.programme(partner_b)
    for user in (partner, viewer, facilitator):
        assert p in programmes_visible_to(user)
    assert not programmes_editable_by(viewer).exists()
    assert not programmes_editable_by(facilitator).exists()


def test_it_lets_partner_staff_see_the_households_of_their_participants(partner, partner_b, officer):
    # given a person the partner did not register
    (person,) = h.people(1)
    assert person not in people_visible_to(partner)
    # when an officer enrols them into the partner's programme
    p = h.programme(partner)
    h.enrol(officer, p, person)
    # then the partner sees them and their household, and another partner still does not
    assert person in people_visible_to(partner)
    assert person.household in households_visible_to(partner)
    assert person not in people_visible_to(partner_b)


def test_it_keeps_the_partner_scope_a_single_fast_query(partner, django_assert_num_queries):
    h.people(3)
    with django_assert_num_queries(1):
        list(people_visible_to(partner))


def test_it_adds_its_participants_to_the_partner_scope_from_its_app_config(partner):
    # The registry sits below programmes: programmes registers its reach (ProgrammesConfig.ready), and the partner's
    # condition stays one OR of the indexed column and one id subquery over enrolments.
    from berdaya.registry import access as registry_access

    assert registry_access._partner_reach.get("programmes") is households_reached_by
    sql = str(households_visible_to(partner).query).lower()
    assert "registered_by_organisation_id" in sql and " or " in sql
    assert sql.count("select") == 2 and "programmes_enrolment" in sql


def test_it_limits_a_facilitators_attendance_to_their_villages(officer, facilitator):
    p = h.programme(officer)
    s = h.session(officer, p)
    (mine,) = h.people(1, village="15.02.01.2001")
    (elsewhere,) = h.people(1, village="15.02.02.2004")
    h.enrol(officer, p, mine)
    h.enrol(officer, p, elsewhere)
    services.attendance_record(actor=facilitator, session=s, roster=[mine.pk], present=[mine.pk])
    with pytest.raises(ValidationError):
        services.attendance_record(actor=facilitator, session=s, roster=[elsewhere.pk], present=[elsewhere.pk])


def test_it_refuses_attendance_by_a_viewer_or_another_partner(officer, viewer, partner):
    p = h.programme(officer)
    s = h.session(officer, p)
    for user in (viewer, partner):
        with pytest.raises(PermissionDenied):
            services.attendance_record(actor=user, session=s, roster=[], present=[])


def test_it_refuses_assistance_changes_by_another_partner(partner, partner_b):
    p = h.programme(partner, kind=c.ProgrammeKind.CAPITAL)
    (person,) = h.people(1)
    person.household.registered_by_organisation = partner.organisation
    person.household.save()
    h.enrol(partner, p, person)
    a = services.assistance_create(
        actor=partner, programme=p, person=person, data={"kind": "cash_grant", "amount": 1_000_000}
    )
    with pytest.raises(PermissionDenied):
        services.assistance_transition(actor=partner_b, assistance=a, to_status=c.AssistanceStatus.APPROVED)
