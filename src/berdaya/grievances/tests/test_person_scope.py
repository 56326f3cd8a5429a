"""Grievances under the registry's person scope (UU PDP): partner staff read no grievance about a person who withdrew
consent to sharing with partners (its person, or the person of its assistance record), nor an objection to a
targeting list they may not read; not in the list, the dashboard's counts or the detail page, even as its named
handlers. A grievance about someone merely outside their reach keeps the rule for every role: the text is read, the
person is not shown. Officers read every grievance as before."""

import datetime as dt

import pytest

from berdaya.grievances import choices as c
from berdaya.grievances import selectors, services
from berdaya.grievances.access import grievances_visible_to
from berdaya.grievances.models import GrievanceHandler
from berdaya.programmes import services as programme_services
from berdaya.registry import choices as rc
from berdaya.registry import services as registry_services
from berdaya.targeting import services as targeting
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for

VILLAGE = "15.02.01.2001"


@pytest.fixture
def world(officer, partner):
    """The partner's programme with two participants; "Siti Menarik" withdrew consent to sharing with partners."""
    programme = tp.programme(officer, organiser=partner.organisation)
    withdrawn = f.person(name="Siti Menarik", hh=f.household(village=VILLAGE), sex=rc.Sex.FEMALE)
    seen = f.person(name="Rina Terlihat", hh=f.household(village=VILLAGE), sex=rc.Sex.FEMALE)
    for person in (withdrawn, seen):
        tp.enrol(officer, programme, person)
    registry_services.consent_withdraw(
        actor=officer, person=withdrawn, purpose=rc.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=1)
    )
    return {"programme": programme, "withdrawn": withdrawn, "seen": seen}


def _record(officer, **data):
    base = {"category": c.Category.SERVICE_QUALITY, "description": "Bantuan bulan ini belum sampai."}
    return services.grievance_record(actor=officer, data={**base, **data})


def _reads(user, grievance) -> bool:
    return client_for(user).get(f"/pengaduan/{grievance.pk}/").status_code == 200


def _listed(user, grievance) -> bool:
    return grievance.code in client_for(user).get("/pengaduan/?tahap=semua").content.decode()


def test_it_withholds_a_grievance_about_a_person_who_withdrew_sharing(officer, partner, world):
    programme = world["programme"]
    hers = _record(
        officer,
        person_id=world["withdrawn"].pk,
        programme_id=programme.pk,
        complainant_name="Siti Menarik",
        description="Saya Siti, bantuan saya dipotong.",
    )
    other = _record(officer, person_id=world["seen"].pk, programme_id=programme.pk, complainant_name="Rina")
    # The partner reads the grievance about the participant they see, with her name.
    assert _reads(partner, other) and _listed(partner, other)
    assert "Rina Terlihat" in client_for(partner).get(f"/pengaduan/{other.pk}/").content.decode()
    # Not hers: no page, no row, no count.
    assert not _reads(partner, hers) and not _listed(partner, hers)
    assert set(grievances_visible_to(partner)) == {other}
    counts = selectors.dashboard_counts(actor=partner)
    assert counts["open"] == 1 and dict(counts["by_category"])[c.Category.SERVICE_QUALITY.label] == 1
    dashboard = client_for(partner).get("/pengaduan/dasbor/").content.decode()
    assert 'id="n-open">1<' in dashboard
    # The note is on every partner's list and dashboard, whoever withdrew: it depends on no one's data.
    assert "tidak boleh dibagikan kepada mitra" in dashboard
    assert "tidak boleh dibagikan kepada mitra" in client_for(partner).get("/pengaduan/").content.decode()
    assert "tidak boleh dibagikan kepada mitra" not in client_for(officer).get("/pengaduan/").content.decode()
    # Officers read both, with her name.
    assert _reads(officer, hers) and _listed(officer, hers)
    assert "Siti Menarik" in client_for(officer).get(f"/pengaduan/{hers.pk}/").content.decode()


def test_it_withholds_a_grievance_about_her_assistance_record(officer, partner, world):
    programme = world["programme"]
    aid = programme_services.assistance_create(
        actor=officer,
        programme=programme,
        person=world["withdrawn"],
        data={"kind": "cash_grant", "amount": 500_000, "date": tp.today()},
    )
    # Linked to the assistance record only (its programme follows from it, and the person is not named).
    g = _record(officer, assistance_id=aid.pk)
    assert g.programme_id == programme.pk and g.person_id is None
    assert not _reads(partner, g) and not _listed(partner, g)
    assert _reads(officer, g)


def test_a_named_partner_handler_does_not_read_it_either(officer, partner, supervisor, world):
    GrievanceHandler.objects.create(user=partner)
    g = _record(officer, person_id=world["withdrawn"].pk, sensitivity=c.Sensitivity.MISCONDUCT)
    services.grievance_assign(actor=supervisor, grievance=g, user=partner, reason="Mitra pelaksana")
    assert not _reads(partner, g) and not _listed(partner, g)
    assert not grievances_visible_to(partner).filter(pk=g.pk).exists()


def test_a_grievance_linked_before_her_withdrawal_disappears_with_it(officer, partner, world):
    g = _record(officer, person_id=world["seen"].pk, programme_id=world["programme"].pk)
    assert _reads(partner, g)
    registry_services.consent_withdraw(
        actor=officer, person=world["seen"], purpose=rc.ConsentPurpose.SHARING, on=dt.date.today()
    )
    assert not _reads(partner, g) and not _listed(partner, g)


def test_a_person_outside_their_reach_keeps_the_rule_for_every_role(officer, partner, world):
    # Not a participant, not registered by the partner's organisation, no withdrawal: the text is read, the
    # person's name and link are not (as for a facilitator named on a grievance of another village).
    stranger = f.person(name="Warga Lain Desa", hh=f.household(village=VILLAGE))
    g = _record(
        officer,
        person_id=stranger.pk,
        programme_id=world["programme"].pk,
        category=c.Category.TARGETING_OBJECTION,
        objection_kind=c.ObjectionKind.LEFT_OFF,
        description="Keluarga kami tidak masuk daftar.",
    )
    page = client_for(partner).get(f"/pengaduan/{g.pk}/").content.decode()
    assert "Keluarga kami tidak masuk daftar" in page and "Warga Lain Desa" not in page


def test_an_objection_to_a_list_withheld_from_them_is_withheld(officer, partner, world):
    programme = world["programme"]
    for person in (world["seen"],):
        HouseholdWelfare.objects.create(household=person.household, local_decile=2)
    # An officer's run for the partner's programme on a criterion read from other members (female-headed): its list
    # is shown to officers only, so an objection to it would tell who is on it.
    female_headed = {
        "op": "and",
        "items": [{"type": "flag", "value": "female_headed"}, {"type": "decile", "max": 4}],
    }
    poor = {"op": "and", "items": [{"type": "decile", "max": 4}]}
    runs = {}
    for name, tree in (("kepala perempuan", female_headed), ("miskin", poor)):
        version = targeting.ruleset_save(actor=officer, name=name, programme_id=programme.pk, rules_tree=tree)
        runs[name] = targeting.run_create(actor=officer, ruleset=version.ruleset)
        targeting.run_execute(run=runs[name])
    objections = {
        name: _record(
            officer,
            person_id=world["seen"].pk,
            programme_id=programme.pk,
            run_id=run.pk,
            category=c.Category.TARGETING_OBJECTION,
            objection_kind=c.ObjectionKind.SHOULD_NOT_BE_ON,
            description="Saya tidak seharusnya masuk daftar.",
        )
        for name, run in runs.items()
    }
    assert not _reads(partner, objections["kepala perempuan"]) and not _listed(partner, objections["kepala perempuan"])
    assert _reads(partner, objections["miskin"]) and _listed(partner, objections["miskin"])
    # Another grievance naming the same run, not an objection to its list, is read as before.
    complaint = _record(officer, programme_id=programme.pk, run_id=runs["kepala perempuan"].pk)
    assert _reads(partner, complaint)
    assert _reads(officer, objections["kepala perempuan"])
