import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.registry import choices as rc
from berdaya.targeting import scoring, services
from berdaya.targeting.models import HouseholdWelfare, ScoreConfig
from berdaya.testing import factories as f

FLOORS = ["ceramic", "earth", "wood", ""]
TOILETS = ["own", "none", "shared", ""]


def _registry(n=25):
    households = []
    for i in range(n):
        hh = f.household(
            land_ha=["0", "0.3", "1.5", "2", "6"][i % 5],
            floor_material=FLOORS[i % 4],
            toilet=TOILETS[(i // 2) % 4],
            lighting="pln_metered" if i % 3 else "none",
            floor_area_m2=None if i % 7 == 0 else 12 + 4 * i,
            asset_motorcycle=bool(i % 2),
            asset_car=i % 9 == 0,
        )
        f.person(
            hh=hh,
            name=f"Kepala {i}",
            education=["none", "primary", "senior", ""][i % 4],
            birth_date=dt.date(1960 + i, 1, 1),
        )
        for j in range(i % 4):
            f.person(
                hh=hh,
                name=f"Anak {i}-{j}",
                relationship=rc.Relationship.CHILD,
                with_nik=False,
                birth_date=dt.date(2015 + j, 3, 1),
                status="active" if j != 2 else "moved_out",
            )
        households.append(hh)
    return households


def test_it_ships_valid_default_weights():
    assert scoring.weight_errors(scoring.default_weights()) == []


def test_it_rejects_unknown_components_in_indonesian():
    weights = scoring.default_weights()
    weights["categorical"]["floor_material"]["marmer"] = 3
    weights["bands"]["land_operated_ha"]["steps"] = [[2, 1], [0.5, 0], [None, 3]]
    errors = scoring.weight_errors(weights)
    assert any("tidak dikenal" in e for e in errors)
    weights = scoring.default_weights()
    weights["bands"]["land_operated_ha"]["steps"] = [[2, 1], [0.5, 0], [None, 3]]
    assert any("batas atas harus naik" in e for e in scoring.weight_errors(weights))


def test_it_scores_every_household_in_sql_exactly_as_the_breakdown_explains(officer, score_config):
    households = _registry()
    services.welfare_compute(actor=officer)
    stored = dict(HouseholdWelfare.objects.values_list("household_id", "score"))
    for hh in households:
        total = sum(c.points for c in scoring.breakdown(hh, score_config.weights))
        assert stored[hh.pk] == total, hh.pk


def test_it_ranks_households_into_deciles_lowest_score_first(officer, score_config):
    _registry(30)
    services.welfare_compute(actor=officer)
    rows = list(HouseholdWelfare.objects.order_by("score", "household_id").values_list("score", "local_decile"))
    deciles = [d for _s, d in rows]
    assert deciles == sorted(deciles)
    assert deciles[0] == 1 and deciles[-1] == 10
    assert [deciles.count(d) for d in range(1, 11)] == [3] * 10


def test_it_keeps_official_and_verified_deciles_when_scores_are_recomputed(officer, score_config):
    hh = _registry(10)[0]
    services.official_deciles_import(actor=officer, deciles={hh.pk: 3}, source="DTSEN 2025")
    services.welfare_compute(actor=officer)
    welfare = services.welfare_verify(actor=officer, household=hh, decile=7, reason="Kunjungan: punya kebun 4 ha")
    services.welfare_compute(actor=officer)
    welfare.refresh_from_db()
    assert (welfare.official_decile, welfare.official_source, welfare.verified_decile) == (3, "DTSEN 2025", 7)
    assert welfare.effective_decile == 7 and welfare.local_decile is not None


def test_it_refuses_a_verification_without_reason(officer, score_config):
    hh = _registry(1)[0]
    with pytest.raises(ValidationError):
        services.welfare_verify(actor=officer, household=hh, decile=2, reason=" ")


def test_it_lets_only_admins_change_weights(officer, admin_user, score_config):
    weights = copy.deepcopy(score_config.weights)
    weights["assets"]["asset_car"] = 15
    with pytest.raises(PermissionDenied):
        services.score_config_save(actor=officer, weights=weights, note="mobil")
    config = services.score_config_save(actor=admin_user, weights=weights, note="mobil", activate=True)
    assert config.version == score_config.version + 1 and config.active
    assert ScoreConfig.objects.filter(active=True).count() == 1
