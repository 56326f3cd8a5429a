"""Impact estimates: the change in an outcome for a programme's participants against similar non-participants.

Three steps, each set-based (docs/impact.md explains the method in plain language):
1. `load_panel` reads every person's baseline and latest follow-up of one outcome, with the person's district,
   vulnerable group, welfare decile and sex, in two queries (surveys, people), into one pandas frame.
2. `match` pairs each participant with the non-participant of the same district, group, decile band and sex whose
   baseline is nearest (with replacement, within a caliper), in one `pandas.merge_asof`. With the comparison
   "eligible but not yet reached" the run's candidates who were never enrolled are taken as they are.
3. `estimate_did` fits `outcome ~ treated * post` by OLS (statsmodels) on the stacked before/after rows, with
   standard errors clustered by person (each person is observed twice, and a matched non-participant may stand in
   for several participants). The coefficient of treated:post is the difference-in-differences.

`estimate_did` and `match` are pure: tests/test_impact_stats.py runs them on simulated data with a known effect.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, flag_q, group_q
from berdaya.targeting.models import Candidate, TargetingRun

from . import choices as c
from .models import OutcomeSurvey

# Below this many people in either arm the estimate is not reported as a finding (docs/impact.md).
MIN_PER_ARM = 30
CONFIDENCE = 0.95
# Matched within this many standard deviations of the baseline (a common caliper in the matching literature).
CALIPER_SD = 0.25
STRATA = ("district", "group", "decile_band", "sex")

OUTCOMES: dict[str, Any] = {
    "total_income": gettext_lazy("Pendapatan rumah tangga sebulan (Rp)"),
    "income_per_capita": gettext_lazy("Pendapatan per kapita sebulan (Rp)"),
    "income_farming": gettext_lazy("Pendapatan usaha tani/kebun (Rp)"),
    "income_business": gettext_lazy("Pendapatan usaha non-tani (Rp)"),
    "income_wages": gettext_lazy("Pendapatan upah/gaji (Rp)"),
    "yield_kg_ha": gettext_lazy("Hasil panen (kg/ha)"),
    "price_obtained": gettext_lazy("Harga jual yang diperoleh (Rp/kg)"),
    "savings": gettext_lazy("Tabungan (Rp)"),
    "wellbeing": gettext_lazy("Tangga kesejahteraan (0-10)"),
    "employed": gettext_lazy("Bekerja (proporsi)"),
}


class Comparison:
    MATCHED = "matched"
    ELIGIBLE = "eligible"


COMPARISONS = {
    Comparison.MATCHED: gettext_lazy("Bukan peserta yang serupa (dicocokkan)"),
    Comparison.ELIGIBLE: gettext_lazy("Memenuhi syarat tetapi belum terjangkau"),
}


class Verdict:
    TOO_SMALL = "too_small"
    NO_EVIDENCE = "no_evidence"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NO_VARIATION = "no_variation"


@dataclass
class Estimate:
    n_treated: int
    n_control: int
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    treated_before: float | None = None
    treated_after: float | None = None
    control_before: float | None = None
    control_after: float | None = None
    verdict: str = Verdict.TOO_SMALL
    notes: list[str] = field(default_factory=list)

    @property
    def conclusive(self) -> bool:
        return self.verdict in (Verdict.POSITIVE, Verdict.NEGATIVE)


# --- the statistics (pure) ---------------------------------------------------------------------------------------


def _decile_band(decile: pd.Series) -> pd.Series:
    # Pairs of deciles: exact deciles split a village's few people too thin to find a match.
    return ((decile.fillna(0).astype(int) + 1) // 2).astype(int)


def match(panel: pd.DataFrame, *, caliper_sd: float = CALIPER_SD) -> pd.DataFrame:
    """The participants and, for each, the nearest non-participant on the baseline (`pre`) within the same
    district, group, decile band and sex (with replacement, within `caliper_sd` standard deviations of the
    baseline). Returns the participants who found a match and one row per match of the non-participants (a
    non-participant used twice appears twice, under its own person id: the clustering counts it once)."""
    panel = panel.assign(decile_band=_decile_band(panel["decile"]))
    treated = panel[panel["treated"] == 1].sort_values("pre")
    controls = panel[panel["treated"] == 0].sort_values("pre")
    if treated.empty or controls.empty:
        return panel.iloc[0:0]
    sd = float(panel["pre"].std(ddof=0)) or 1.0
    keys = list(STRATA)
    right = controls[[*keys, "pre", "person_id"]].rename(columns={"person_id": "match_id", "pre": "match_pre"})
    right = right.assign(pre=right["match_pre"]).sort_values("pre")
    left = treated[[*keys, "pre", "person_id"]].assign(pre=treated["pre"].astype(float))
    right = right.assign(pre=right["pre"].astype(float))
    for key in keys:  # merge_asof needs the same dtypes on both sides
        left[key] = left[key].astype(str)
        right[key] = right[key].astype(str)
    paired = pd.merge_asof(
        left.sort_values("pre"), right, on="pre", by=keys, direction="nearest", tolerance=caliper_sd * sd
    ).dropna(subset=["match_id"])
    kept_treated = treated[treated["person_id"].isin(paired["person_id"])]
    used = paired["match_id"].astype(int).value_counts()
    kept_controls = controls.set_index("person_id").loc[used.index].reset_index()
    kept_controls = kept_controls.loc[kept_controls.index.repeat(used.values)]
    return pd.concat([kept_treated, kept_controls], ignore_index=True).drop(columns="decile_band", errors="ignore")


def estimate_did(panel: pd.DataFrame, *, min_per_arm: int = MIN_PER_ARM) -> Estimate:
    """The difference-in-differences of `post - pre` between treated and control rows of `panel` (columns
    person_id, treated 0/1, pre, post), with a 95% interval from cluster-robust (by person) standard errors."""
    n_treated = int(panel.loc[panel["treated"] == 1, "person_id"].nunique())
    n_control = int(panel.loc[panel["treated"] == 0, "person_id"].nunique())
    estimate = Estimate(n_treated=n_treated, n_control=n_control)
    if n_treated and n_control:
        means = panel.groupby("treated")[["pre", "post"]].mean()
        estimate.treated_before, estimate.treated_after = (float(v) for v in means.loc[1])
        estimate.control_before, estimate.control_after = (float(v) for v in means.loc[0])
    if n_treated < 2 or n_control < 2:
        estimate.notes.append(_("Tidak cukup data untuk menghitung perkiraan."))
        return estimate
    long = pd.concat(
        [
            panel[["person_id", "treated"]].assign(post=0, y=panel["pre"].astype(float)),
            panel[["person_id", "treated"]].assign(post=1, y=panel["post"].astype(float)),
        ],
        ignore_index=True,
    )
    # The design matrix of the formula `y ~ treated * post`, written out: patsy's formula parsing costs more than
    # the fit itself, and the impact page and the tests fit many of these.
    design = pd.DataFrame(
        {
            "Intercept": 1.0,
            "treated": long["treated"].astype(float),
            "post": long["post"].astype(float),
            "treated:post": (long["treated"] * long["post"]).astype(float),
        }
    )
    fitted = sm.OLS(long["y"], design).fit(
        cov_type="cluster", cov_kwds={"groups": long["person_id"].astype(int).to_numpy()}
    )
    low, high = fitted.conf_int(alpha=1 - CONFIDENCE).loc["treated:post"]
    estimate.effect = float(fitted.params["treated:post"])
    estimate.ci_low, estimate.ci_high = float(low), float(high)
    estimate.p_value = float(fitted.pvalues["treated:post"])
    # No spread at all (everyone employed before and after): the "interval" collapses to a point that says nothing.
    degenerate = not float(fitted.bse["treated:post"]) > 1e-12 * max(1.0, abs(estimate.effect))
    if degenerate or not all(math.isfinite(v) for v in (estimate.effect, estimate.ci_low, estimate.ci_high)):
        estimate.effect = estimate.ci_low = estimate.ci_high = None
        estimate.verdict = Verdict.NO_VARIATION
        estimate.notes.append(_("Perkiraan tidak dapat dihitung dari data ini (tidak ada variasi)."))
        return estimate
    if n_treated < min_per_arm or n_control < min_per_arm:
        estimate.verdict = Verdict.TOO_SMALL
        estimate.notes.append(
            _(
                "Sampel terlalu kecil untuk menyimpulkan: perlu sedikitnya %(n)s orang di tiap kelompok "
                "(peserta %(t)s, pembanding %(c)s)."
            )
            % {"n": min_per_arm, "t": n_treated, "c": n_control}
        )
    elif estimate.ci_low <= 0 <= estimate.ci_high:
        estimate.verdict = Verdict.NO_EVIDENCE
    else:
        estimate.verdict = Verdict.POSITIVE if estimate.effect > 0 else Verdict.NEGATIVE
    return estimate


# --- the panel from the database -----------------------------------------------------------------------------


def _outcome_column(outcome: str) -> Any:
    if outcome in ("total_income", "income_per_capita"):
        total: Any = F(c.INCOME_FIELDS[0])
        for name in c.INCOME_FIELDS[1:]:
            total = total + F(name)
        return total
    return F(outcome)


def vulnerable_group_case() -> Case:
    """One vulnerable group per person, the first that applies, for matching like with like."""
    whens = []
    for code, q in (
        ("disability", lambda: flag_q("disability")),
        ("migrant", lambda: group_q("migrant")),
        ("smallholder", lambda: flag_q("smallholder")),
        ("elderly", lambda: flag_q("elderly")),
    ):
        if code in FLAG_BY_CODE or code == "migrant":
            try:
                whens.append(When(q(), then=Value(code)))
            except (KeyError, IndexError):  # the flag's app is not installed
                continue
    return Case(*whens, default=Value("other"), output_field=CharField())


def _survey_values(surveys: QuerySet[OutcomeSurvey], outcome: str) -> pd.DataFrame:
    fields = ["person_id", "round", "interview_date", "id", "household_size"]
    if outcome == "yield_kg_ha":
        qs = surveys.filter(yield_kg__isnull=False, area_ha__gt=0).annotate(value=F("yield_kg") / F("area_ha"))
    elif outcome == "employed":
        qs = surveys.annotate(value=Case(When(employed=True, then=1), default=0, output_field=IntegerField()))
    else:
        qs = surveys.annotate(value=_outcome_column(outcome))
    rows = list(qs.exclude(value__isnull=True).values_list(*fields, "value"))
    frame = pd.DataFrame(rows, columns=[*fields, "value"])
    frame["value"] = frame["value"].astype(float)
    if outcome == "income_per_capita":
        frame["value"] = frame["value"] / frame["household_size"].clip(lower=1)
    return frame


def load_panel(
    *,
    programme: Programme,
    outcome: str,
    comparison: str = Comparison.MATCHED,
    people: QuerySet[Person] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """One row per person with a baseline and a later follow-up: person_id, treated, pre, post, district, group,
    decile, sex. Participants are the programme's enrolled, active or completed people; the comparison pool is
    everyone else surveyed (or the eligible-not-reached candidates of the programme's latest targeting run).
    `people` limits both to a scope (e.g. a district)."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    participants = Enrolment.objects.filter(programme=programme, status__in=pc.SEAT_STATUSES).values("person_id")
    ever_on = Enrolment.objects.filter(programme=programme).exclude(status=pc.EnrolmentStatus.MERGED)
    surveys = OutcomeSurvey.objects.filter(round__in=(c.Round.BASELINE, c.Round.FOLLOW_UP))
    if as_of is not None:
        surveys = surveys.filter(interview_date__lte=as_of)
    # A participant's surveys are this programme's; a non-participant's are any programme's but this one.
    surveys = surveys.filter(
        Q(person_id__in=participants, programme=programme) | (~Q(person_id__in=ever_on.values("person_id")))
    )
    if comparison == Comparison.ELIGIBLE:
        run = (
            TargetingRun.objects.filter(programme_id=programme.pk, status__in=("succeeded", "approved"))
            .order_by("-pk")
            .first()
        )
        eligible = (
            Candidate.objects.filter(run=run).values("person_id")
            if run is not None
            else Person.objects.none().values("pk")
        )
        surveys = surveys.filter(Q(person_id__in=participants) | Q(person_id__in=eligible))
    if people is not None:
        surveys = surveys.filter(person_id__in=people.values("pk"))
    frame = _survey_values(surveys, outcome)
    columns = ["person_id", "treated", "pre", "post", "district", "group", "decile", "sex"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.sort_values(["person_id", "interview_date", "id"])
    base = frame[frame["round"] == c.Round.BASELINE].groupby("person_id").first()[["value", "interview_date"]]
    follow = frame[frame["round"] == c.Round.FOLLOW_UP].groupby("person_id").last()[["value", "interview_date"]]
    both = base.merge(follow, left_index=True, right_index=True, suffixes=("_pre", "_post"))
    both = both[both["interview_date_post"] > both["interview_date_pre"]]
    both = both.rename(columns={"value_pre": "pre", "value_post": "post"})[["pre", "post"]].reset_index()
    if both.empty:
        return pd.DataFrame(columns=columns)
    facts = pd.DataFrame(
        list(
            # By subquery, not a list of ids: an IN list of tens of thousands costs more to send than to read.
            Person.objects.filter(pk__in=surveys.filter(round=c.Round.FOLLOW_UP).values("person_id"))
            .annotate(
                district=F("household__village__district_id"),
                vgroup=vulnerable_group_case(),
                decile=Coalesce(
                    "household__welfare__verified_decile",
                    "household__welfare__official_decile",
                    "household__welfare__local_decile",
                ),
            )
            .values_list("pk", "district", "vgroup", "decile", "sex")
        ),
        columns=["person_id", "district", "group", "decile", "sex"],
    )
    treated_ids = set(participants.values_list("person_id", flat=True))
    panel = both.merge(facts, on="person_id")
    panel["treated"] = panel["person_id"].isin(treated_ids).astype(int)
    panel["decile"] = panel["decile"].astype("float").fillna(0).astype(int)
    return panel[columns]


@dataclass
class ImpactResult:
    outcome: str
    comparison: str
    estimate: Estimate
    n_participants_surveyed: int
    n_pool: int


def impact_estimate(
    *,
    programme: Programme,
    outcome: str,
    comparison: str = Comparison.MATCHED,
    people: QuerySet[Person] | None = None,
    as_of: dt.date | None = None,
) -> ImpactResult:
    panel = load_panel(programme=programme, outcome=outcome, comparison=comparison, people=people, as_of=as_of)
    n_participants = int((panel["treated"] == 1).sum()) if not panel.empty else 0
    pool = int((panel["treated"] == 0).sum()) if not panel.empty else 0
    analysed = match(panel) if comparison == Comparison.MATCHED and not panel.empty else panel
    if analysed.empty:
        estimate = Estimate(n_treated=0, n_control=0, notes=[_("Belum ada pasangan data awal dan tindak lanjut.")])
    else:
        estimate = estimate_did(analysed.astype({"pre": float, "post": float}))
    if comparison == Comparison.MATCHED and n_participants > estimate.n_treated:
        estimate.notes.append(
            _("%(n)s peserta tanpa pembanding yang serupa tidak ikut dihitung.")
            % {"n": n_participants - estimate.n_treated}
        )
    return ImpactResult(outcome, comparison, estimate, n_participants, pool)


def simulate(
    *, n_treated: int, n_control: int, effect: float, seed: int, noise: float = 1.0, trend: float = 0.5
) -> pd.DataFrame:
    """A panel with a known effect, for the tests and the docs: both arms share a trend; the treated gain `effect`."""
    rng = np.random.default_rng(seed)
    n = n_treated + n_control
    treated = np.r_[np.ones(n_treated, dtype=int), np.zeros(n_control, dtype=int)]
    level = rng.normal(10.0, 2.0, n) + 0.5 * treated  # participants start a little higher: DiD removes that
    pre = level + rng.normal(0, noise, n)
    post = level + trend + effect * treated + rng.normal(0, noise, n)
    return pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1),
            "treated": treated,
            "pre": pre,
            "post": post,
            "district": rng.choice(["15.02.01", "15.02.02"], n),
            "group": "smallholder",
            "decile": rng.integers(1, 5, n),
            "sex": rng.choice(["M", "F"], n),
        }
    )


# --- one estimate, cached; large ones as a background job --------------------------------------------------------

CACHE_SECONDS = 600
# Above this many surveys the estimate runs as a background job instead of in the request (docs/benchmarks.md:
# 20,000 surveys take a few seconds on a loaded machine).
INLINE_MAX_SURVEYS = 50_000


def cache_key(programme_id: int, outcome: str, comparison: str, scope: str = "") -> str:
    key = f"outcomes:impact:{programme_id}:{outcome}:{comparison}"
    return f"{key}:{scope}" if scope else key


def cached_estimate(programme: Programme, outcome: str, comparison: str, scope: str = "") -> ImpactResult | None:
    from django.core.cache import cache

    return cache.get(cache_key(programme.pk, outcome, comparison, scope))


def estimate_and_cache(programme: Programme, outcome: str, comparison: str, scope: str = "") -> ImpactResult:
    """The estimate over the people of `scope` (access.aggregate_scope: "" the regency, or without whoever
    withdrew consent to sharing, for partner staff), left in the cache for every reader of that scope."""
    from django.core.cache import cache

    from .access import aggregate_people

    result = impact_estimate(
        programme=programme, outcome=outcome, comparison=comparison, people=aggregate_people(scope)
    )
    cache.set(cache_key(programme.pk, outcome, comparison, scope), result, CACHE_SECONDS)
    return result


def runs_inline() -> bool:
    return OutcomeSurvey.objects.count() <= INLINE_MAX_SURVEYS
