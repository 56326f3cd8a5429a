"""Targeting quality (issue 19, item 5): inclusion and exclusion errors against a reference decile, group coverage and
the what-if, on seven people whose errors are counted by hand below."""

import datetime as dt

import pytest
from django.urls import reverse

from berdaya.programmes.models import Programme
from berdaya.registry import choices as rc
from berdaya.targeting import quality, services
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f

WOMEN = {"op": "and", "items": [{"type": "sex", "value": "F"}]}


def _one(name, sex, *, org=None, official=None, verified=None, local=None):
    hh = f.household(registered_by_organisation=org)
    HouseholdWelfare.objects.create(
        household=hh,
        local_decile=local,
        official_decile=official,
        official_source="DTSEN 2025" if official else "",
        verified_decile=verified,
        verified_reason="kunjungan rumah" if verified else "",
    )
    return f.person(hh=hh, name=name, sex=sex)


@pytest.fixture
def seven(partner):
    """The rule "women" includes P1, P2, P5, P7.

    | person | sex | official | verified | local | ref verified→official | ref official only |
    | P1     | F   | 2        |          |       | 2 poor                | 2 poor            |
    | P2     | F   | 7        |          |       | 7                     | 7                 |
    | P3     | M   | 3        |          |       | 3 poor                | 3 poor            |
    | P4     | M   | 8        |          |       | 8                     | 8                 |
    | P5     | F   |          |          | 1     | unknown               | unknown           |
    | P6     | M   | 9        | 2        |       | 2 poor                | 9                 |
    | P7     | F   | 1        | 6        |       | 6                     | 1 poor            |
    P1 and P3 were registered by the partner's organisation."""
    org = partner.organisation
    return [
        _one("P1", rc.Sex.FEMALE, official=2, org=org),
        _one("P2", rc.Sex.FEMALE, official=7),
        _one("P3", rc.Sex.MALE, official=3, org=org),
        _one("P4", rc.Sex.MALE, official=8),
        _one("P5", rc.Sex.FEMALE, local=1),
        _one("P6", rc.Sex.MALE, official=9, verified=2),
        _one("P7", rc.Sex.FEMALE, official=1, verified=6),
    ]


def test_it_counts_errors_against_verification_then_official(officer, seven):
    q = quality.rule_quality(viewer=officer, tree=WOMEN, poor_max=4)
    assert (q.people, q.known, q.poor) == (7, 6, 3)  # poor: P1, P3, P6
    assert (q.included, q.included_known, q.included_unknown) == (4, 3, 1)
    assert q.included_nonpoor == 2  # P2, P7 (verified 6)
    assert q.poor_excluded == 2  # P3, P6 (verified 2)
    assert q.inclusion_error == pytest.approx(2 / 3) and q.exclusion_error == pytest.approx(2 / 3)


def test_the_reference_can_be_the_official_decile_or_the_field_verification(officer, seven):
    official = quality.rule_quality(viewer=officer, tree=WOMEN, reference="official", poor_max=4)
    assert (official.poor, official.included_nonpoor, official.poor_excluded) == (3, 1, 1)  # P2; P3
    verified = quality.rule_quality(viewer=officer, tree=WOMEN, reference="verified", poor_max=4)
    assert (verified.known, verified.poor, verified.included_known) == (2, 1, 1)
    assert (verified.included_nonpoor, verified.poor_excluded) == (1, 1)  # P7; P6


def test_it_gives_the_coverage_of_each_group(officer, seven):
    q = quality.rule_quality(viewer=officer, tree=WOMEN, poor_max=4)
    groups = {g.code: g for g in q.groups}
    # Every woman heads her own household: the female-headed are exactly the women, all included; one of them poor.
    fhh = groups["female_headed"]
    assert (fhh.people, fhh.included, fhh.poor, fhh.poor_included) == (4, 4, 1, 1)
    assert fhh.coverage == 1
    # "Poor" as a group is the registry's own flag (effective decile, the local one included): P1, P3, P5, P6.
    poor = groups["poor"]
    assert (poor.people, poor.included) == (4, 2)


def test_what_if_moves_an_added_decile_cap(officer, seven):
    # Effective deciles of the women: P1 2, P2 7, P5 1 (local), P7 6 (verified).
    rows = quality.what_if(viewer=officer, tree=WOMEN, key=quality.ADDED_DECILE, cutoffs=[1, 4, 6, 10], poor_max=4)
    got = [(r.cutoff, r.included, r.included_known, r.included_nonpoor, r.poor_excluded) for r in rows]
    assert got == [
        (1, 1, 0, 0, 3),  # P5 only: no reference; every poor person left out
        (4, 2, 1, 0, 2),  # P1, P5
        (6, 3, 2, 1, 2),  # + P7, not poor by verification
        (10, 4, 3, 2, 2),  # the rule as it is
    ]
    assert rows[0].inclusion_error is None  # nobody included with a reference decile: no rate, not 0


def test_what_if_moves_a_bound_of_the_rule(officer, seven):
    tree = {"op": "and", "items": [{"type": "sex", "value": "F"}, {"type": "decile", "max": 2}]}
    [threshold] = [t for t in quality.thresholds(tree) if t.key != quality.ADDED_DECILE]
    assert threshold.key == "1:max" and threshold.current == 2
    rows = quality.what_if(viewer=officer, tree=tree, key=threshold.key, cutoffs=[2, 6])
    assert [r.included for r in rows] == [2, 3]  # P1, P5; then P7
    assert tree["items"][1]["max"] == 2  # the rule itself is not changed


def test_a_run_final_list_is_judged_as_listed(officer, seven):
    programme = Programme.objects.create(
        name="Usaha perempuan",
        kind="field_school",
        organiser=f.organisation(),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=2,
        created_by=officer,
        status="open",
    )
    version = services.ruleset_save(
        actor=officer, name="Perempuan", programme_id=programme.pk, rules_tree=WOMEN, capacity=2
    )
    run = services.run_create(actor=officer, ruleset=version.ruleset)
    services.run_execute(run=run)
    from berdaya.targeting.selectors import final_candidates

    final = final_candidates(run)
    # Priority is the effective decile: P5 (1) and P1 (2) are selected; both poor or unknown.
    q = quality.rule_quality(viewer=officer, tree=WOMEN, final_list=final, poor_max=4)
    assert (q.included, q.included_known, q.included_nonpoor) == (2, 1, 0)
    assert q.poor_excluded == 2  # P3, P6


def test_a_partner_measures_only_the_people_they_may_see(partner, seven):
    q = quality.rule_quality(viewer=partner, tree=WOMEN, poor_max=4)
    assert (q.people, q.poor, q.included, q.included_nonpoor, q.poor_excluded) == (2, 2, 1, 0, 1)


def test_bad_what_if_input_is_refused(officer, seven):
    with pytest.raises(ValueError):
        quality.parse_cutoffs("1 dua 3")
    for number in ("nan", "inf", "-Infinity", "1e308"):
        with pytest.raises(ValueError, match="Nilai batas tidak dikenal"):
            quality.parse_cutoffs(f"1 {number}")
    with pytest.raises(ValueError):
        quality.rule_quality(viewer=officer, tree=WOMEN, reference="nope")
    with pytest.raises(ValueError):
        quality.what_if(viewer=officer, tree=WOMEN, key=quality.ADDED_DECILE, cutoffs=[11])
    assert quality.parse_cutoffs("0,5; 1 2,5") == [0.5, 1.0, 2.5]


def _ruleset(officer, org):
    programme = Programme.objects.create(
        name="Usaha perempuan",
        kind="field_school",
        organiser=org,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        capacity=2,
        created_by=officer,
        status="open",
    )
    return services.ruleset_save(
        actor=officer, name="Perempuan", programme_id=programme.pk, rules_tree=WOMEN, capacity=2
    ).ruleset


def test_the_page_shows_the_figures_and_the_what_if(officer, partner, seven, client):
    ruleset = _ruleset(officer, partner.organisation)
    client.force_login(officer)
    url = reverse("targeting:ruleset_quality", args=[ruleset.pk])
    response = client.get(url, {"reference": "official", "poor_max": "4", "threshold": "+decile", "cutoffs": "4 10"})
    assert response.status_code == 200
    assert response.context["result"].included_nonpoor == 1
    assert [r.included for r in response.context["rows"]] == [2, 4]
    assert "<svg" in response.text
    # Without a threshold chosen the page shows the rule's own figures and offers the what-if.
    response = client.get(url)
    assert response.context["result"].included == 4 and response.context["rows"] is None
    # Bad input: an Indonesian message on the form, the defaults still computed, no error page.
    response = client.get(url, {"cutoffs": "satu"})
    assert response.status_code == 200 and "Nilai batas tidak dikenal" in response.text


def test_the_page_is_not_found_for_another_organisation(officer, partner, seven, client):
    ruleset = _ruleset(officer, f.organisation("Mitra Lain"))
    client.force_login(partner)
    assert client.get(reverse("targeting:ruleset_quality", args=[ruleset.pk])).status_code == 404
