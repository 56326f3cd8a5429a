# SQL here is assembled from fixed, whitelisted column names and %s placeholders only; every value is a parameter.
# ruff: noqa: S608
"""The welfare score: a proxy-means-style points table over a household's characteristics (docs/welfare-score.md).

Higher points mean better off. Households are ranked into deciles within the regency by NTILE(10) over the score,
so decile 1 holds the tenth with the lowest scores. The same weights drive two implementations:

- `compute_all()`: one set-based SQL statement that scores every household and ranks it (INSERT ... SELECT with a
  window function, upserting into HouseholdWelfare so imported and verified deciles are kept);
- `breakdown()`: the explanation for one household, component by component, which a test checks against the SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
from django.db import connection
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.dates import years_ago as _years_ago
from berdaya.registry import choices as rc

DEFAULT_WEIGHTS_PATH = Path(__file__).parent / "data" / "score_weights.json"

# Household columns scored as categories, and where their codes come from. `head_education` is the education of
# the head of household, taken from Person.
CATEGORICAL: dict[str, tuple[Any, type[TextChoices]]] = {
    "floor_material": (gettext_lazy("Lantai"), rc.FloorMaterial),
    "wall_material": (gettext_lazy("Dinding"), rc.WallMaterial),
    "roof_material": (gettext_lazy("Atap"), rc.RoofMaterial),
    "water_source": (gettext_lazy("Sumber air minum"), rc.WaterSource),
    "toilet": (gettext_lazy("Fasilitas BAB"), rc.Toilet),
    "lighting": (gettext_lazy("Penerangan"), rc.Lighting),
    "cooking_fuel": (gettext_lazy("Bahan bakar memasak"), rc.CookingFuel),
    "head_education": (gettext_lazy("Pendidikan kepala keluarga"), rc.Education),
}
ASSETS: dict[str, Any] = {
    "asset_motorcycle": gettext_lazy("Sepeda motor"),
    "asset_car": gettext_lazy("Mobil"),
    "asset_refrigerator": gettext_lazy("Lemari es"),
    "asset_television": gettext_lazy("Televisi"),
    "asset_smartphone": gettext_lazy("Telepon pintar"),
    "asset_livestock": gettext_lazy("Ternak besar"),
    "asset_gold_savings": gettext_lazy("Emas/tabungan ≥ Rp500.000"),
}
BANDS: dict[str, Any] = {
    "floor_area_per_person": gettext_lazy("Luas lantai per orang (m²)"),
    "land_operated_ha": gettext_lazy("Luas lahan dikelola (ha)"),
    "dependency_ratio": gettext_lazy("Rasio ketergantungan (anak < 15 dan lansia ≥ 65 per usia kerja)"),
}
# The components read from the household's members (their number, their ages, the head's education) rather than
# from the household's own record: shown only to a role that sees every member (targeting.views.household_score).
FROM_MEMBERS = frozenset({"head_education", "floor_area_per_person", "dependency_ratio"})
CHILD_MAX_AGE = 15  # demographic dependency ratio: under 15 ...
OLD_MIN_AGE = 65  # ... and 65 or over, per person aged 15-64

_points = {"type": "integer", "minimum": -100, "maximum": 100}
WEIGHTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["base", "categorical", "assets", "bands"],
    "properties": {
        "base": {"type": "integer", "minimum": -1000, "maximum": 1000},
        "categorical": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {
                    "type": "object",
                    "required": ["_missing"],
                    "additionalProperties": False,
                    "properties": dict.fromkeys([*choices.values, "_missing"], _points),
                }
                for name, (_label, choices) in CATEGORICAL.items()
            },
        },
        "assets": {
            "type": "object",
            "additionalProperties": False,
            "properties": dict.fromkeys(ASSETS, _points),
        },
        "bands": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {
                    "type": "object",
                    "required": ["steps", "missing"],
                    "additionalProperties": False,
                    "properties": {
                        "missing": _points,
                        "steps": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 10,
                            "items": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "prefixItems": [{"type": ["number", "null"], "minimum": 0}, _points],
                            },
                        },
                    },
                }
                for name in BANDS
            },
        },
    },
}


def default_weights() -> dict[str, Any]:
    return json.loads(DEFAULT_WEIGHTS_PATH.read_text(encoding="utf-8"))


def weight_errors(weights: Any) -> list[str]:
    """Every problem with a weights document, in Indonesian; empty when it is valid."""
    validator = jsonschema.Draft202012Validator(WEIGHTS_SCHEMA)
    errors = []
    for error in sorted(validator.iter_errors(weights), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or _("dokumen")
        if error.validator == "additionalProperties":
            errors.append(_("%(where)s: isian tidak dikenal (%(msg)s).") % {"where": where, "msg": error.message})
        elif error.validator == "required":
            errors.append(_("%(where)s: isian wajib tidak ada (%(msg)s).") % {"where": where, "msg": error.message})
        elif error.validator in {"minimum", "maximum"}:
            errors.append(_("%(where)s: nilai di luar batas (%(msg)s).") % {"where": where, "msg": error.message})
        else:
            errors.append(_("%(where)s: %(msg)s") % {"where": where, "msg": error.message})
    if errors:
        return errors
    for name, band in weights["bands"].items():
        uppers = [upper for upper, _pts in band["steps"]]
        if uppers[-1] is not None:
            errors.append(_("bands/%(n)s: langkah terakhir harus tanpa batas atas (null).") % {"n": name})
        finite = [u for u in uppers[:-1] if u is not None]
        if len(finite) != len(uppers) - 1 or finite != sorted(set(finite)):
            errors.append(_("bands/%(n)s: batas atas harus naik dan hanya yang terakhir kosong.") % {"n": name})
    return errors


# --- SQL -------------------------------------------------------------------------------------------------------


def _case_categorical(column: str, table: dict[str, int], params: list) -> str:
    parts = []
    for code, points in table.items():
        if code == "_missing":
            continue
        parts.append("WHEN %s THEN %s")
        params.extend([code, int(points)])
    params.append(int(table["_missing"]))
    if not parts:
        return "%s"
    return f"(CASE {column} {' '.join(parts)} ELSE %s END)"


def _case_band(value_lt: str, band: dict[str, Any], params: list, missing_when: str, infinite_when: str = "") -> str:
    """CASE over ascending steps. `value_lt` is an SQL template with one %s for the threshold, true when the value
    is below it (written as a product so no division is needed: floor_area < t * members)."""
    sql = f"CASE WHEN {missing_when} THEN %s "
    params.append(int(band["missing"]))
    last_points = int(band["steps"][-1][1])
    if infinite_when:
        sql += f"WHEN {infinite_when} THEN %s "
        params.append(last_points)
    for upper, points in band["steps"][:-1]:
        sql += f"WHEN {value_lt} THEN %s "
        params.extend([float(upper), int(points)])
    sql += "ELSE %s END"
    params.append(last_points)
    return f"({sql})"


def score_select_sql(weights: dict[str, Any], as_of: dt.date) -> tuple[str, list]:
    """SELECT household_id, score over every active household: one scan of households and one of people."""
    params: list = []
    child_after = _years_ago(CHILD_MAX_AGE, as_of)
    old_on_or_before = _years_ago(OLD_MIN_AGE, as_of)
    head_edu = _case_categorical("p.education", weights["categorical"]["head_education"], params)
    members_sql = (
        "SELECT p.household_id AS hid, COUNT(*) AS n, "
        "SUM(CASE WHEN p.birth_date > %s OR p.birth_date <= %s THEN 1 ELSE 0 END) AS dep, "
        f"MAX(CASE WHEN p.relationship = 'head' THEN {head_edu} END) AS head_pts "
        "FROM registry_person p WHERE p.status = 'active' GROUP BY p.household_id"
    )
    members_params = [child_after, old_on_or_before, *params]

    params = []
    terms = ["%s"]
    params.append(int(weights["base"]))
    for name, table in weights["categorical"].items():
        if name == "head_education":
            terms.append("COALESCE(m.head_pts, %s)")
            params.append(int(table["_missing"]))
        else:
            terms.append(_case_categorical(f"h.{name}", table, params))
    for name, points in weights["assets"].items():
        terms.append(f"(CASE WHEN h.{name} THEN %s ELSE 0 END)")
        params.append(int(points))
    bands = weights["bands"]
    if "floor_area_per_person" in bands:
        terms.append(
            _case_band(
                "h.floor_area_m2 < %s * m.n",
                bands["floor_area_per_person"],
                params,
                missing_when="m.n IS NULL OR h.floor_area_m2 IS NULL",
            )
        )
    if "land_operated_ha" in bands:
        terms.append(_case_band("h.land_operated_ha < %s", bands["land_operated_ha"], params, missing_when="1 = 0"))
    if "dependency_ratio" in bands:
        terms.append(
            _case_band(
                "m.dep < %s * (m.n - m.dep)",
                bands["dependency_ratio"],
                params,
                missing_when="m.n IS NULL",
                infinite_when="m.n = m.dep",
            )
        )
    sql = (
        f"SELECT h.id AS household_id, ({' + '.join(terms)}) AS score "
        f"FROM registry_household h LEFT JOIN ({members_sql}) m ON m.hid = h.id "
        "WHERE h.status = 'active'"
    )
    return sql, [*params, *members_params]


def _adapt(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def compute_all(*, weights: dict[str, Any], version: int, as_of: dt.date | None = None) -> int:
    """Score and rank every active household in one statement; keeps official and verified deciles. Returns the
    number of households scored. Call inside a transaction."""
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    select_sql, params = score_select_sql(weights, as_of)
    sql = (
        "INSERT INTO targeting_householdwelfare (household_id, score, local_decile, config_version, computed_at, "
        "official_decile, official_source, imported_at, verified_decile, verified_reason, verified_by_id, "
        "verified_at) "
        "SELECT s.household_id, s.score, NTILE(10) OVER (ORDER BY s.score, s.household_id), %s, %s, "
        "NULL, '', NULL, NULL, '', NULL, NULL "
        f"FROM ({select_sql}) s WHERE 1 = 1 "  # WHERE: SQLite's parser needs it before ON CONFLICT
        "ON CONFLICT (household_id) DO UPDATE SET score = excluded.score, local_decile = excluded.local_decile, "
        "config_version = excluded.config_version, computed_at = excluded.computed_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_adapt(p) for p in [version, now, *params]])
        scored = cursor.rowcount
        # Households no longer active keep their imported and verified deciles, but no local rank.
        cursor.execute(
            "UPDATE targeting_householdwelfare SET score = NULL, local_decile = NULL "
            "WHERE household_id IN (SELECT id FROM registry_household WHERE status <> 'active')"
        )
    return scored


def cut_points(version: int) -> list[int]:
    """The highest score of deciles 1 to 9 from the last full ranking under `version`: the boundaries a single new
    score is placed against; empty before the first full ranking. Read on every registration: one probe of the
    index (config_version, local_decile, score) per decile, not a grouped read of the whole welfare table."""
    deciles = " UNION ALL ".join(f"SELECT {d} AS d" for d in range(1, 10))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.d, (SELECT MAX(w.score) FROM targeting_householdwelfare w "
            "WHERE w.config_version = %s AND w.local_decile = t.d AND w.score IS NOT NULL) "
            f"FROM ({deciles}) t ORDER BY t.d",
            [version],
        )
        return [int(top) for _decile, top in cursor.fetchall() if top is not None]


def decile_against(score: int, cuts: list[int]) -> int:
    """The decile a score falls in given the cut points: 1 + the number of deciles whose highest score is below it.
    A score equal to a decile's highest joins that decile, as NTILE's order (score, then id) would mostly put it."""
    return 1 + sum(1 for top in cuts if top < score)


def score_some(*, household_ids: list[int], weights: dict[str, Any], version: int, as_of: dt.date | None = None) -> int:
    """Score only these households (just registered or changed) and place each in a decile against the cut points
    of the last full ranking, without re-ranking anyone else: cheap enough to run on every save. The full ranking
    (compute_all) stays the job that redraws the cut points. Returns how many were scored."""
    ids = sorted({int(i) for i in household_ids})
    if not ids:
        return 0
    as_of = as_of or timezone.localdate()
    select_sql, params = score_select_sql(weights, as_of)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.household_id, s.score FROM ({select_sql}) s WHERE s.household_id IN ({marks})",
            [_adapt(p) for p in [*params, *ids]],
        )
        scores = dict(cursor.fetchall())
    cuts = cut_points(version)
    from .models import HouseholdWelfare

    now = timezone.now()
    rows = [
        HouseholdWelfare(
            household_id=hid,
            score=score,
            # Before any full ranking there are no cut points: the decile waits for it rather than guess.
            local_decile=decile_against(score, cuts) if len(cuts) == 9 else None,
            config_version=version,
            computed_at=now,
        )
        for hid, score in scores.items()
    ]
    HouseholdWelfare.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["household"],
        update_fields=["score", "local_decile", "config_version", "computed_at"],
    )
    # Households no longer active keep their imported and verified deciles, but no local rank.
    HouseholdWelfare.objects.filter(household_id__in=[i for i in ids if i not in scores]).update(
        score=None, local_decile=None
    )
    return len(rows)


# --- Explanation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    value: str
    points: int


def _band_points(below: Callable[[float], bool], band: dict[str, Any]) -> int:
    """Points of the first step whose upper bound `below(upper)` is true, else the open last step. Thresholds are
    compared as floats, exactly as the SQL does (upper * members rather than a division)."""
    for upper, points in band["steps"][:-1]:
        if below(float(upper)):
            return int(points)
    return int(band["steps"][-1][1])


def breakdown(household, weights: dict[str, Any], as_of: dt.date | None = None) -> list[Component]:
    """Each component of a household's score with its points: the plain-Python twin of `score_select_sql`."""
    as_of = as_of or timezone.localdate()
    members = [p for p in household.members.all() if p.status == rc.PersonStatus.ACTIVE]
    n = len(members)
    child_after = _years_ago(CHILD_MAX_AGE, as_of)
    old_on_or_before = _years_ago(OLD_MIN_AGE, as_of)
    dep = sum(1 for p in members if p.birth_date > child_after or p.birth_date <= old_on_or_before)
    heads = [p for p in members if p.relationship == rc.Relationship.HEAD]

    result = [Component("base", str(_("Nilai dasar")), "", int(weights["base"]))]
    for name, table in weights["categorical"].items():
        label, choices = CATEGORICAL[name]
        if name == "head_education":
            if heads:
                points = max(int(table.get(h.education, table["_missing"])) for h in heads)
                value = ", ".join(str(dict(choices.choices).get(h.education, _("tidak diisi"))) for h in heads)
            else:
                points, value = int(table["_missing"]), str(_("tidak ada kepala keluarga tercatat"))
        else:
            code = getattr(household, name)
            points = int(table.get(code, table["_missing"])) if code else int(table["_missing"])
            value = str(dict(choices.choices).get(code, _("tidak diisi")))
        result.append(Component(name, str(label), value, points))
    for name, points in weights["assets"].items():
        owned = bool(getattr(household, name))
        result.append(Component(name, str(ASSETS[name]), _("ya") if owned else _("tidak"), int(points) if owned else 0))
    bands = weights["bands"]
    if "floor_area_per_person" in bands:
        if n and household.floor_area_m2 is not None:
            per = Decimal(household.floor_area_m2) / n
            area = household.floor_area_m2
            points = _band_points(lambda upper: area < upper * n, bands["floor_area_per_person"])
            value = f"{household.floor_area_m2} m² / {n} = {number_format(per, 1)} m²"
        else:
            points, value = int(bands["floor_area_per_person"]["missing"]), str(_("tidak diketahui"))
        result.append(Component("floor_area_per_person", str(BANDS["floor_area_per_person"]), value, points))
    if "land_operated_ha" in bands:
        land = household.land_operated_ha
        result.append(
            Component(
                "land_operated_ha",
                str(BANDS["land_operated_ha"]),
                f"{number_format(land, 2)} ha",
                _band_points(lambda upper: float(land) < upper, bands["land_operated_ha"]),
            )
        )
    if "dependency_ratio" in bands:
        working = n - dep
        if not n:
            points, value = int(bands["dependency_ratio"]["missing"]), str(_("tidak ada anggota aktif"))
        elif working == 0:
            points = int(bands["dependency_ratio"]["steps"][-1][1])
            value = _("%(d)s tanggungan, tidak ada usia kerja") % {"d": dep}
        else:
            ratio = Decimal(dep) / working
            points = _band_points(lambda upper: dep < upper * working, bands["dependency_ratio"])
            value = f"{dep} / {working} = {number_format(ratio, 2)}"
        result.append(Component("dependency_ratio", str(BANDS["dependency_ratio"]), value, points))
    return result
