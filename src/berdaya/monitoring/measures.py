"""The measure engine: one definition per figure, computed for a user's scope, filtered and broken down.

Every figure the dashboard, the maps, the indicators and the reports show is a `Measure` registered here, computed by
`compute(key, actor=..., filters=..., by=...)`. Person figures read the analytics tables (`Cube`, rebuilt by
refresh.py): one small GROUP BY however large the registry is. What the tables do not hold (programme budgets,
prices) is read live, also scoped.

Dimensions (`DIMENSIONS`): year, district, village, programme, organisation, group (vulnerable group: a person counts
in each group they belong to, so that breakdown is not additive), sex, age_band, disability (yes/no), and for prices
month and commodity. Any combination a measure supports may be asked at once: `by=("district", "sex", "age_band",
"disability")`.

Scope (`Scope.of(user)`), applied to every figure and download:
- officers and admins: the regency; viewers (auditors): the regency, with small counts suppressed (core.disclosure);
- facilitators: their villages (core.access.village_scope_q on the rows' village);
- partner staff: the people they see (the registry's person scope, registry.access.partner_people_q: rows
  `scope_org`, every figure, reach, enrolments, money and graduation included) and their programmes (rows of its own
  programmes only; another organisation's filter gives nothing);
- anyone else: nothing.

Public API (stable; `reports` uses it):
- `Filters` (from a mapping: `Filters.from_mapping(request.GET)`; `.as_dict()` for JSON), `Scope`, `Measure`,
  `Result` (`rows`: dicts with each dimension's value, its label under `<dim>_label`, and `value`, already suppressed
  for the user; `total`; `as_of`: the time the data stands at; `header()` and `table()` for a table or a download).
- `compute(key, *, actor, filters=None, by=()) -> Result`; `get(key)`, `measures()`, `register(measure)`.
- `DIMENSIONS`, `dimension_label(dim)`, `age_band_choices()`.
- Measure keys: people, households, vulnerable, reached, reached_share, enrolled, completed, dropped, disbursed,
  budget, cases_open, cases_overdue, price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.db.models import Avg, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from berdaya.accounts.models import User
from berdaya.areas.models import District, Village
from berdaya.core import disclosure
from berdaya.core.access import capabilities, village_scope_q
from berdaya.markets import choices as mkc
from berdaya.markets.models import Commodity, PriceObservation
from berdaya.organisations.models import Organisation
from berdaya.outcomes.selectors import graduation_rate
from berdaya.programmes.models import Programme
from berdaya.registry import choices as rc
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import FLAG_BY_CODE, FLAGS

from . import refresh as analytics
from .models import Cube, PersonFact, PersonOrganisation, Refresh

# --- Dimensions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: Any
    column: str  # in Cube ("" where a measure reads its own source)


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in [
        Dimension("year", gettext_lazy("Tahun"), "year"),
        Dimension("district", gettext_lazy("Kecamatan"), "district_code"),
        Dimension("village", gettext_lazy("Desa/kelurahan"), "village_code"),
        Dimension("programme", gettext_lazy("Program"), "programme_id"),
        Dimension("organisation", gettext_lazy("Organisasi"), "organisation_id"),
        Dimension("group", gettext_lazy("Kelompok rentan"), ""),
        Dimension("sex", gettext_lazy("Jenis kelamin"), "sex"),
        Dimension("age_band", gettext_lazy("Kelompok umur"), "age_band"),
        Dimension("disability", gettext_lazy("Disabilitas"), "disabled"),
        Dimension("month", gettext_lazy("Bulan"), ""),
        Dimension("commodity", gettext_lazy("Komoditas"), ""),
    ]
}
PERSON_DIMS = frozenset({"district", "village", "group", "sex", "age_band", "disability"})
PROGRAMME_DIMS = frozenset({"year", "programme", "organisation"})


def dimension_label(key: str) -> str:
    return str(DIMENSIONS[key].label)


def age_band_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    return [(code, f"{code} th") for code, _low, _high in analytics.age_bands(today or timezone.localdate())]


# --- Filters and scope -------------------------------------------------------------------------------------------


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Filters:
    """What a figure is restricted to. Empty fields restrict nothing; a filter on a dimension a measure does not
    support is ignored by that measure (the page says so)."""

    year: int | None = None
    district: str = ""
    village: str = ""
    programme: int | None = None
    organisation: int | None = None
    group: str = ""
    sex: str = ""
    age_band: str = ""
    disability: bool | None = None
    commodity: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Filters:
        """From a request's GET or an indicator's stored filters; values that are not valid are dropped."""
        year = _int_or_none(data.get("year"))
        disability = str(data.get("disability", "")).lower()
        return cls(
            year=year if year is not None and 1900 < year < 2200 else None,
            district=str(data.get("district") or "")[:8],
            village=str(data.get("village") or "")[:13],
            programme=_int_or_none(data.get("programme")),
            organisation=_int_or_none(data.get("organisation")),
            group=str(data.get("group") or "") if data.get("group") in FLAG_BY_CODE else "",
            sex=str(data.get("sex") or "") if data.get("sex") in rc.Sex.values else "",
            age_band=str(data.get("age_band") or "")[:8],
            disability={"1": True, "true": True, "ya": True, "0": False, "false": False, "tidak": False}.get(
                disability
            ),
            commodity=_int_or_none(data.get("commodity")),
        )

    def as_dict(self) -> dict[str, Any]:
        """Only the fields that restrict something (for JSON and query strings)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    def used(self) -> set[str]:
        return set(self.as_dict())


@dataclass(frozen=True)
class Scope:
    """Whose figures a user may read (module docstring) and how counts are shown to them."""

    allowed: bool
    organisation: int | None = None  # partner staff: their organisation
    villages: Q | None = None  # facilitators: Q over Cube.village_code (or a model's village field)
    shown: disclosure.Disclosure = disclosure.EXACT

    @classmethod
    def of(cls, user: Any) -> Scope:
        caps = capabilities(user)
        shown = disclosure.for_aggregates(user)
        if caps.regency_wide or caps.aggregates_only:
            return cls(True, shown=shown)
        if caps.village_scoped:
            return cls(True, villages=village_scope_q(user, "village_code"), shown=shown)
        if caps.organisation_scoped and user.organisation_id is not None:
            return cls(True, organisation=user.organisation_id, shown=shown)
        return cls(False, shown=disclosure.SUPPRESSING)

    @classmethod
    def regency(cls) -> Scope:
        """The whole regency with exact counts (scheduled snapshots, tests)."""
        return cls(True)


# --- The query a measure computes ----------------------------------------------------------------------------------


@dataclass
class Query:
    filters: Filters
    scope: Scope
    by: tuple[str, ...]
    today: dt.date
    refresh: Refresh | None

    @property
    def year(self) -> int:
        """The year of a figure that needs one (people reached): the filter's, else this year."""
        return self.filters.year or self.today.year

    def bit(self, code: str) -> int:
        bits = self.refresh.flag_bits if self.refresh is not None else analytics.flag_bits()
        return int(bits.get(code, 0))

    def cube(self, fact: str, *, kind: str) -> QuerySet[Cube]:
        """The cube rows of `fact` in scope and filters. `kind`: "stock" (people, households: no year, partner rows
        of their scope), "distinct" (reached: per year, rows for any programme / one programme / one organisation),
        "additive" (enrolments, money, cases: rows per programme, summed)."""
        f, scope = self.filters, self.scope
        if not scope.allowed:
            return Cube.objects.none()
        # Partner staff read their organisation's rows (scope_org): counted over the people they see only.
        qs = Cube.objects.filter(fact=fact, scope_org=scope.organisation or 0)
        if kind != "stock":
            organisation = f.organisation
            if scope.organisation is not None:
                if organisation not in (None, scope.organisation):
                    return Cube.objects.none()
                organisation = scope.organisation
            if kind == "distinct":
                qs = qs.filter(year=self.year)
                if f.programme is not None or "programme" in self.by:
                    # The per-programme rows (each carries its organiser).
                    qs = qs.filter(programme_id=f.programme) if f.programme is not None else qs.exclude(programme_id=0)
                    if organisation is not None:
                        qs = qs.filter(organisation_id=organisation)
                elif organisation is not None or "organisation" in self.by:
                    qs = qs.filter(programme_id=0)
                    qs = (
                        qs.filter(organisation_id=organisation)
                        if organisation is not None
                        else qs.exclude(organisation_id=0)
                    )
                else:
                    qs = qs.filter(programme_id=0, organisation_id=0)
            else:
                if f.year is not None and fact not in ("case_open", "case_overdue"):
                    qs = qs.filter(year=f.year)
                if f.programme is not None:
                    qs = qs.filter(programme_id=f.programme)
                if organisation is not None:
                    qs = qs.filter(organisation_id=organisation)
        if scope.villages is not None:
            qs = qs.filter(scope.villages)
        if f.district:
            qs = qs.filter(district_code=f.district)
        if f.village:
            qs = qs.filter(village_code=f.village)
        if f.sex:
            qs = qs.filter(sex=f.sex)
        if f.age_band:
            qs = qs.filter(age_band=f.age_band)
        if f.disability is not None:
            qs = qs.filter(disabled=f.disability)
        if f.group:
            qs = qs.annotate(group_bit=F("flags").bitand(self.bit(f.group))).filter(group_bit__gt=0)
        return qs

    def grouped(self, qs: QuerySet[Cube], value: str = "value") -> list[dict[str, Any]]:
        """Sum of `value` per combination of `self.by` (the group dimension unpivoted: one row per flag)."""
        columns = [DIMENSIONS[d].column for d in self.by if d != "group"]
        names = [d for d in self.by if d != "group"]
        if "group" not in self.by:
            rows = qs.values(*columns).annotate(total=Sum(value)).order_by(*columns) if columns else None
            if rows is None:
                return [{"value": qs.aggregate(total=Sum(value))["total"] or 0}]
            return [{**{n: r[c] for n, c in zip(names, columns, strict=True)}, "value": r["total"]} for r in rows]
        annotations = {f"b_{flag.code}": F("flags").bitand(self.bit(flag.code)) for flag in FLAGS}
        sums = {f"s_{flag.code}": Sum(value, filter=Q(**{f"b_{flag.code}__gt": 0})) for flag in FLAGS}
        qs = qs.annotate(**annotations)
        raw = list(qs.values(*columns).annotate(**sums).order_by(*columns)) if columns else [qs.aggregate(**sums)]
        result = []
        for r in raw:
            for flag in FLAGS:
                result.append(
                    {
                        **{n: r[c] for n, c in zip(names, columns, strict=True)},
                        "group": flag.code,
                        "value": r[f"s_{flag.code}"] or 0,
                    }
                )
        return result


# --- Measures ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One figure: its key, Indonesian label, unit, the dimensions it can be filtered and broken down by, and how it
    is computed (`compute(query) -> rows`, each row the dimensions of query.by and "value")."""

    key: str
    label: str | Promise
    unit: str | Promise
    dimensions: frozenset[str]
    compute: Callable[[Query], list[dict[str, Any]]]
    kind: str = "count"  # count (suppressed for aggregate-only roles), amount (Rupiah), percent, price
    description: str | Promise = ""
    additive: bool = True  # rows add up to the total (not so for "group" or shares)
    distinct_people: bool = False  # people counted once: rows per programme or organisation do not add up
    support: str = ""  # an amount's count fact: an amount made of 1-4 records is hidden like a small count


_measures: dict[str, Measure] = {}


def register(measure: Measure) -> None:
    _measures[measure.key] = measure


def get(key: str) -> Measure | None:
    return _measures.get(key)


def measures() -> list[Measure]:
    return list(_measures.values())


def _cube_measure(fact: str, kind: str) -> Callable[[Query], list[dict[str, Any]]]:
    def compute(q: Query) -> list[dict[str, Any]]:
        return q.grouped(q.cube(fact, kind=kind))

    return compute


def _vulnerable(q: Query) -> list[dict[str, Any]]:
    """People in at least one vulnerable group, or per group when broken down by group."""
    if "group" in q.by or q.filters.group:
        return q.grouped(q.cube("person", kind="stock"))
    return q.grouped(q.cube("person", kind="stock").filter(flags__gt=0))


def _reached_share(q: Query) -> list[dict[str, Any]]:
    """Share (%) of the vulnerable people of each row reached in the year: reached / registered, same dimensions
    (per group when broken down or filtered by group, else of everyone in at least one group)."""
    reached_qs, people_qs = q.cube("reached", kind="distinct"), q.cube("person", kind="stock")
    if "group" not in q.by and not q.filters.group:
        reached_qs, people_qs = reached_qs.filter(flags__gt=0), people_qs.filter(flags__gt=0)
    reached = {_key(r, q.by): r["value"] for r in q.grouped(reached_qs)}
    rows = []
    for r in q.grouped(people_qs):
        part = reached.get(_key(r, q.by), 0)
        share = q.scope.shown.share(part, r["value"])
        rows.append(
            {
                **{d: r[d] for d in q.by},
                "value": None if share is None else round(share, 1),
                "part": part,
                "whole": r["value"],
            }
        )
    return rows


def _key(row: Mapping[str, Any], by: Iterable[str]) -> tuple:
    return tuple(row.get(d) for d in by)


def _programmes(q: Query) -> QuerySet[Programme]:
    f, scope = q.filters, q.scope
    qs = Programme.objects.all()
    if not scope.allowed:
        return qs.none()
    if scope.organisation is not None:
        if f.organisation not in (None, scope.organisation):
            return qs.none()
        qs = qs.filter(organiser_id=scope.organisation)
    elif f.organisation is not None:
        qs = qs.filter(organiser_id=f.organisation)
    if f.programme is not None:
        qs = qs.filter(pk=f.programme)
    if f.year is not None:
        qs = qs.filter(start_date__lte=dt.date(f.year, 12, 31), end_date__gte=dt.date(f.year, 1, 1))
    return qs


def _budget(q: Query) -> list[dict[str, Any]]:
    """Budgets of the programmes running in the year (not broken down by person dimensions: a budget is the
    programme's)."""
    columns = {"programme": "pk", "organisation": "organiser_id"}
    names = [d for d in q.by if d in columns]
    qs = _programmes(q)
    if not names:
        return [{"value": qs.aggregate(total=Sum("budget"))["total"] or 0}]
    rows = qs.values(*[columns[n] for n in names]).annotate(total=Sum("budget")).order_by(*[columns[n] for n in names])
    return [{**{n: r[columns[n]] for n in names}, "value": r["total"]} for r in rows]


def _price(q: Query) -> list[dict[str, Any]]:
    """Mean farm-gate price (Rp/kg) of counted observations, per month and commodity (markets' own observations: not
    personal data, read live)."""
    f = q.filters
    if not q.scope.allowed:
        return []
    qs = PriceObservation.objects.filter(status__in=mkc.COUNTED_STATUSES, price_type=mkc.PriceType.FARM_GATE)
    qs = qs.filter(date__year=q.year)
    if f.district:
        qs = qs.filter(district_id=f.district)
    if f.commodity is not None:
        qs = qs.filter(commodity_id=f.commodity)
    columns = {
        "month": ExtractMonth("date"),
        "commodity": F("commodity_id"),
        "district": F("district_id"),
        "year": ExtractYear("date"),
    }
    names = [d for d in q.by if d in columns]
    if not names:
        return [{"value": round(qs.aggregate(v=Avg("price_per_kg"))["v"] or 0) or None}]
    rows = (
        qs.values(**{f"d_{n}": columns[n] for n in names})
        .annotate(v=Avg("price_per_kg"))
        .order_by(*[f"d_{n}" for n in names])
    )
    return [{**{n: r[f"d_{n}"] for n in names}, "value": round(r["v"])} for r in rows]


_GRADUATION_FILTERS = {
    "district": "district_code",
    "village": "village_code",
    "sex": "sex",
    "age_band": "age_band",
    "disability": "disabled",
}


def _graduated(q: Query) -> list[dict[str, Any]]:
    """Share (%) of a programme's participants who have graduated by the end of the year and not fallen back: the
    outcomes app's one rule (`outcomes.selectors.graduation_rate`), counted over the people of the user's scope and
    filters (the analytics person table gives their village, sex, age band and disability). One pair of COUNTs per
    row of the breakdown (programmes, districts, sexes...: a few dozen at most)."""
    if not q.scope.allowed:
        return []
    f = q.filters
    period = (dt.date(q.year, 1, 1), dt.date(q.year, 12, 31))
    facts = PersonFact.objects.all()
    if q.scope.organisation is not None:
        # Partner staff: the participants they see (the analytics tables' person scope), no one else.
        seen = PersonOrganisation.objects.filter(organisation_id=q.scope.organisation)
        facts = facts.filter(person_id__in=seen.values("fact_id"))
    if q.scope.villages is not None:
        facts = facts.filter(q.scope.villages)
    for dim, column in _GRADUATION_FILTERS.items():
        value = getattr(f, dim)
        if value is not None and value != "":
            facts = facts.filter(**{column: value})
    programmes = list(_programmes(q).filter(enrolments__isnull=False).distinct().order_by("pk"))
    person_dims = [d for d in q.by if d in _GRADUATION_FILTERS]
    combos: list[dict[str, Any]] = [{}]
    for dim in person_dims:
        values = facts.order_by().values_list(_GRADUATION_FILTERS[dim], flat=True).distinct()
        combos = [{**c, dim: v} for c in combos for v in sorted(set(values))]
    groups: list[tuple[dict[str, Any], list[Programme]]]
    if "programme" in q.by:
        groups = [({"programme": p.pk}, [p]) for p in programmes]
    elif "organisation" in q.by:
        by_org: dict[int, list[Programme]] = {}
        for p in programmes:
            by_org.setdefault(p.organiser_id, []).append(p)
        groups = [({"organisation": org}, ps) for org, ps in sorted(by_org.items())]
    else:
        groups = [({}, programmes)]
    rows = []
    for head, group_programmes in groups:
        for combo in combos:
            people = facts.filter(**{_GRADUATION_FILTERS[d]: v for d, v in combo.items()}).values("person_id")
            graduated = participants = 0
            for programme in group_programmes:
                rate = graduation_rate(programme, period, Person.objects.filter(pk__in=people))
                graduated, participants = graduated + rate.graduated, participants + rate.participants
            share = q.scope.shown.share(graduated, participants)
            rows.append(
                {
                    **head,
                    **combo,
                    "value": None if share is None else round(share, 1),
                    "part": graduated,
                    "whole": participants,
                }
            )
    return rows


def _register_builtin() -> None:
    person = PERSON_DIMS
    yearly = PERSON_DIMS | PROGRAMME_DIMS
    for m in [
        Measure(
            "people",
            gettext_lazy("Penduduk terdaftar"),
            gettext_lazy("orang"),
            person,
            _cube_measure("person", "stock"),
            description=gettext_lazy(
                "Penduduk yang tinggal di rumah tangga terdaftar (tidak termasuk pindah, "
                "meninggal, dan data ganda yang digabung)."
            ),
        ),
        Measure(
            "households",
            gettext_lazy("Rumah tangga terdaftar"),
            pgettext_lazy("satuan hitungan", "rumah tangga"),
            person - {"group"} | frozenset(),
            _cube_measure("household", "stock"),
            description=gettext_lazy(
                "Rumah tangga dengan sedikitnya satu anggota yang tinggal; jenis kelamin, "
                "umur, dan disabilitas adalah milik kepala keluarganya (bagi staf mitra: "
                "kepala keluarga, atau bila tidak tampak bagi mereka anggota pertama yang "
                "tampak; rumah tangga tanpa anggota yang tampak tidak dihitung)."
            ),
        ),
        Measure(
            "vulnerable",
            gettext_lazy("Penduduk rentan"),
            gettext_lazy("orang"),
            person,
            _vulnerable,
            additive=False,
            description=gettext_lazy(
                "Penduduk dengan sedikitnya satu tanda kerentanan (registri tanda "
                "kerentanan); per kelompok, seseorang dihitung di setiap kelompoknya."
            ),
        ),
        Measure(
            "reached",
            gettext_lazy("Penduduk terjangkau program"),
            gettext_lazy("orang"),
            yearly,
            _cube_measure("reached", "distinct"),
            distinct_people=True,
            description=gettext_lazy(
                "Penduduk yang terdaftar (terdaftar, aktif, lulus) di, atau menerima bantuan "
                "tersalur dari, sedikitnya satu program yang berjalan pada tahun itu; "
                "dihitung sekali walau terjangkau beberapa program."
            ),
        ),
        Measure(
            "reached_share",
            gettext_lazy("Persentase kelompok rentan yang terjangkau"),
            "%",
            yearly,
            _reached_share,
            kind="percent",
            additive=False,
            description=gettext_lazy(
                "Penduduk rentan terjangkau program pada tahun itu dibagi penduduk rentan terdaftar, per baris."
            ),
        ),
        Measure(
            "enrolled",
            gettext_lazy("Pendaftaran peserta"),
            gettext_lazy("pendaftaran"),
            yearly,
            _cube_measure("enrolled", "additive"),
            description=gettext_lazy(
                "Pendaftaran yang mendapat kursi (terdaftar, aktif, lulus, atau kemudian "
                "putus), menurut tahun terdaftar."
            ),
        ),
        Measure(
            "completed",
            gettext_lazy("Peserta lulus/selesai"),
            gettext_lazy("orang"),
            yearly,
            _cube_measure("completed", "additive"),
            description=gettext_lazy("Pendaftaran berstatus lulus, menurut tahun berakhirnya."),
        ),
        Measure(
            "dropped",
            gettext_lazy("Peserta putus"),
            gettext_lazy("orang"),
            yearly,
            _cube_measure("dropped", "additive"),
            description=gettext_lazy("Pendaftaran berstatus putus/mengundurkan diri, menurut tahun berakhirnya."),
        ),
        Measure(
            "disbursed",
            gettext_lazy("Bantuan tersalur"),
            "Rp",
            yearly,
            _cube_measure("disbursed", "additive"),
            kind="amount",
            support="disbursements",
            description=gettext_lazy("Nilai bantuan berstatus disalurkan atau diterima, menurut tanggal bantuan."),
        ),
        Measure(
            "budget",
            gettext_lazy("Anggaran program"),
            "Rp",
            PROGRAMME_DIMS,
            _budget,
            kind="amount",
            description=gettext_lazy(
                "Anggaran program yang berjalan pada tahun itu (milik program, tidak dipilah per orang)."
            ),
        ),
        Measure(
            "cases_open",
            gettext_lazy("Kasus pekerja migran terbuka"),
            gettext_lazy("kasus"),
            person,
            _cube_measure("case_open", "additive"),
            description=gettext_lazy("Kasus hak pekerja migran yang belum ditutup."),
        ),
        Measure(
            "cases_overdue",
            gettext_lazy("Kasus pekerja migran terlambat"),
            gettext_lazy("kasus"),
            person,
            _cube_measure("case_overdue", "additive"),
            description=gettext_lazy("Kasus terbuka yang melewati batas waktu tahapnya (pada tanggal pembaruan data)."),
        ),
        Measure(
            "price",
            gettext_lazy("Harga rata-rata di tingkat petani"),
            "Rp/kg",
            frozenset({"year", "month", "commodity", "district"}),
            _price,
            kind="price",
            additive=False,
            description=gettext_lazy("Rata-rata harga di tingkat petani dari pengamatan yang dihitung."),
        ),
        Measure(
            "graduated",
            gettext_lazy("Peserta lulus (lebih mandiri)"),
            "%",
            frozenset({"year", "programme", "organisation", "district", "village", "sex", "age_band", "disability"}),
            _graduated,
            kind="percent",
            additive=False,
            description=gettext_lazy(
                "Bagian peserta program yang memenuhi kriteria kelulusan program itu pada akhir tahun dan tidak "
                "jatuh kembali (kriteria dan catatan kelulusan di menu Hasil)."
            ),
        ),
    ]:
        register(m)


# --- Results -------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    """A measure computed for one user: rows already labelled and, for counts, suppressed for the user."""

    measure: Measure
    filters: Filters
    by: tuple[str, ...]
    rows: list[dict[str, Any]]
    total: Any
    as_of: dt.datetime | None
    ignored: set[str] = field(default_factory=set)  # filters given that this measure does not support

    def header(self) -> list[str]:
        return [dimension_label(d) for d in self.by] + [f"{self.measure.label} ({self.measure.unit})"]

    def table(self) -> list[list[Any]]:
        """The rows as shown (labels, then the value): the table beside a chart, and its CSV/XLSX download."""
        return [[row[f"{d}_label"] for d in self.by] + [row["value"]] for row in self.rows]

    def values_by(self, dim: str) -> dict[Any, Any]:
        """value per code of `dim` (the only dimension of `by`): e.g. a map's district code -> value."""
        return {row[dim]: row["value"] for row in self.rows}


def _labels(dim: str, codes: set[Any], today: dt.date) -> dict[Any, str]:
    if dim == "district":
        return dict(District.objects.filter(pk__in=codes).values_list("code", "name"))
    if dim == "village":
        return dict(Village.objects.filter(pk__in=codes).values_list("code", "name"))
    if dim == "programme":
        return dict(Programme.objects.filter(pk__in=codes).values_list("pk", "name"))
    if dim == "organisation":
        return {
            pk: (short or name)
            for pk, name, short in Organisation.objects.filter(pk__in=codes).values_list("pk", "name", "short_name")
        }
    if dim == "commodity":
        return dict(Commodity.objects.filter(pk__in=codes).values_list("pk", "name"))
    if dim == "group":
        return {code: str(FLAG_BY_CODE[code].label) for code in codes if code in FLAG_BY_CODE}
    if dim == "sex":
        return {code: str(rc.Sex(code).label) for code in codes if code in rc.Sex.values}
    if dim == "age_band":
        return {code: f"{code} th" for code in codes}
    if dim == "disability":
        return {True: _("Penyandang disabilitas"), False: _("Bukan penyandang disabilitas")}
    if dim == "month":
        return {m: f"{m:02d}" for m in codes if m}
    return {code: str(code) for code in codes}


def _order(dim: str, labels: dict[Any, str], today: dt.date) -> Callable[[Any], Any]:
    if dim == "group":
        order = {flag.code: i for i, flag in enumerate(FLAGS)}
        return lambda code: order.get(code, 99)
    if dim == "age_band":
        bands = [code for code, _l, _h in analytics.age_bands(today)]
        return lambda code: bands.index(code) if code in bands else 99
    if dim in ("year", "month", "district", "village", "disability", "sex"):
        return lambda code: (code is None, code)
    return lambda code: labels.get(code, str(code))


def compute(
    key: str,
    *,
    actor: User | None,
    filters: Filters | None = None,
    by: Iterable[str] = (),
    scope: Scope | None = None,
    today: dt.date | None = None,
) -> Result:
    """The measure `key` for `actor` (or an explicit `scope`, e.g. Scope.regency() for a scheduled snapshot), with
    `filters` and broken down by the dimensions `by` (those the measure does not support are dropped, like filters).
    Raises KeyError for an unknown measure."""
    measure = _measures[key]
    filters = filters or Filters()
    by = tuple(d for d in dict.fromkeys(by) if d in measure.dimensions)
    today = today or timezone.localdate()
    scope = scope or Scope.of(actor)
    latest = analytics.latest()
    ignored = filters.used() - set(measure.dimensions) - {"year"}
    defaults: dict[str, Any] = {name: Filters.__dataclass_fields__[name].default for name in ignored}
    effective = replace(filters, **defaults)
    q = Query(filters=effective, scope=scope, by=by, today=today, refresh=latest)
    rows = measure.compute(q)
    labels = {d: _labels(d, {r.get(d) for r in rows}, today) for d in by}
    for row in rows:
        for d in by:
            row[f"{d}_label"] = labels[d].get(row.get(d), str(row.get(d) if row.get(d) is not None else "–"))
    for d in reversed(by):
        order = _order(d, labels[d], today)
        rows.sort(key=lambda r: order(r.get(d)))
    total: Any = None
    overlapping = measure.distinct_people and bool({"programme", "organisation"} & set(by))
    if measure.additive and "group" not in by and not overlapping:
        total = sum((r["value"] or 0) for r in rows) if by else (rows[0]["value"] if rows else 0)
    if measure.kind == "count":
        if total is not None and by:
            totals = {"value": total}
            scope.shown.protect_table(rows, ["value"], totals=totals)
            total = totals["value"]
        else:
            for row in rows:
                row["value"] = scope.shown.count(row["value"])
            total = scope.shown.count(total) if total is not None else None
    if measure.support and not scope.shown.exact:
        # An amount given to one to four people could be read back as theirs (UU 27/2022): hidden like their count.
        counts = {_key(r, q.by): r["value"] for r in q.grouped(q.cube(measure.support, kind="additive"))}
        for row in rows:
            if disclosure.is_small(counts.get(_key(row, q.by), 0)):
                row["value"] = disclosure.SUPPRESSED
        if total is not None and disclosure.is_small(sum(counts.values())):
            total = disclosure.SUPPRESSED
    return Result(measure, filters, by, rows, total, latest.started_at if latest else None, ignored)


_register_builtin()
