import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from berdaya.registry import choices as rc
from berdaya.targeting import services
from berdaya.targeting.models import RuleSet, TargetingRun
from berdaya.testing import factories as f


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _household():
    hh = f.household(land_ha="0.8", floor_material="earth", floor_area_m2=24)
    f.person(hh=hh, occupation="farmer", education="primary")
    f.person(hh=hh, name="Anak", relationship=rc.Relationship.CHILD, with_nik=False, birth_date=dt.date(2018, 1, 1))
    return hh


def _rule_post(**extra):
    data = {
        "name": "Petani kecil miskin",
        "root_op": "and",
        "near_miss_limit": "50",
        "op_A": "or",
        "op_B": "or",
        "op_C": "or",
        "c-TOTAL_FORMS": "3",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "c-0-kind": "flag",
        "c-0-value": "smallholder",
        "c-1-kind": "decile",
        "c-1-max": "4",
        "c-2-kind": "sex",
        "c-2-value": "F",
        "c-2-group": "A",
        "priority_1": "disability",
        "min_women": "30",
        "capacity": "10",
    }
    data.update(extra)
    return data


def test_it_shows_the_score_breakdown_linked_by_name(officer, client_for):
    hh = _household()
    services.welfare_compute(actor=officer)
    response = client_for(officer).get(reverse("targeting:household_score", args=[hh.pk]))
    assert response.status_code == 200
    assert "Luas lantai per orang" in response.text and "Desil efektif" in response.text


def test_it_records_a_field_verification(officer, client_for):
    hh = _household()
    url = reverse("targeting:household_verify", args=[hh.pk])
    client_for(officer).post(url, {"decile": "2", "reason": "Rumah rusak berat"})
    assert hh.welfare.verified_decile == 2


def test_it_builds_a_rule_set_in_the_form_and_counts_live(officer, client_for):
    _household()
    client = client_for(officer)
    count = client.post(reverse("targeting:live_count"), _rule_post())
    assert count.status_code == 200 and "orang memenuhi syarat" in count.text
    response = client.post(reverse("targeting:ruleset_create"), _rule_post())
    assert response.status_code == 302
    ruleset = RuleSet.objects.get()
    assert ruleset.current.rules == {
        "op": "and",
        "items": [
            {"type": "flag", "value": "smallholder"},
            {"type": "decile", "max": 4},
            {"op": "or", "items": [{"type": "sex", "value": "F"}]},
        ],
    }
    assert ruleset.current.quotas == {"minimums": {"women": 30.0}} and ruleset.current.priority == ["disability"]
    assert client.get(reverse("targeting:ruleset_edit", args=[ruleset.pk])).status_code == 200


def test_it_refuses_a_quota_above_100_percent_in_the_form(officer, client_for):
    response = client_for(officer).post(reverse("targeting:ruleset_create"), _rule_post(min_women="130"))
    assert response.status_code == 200 and "kuota harus antara 0% dan 100%" in response.text


def test_it_draws_condition_rows_for_htmx(officer, client_for):
    client = client_for(officer)
    row = client.get(reverse("targeting:condition_row"), {"c-TOTAL_FORMS": "2"})
    assert 'name="c-2-kind"' in row.text and 'value="3" hx-swap-oob="true"' in row.text
    redraw = client.get(reverse("targeting:condition_row"), {"index": "0", "redraw": "1", "c-0-kind": "wgss"})
    assert "mengurus diri" in redraw.text


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_it_runs_in_the_background_and_shows_the_list(officer, client_for, django_capture_on_commit_callbacks):
    _household()
    services.welfare_compute(actor=officer)
    client = client_for(officer)
    client.post(reverse("targeting:ruleset_create"), _rule_post(**{"c-2-kind": ""}))
    ruleset = RuleSet.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("targeting:run_start", args=[ruleset.pk]))
    run = TargetingRun.objects.get()
    assert response.url == reverse("targeting:run_detail", args=[run.pk])
    page = client.get(response.url + "?status=selected")
    assert page.status_code == 200
    assert TargetingRun.objects.get().status == "succeeded"
    assert "petani kecil" in page.text


def test_it_shows_viewers_aggregates_only(viewer, client_for):
    _household()
    client = client_for(viewer)
    assert client.get(reverse("targeting:regency")).status_code == 200
    assert client.get(reverse("targeting:index")).status_code == 302
    assert client.get(reverse("targeting:ruleset_create")).status_code == 403


def test_the_subgroup_choices_follow_the_readers_language():
    from django.utils import translation

    from berdaya.targeting.forms import ConditionRowForm

    with translation.override("en"):
        english = {code: str(label) for code, label in ConditionRowForm().fields["group"].choices}
    with translation.override("id"):
        indonesian = {code: str(label) for code, label in ConditionRowForm().fields["group"].choices}
    assert (english[""], indonesian[""]) == ("main", "utama")
    assert all(label.startswith("group ") for code, label in english.items() if code)
    assert all(label.startswith("kelompok ") for code, label in indonesian.items() if code)
