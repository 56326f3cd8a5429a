"""What a report says: its sections (a table each, most with a chart or a map), computed from the measure engine
(berdaya.monitoring.measures) for the requester's scope, so a report never holds a figure its reader could not see on
the dashboard, and small counts are suppressed by the same rule (core.disclosure) for the roles that read aggregates
only. Indicators are read from their snapshot of the quarter's last month when there is one (a report of a past
quarter is reproduced as it stood), else computed now.

The figures are those of the report's year up to the time the analytics tables were last rebuilt (`data_as_of`):
the engine keeps years, not quarters, and a quarterly report is made just after its quarter ends. Prices are by
month up to the quarter's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.choropleth import choropleth
from berdaya.core import charts
from berdaya.core import disclosure as dc
from berdaya.monitoring import measures as m
from berdaya.monitoring.models import Indicator, IndicatorSnapshot
from berdaya.monitoring.services import indicator_value
from berdaya.outcomes import impact as im
from berdaya.registry.access import people_for_aggregates

from . import choices as c
from .models import Report


@dataclass
class Section:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart: SafeString | None = None
    map: SafeString | None = None


@dataclass
class Content:
    title: str
    subtitle: str
    period: str
    scope_note: str
    data_as_of: Any
    generated_at: Any
    sections: list[Section] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def scope_for(report: Report) -> m.Scope:
    """The scheduled report counts the regency with small counts suppressed; any other counts as its requester."""
    if report.requested_by is None:
        return m.Scope(True, shown=dc.SUPPRESSING if report.suppressed else dc.EXACT)
    return m.Scope.of(report.requested_by)


def _value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    return v


def _pct(part: Any, whole: Any) -> float | None:
    if isinstance(part, str) or isinstance(whole, str) or not whole or part is None:
        return None
    return round(100.0 * float(part) / float(whole), 1)


class Builder:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.scope = scope_for(report)
        self.actor: User | None = report.requested_by
        params: dict[str, Any] = {"year": report.year}
        if report.programme_id:
            params["programme"] = report.programme_id
        self.filters = m.Filters.from_mapping(params)
        self.as_of: Any = None

    def compute(self, key: str, by: Sequence[str] = (), filters: m.Filters | None = None) -> m.Result:
        result = m.compute(key, actor=self.actor, filters=filters or self.filters, by=by, scope=self.scope)
        self.as_of = self.as_of or result.as_of
        return result

    @staticmethod
    def total(result: m.Result) -> Any:
        if result.total is not None:
            return _value(result.total)
        return _value(result.rows[0]["value"]) if result.rows else 0

    # --- sections ---------------------------------------------------------------------------------------------

    def key_figures(self) -> Section:
        keys = ["reached", "enrolled", "completed", "dropped", "disbursed", "budget"]
        if self.report.kind == c.Kind.REGENCY:
            keys = ["people", "households", "vulnerable", *keys, "cases_open", "cases_overdue"]
        rows = []
        for key in keys:
            result = self.compute(key)
            rows.append([str(result.measure.label), self.total(result), str(result.measure.unit)])
        return Section("summary", _("Angka utama"), [_("Ukuran"), _("Nilai"), _("Satuan")], rows)

    def reached_by_group(self) -> Section:
        reached = self.compute("reached", by=("group",))
        share = self.compute("reached_share", by=("group",))
        shares = {r["group"]: r["value"] for r in share.rows}
        rows = [[r["group_label"], _value(r["value"]), _value(shares.get(r["group"]))] for r in reached.rows]
        chart = charts.bar_chart(
            [r[0] for r in rows],
            [charts.Series(_("Terjangkau"), [r[1] for r in rows])],
            title=_("Penduduk terjangkau menurut kelompok rentan"),
            unit=_("orang"),
        )
        return Section(
            "groups",
            _("Penduduk terjangkau menurut kelompok rentan"),
            [_("Kelompok rentan"), _("Terjangkau (orang)"), _("Bagian kelompok yang terjangkau (%)")],
            rows,
            note=_("Seseorang dihitung di setiap kelompoknya, sehingga baris tidak dijumlahkan."),
            chart=chart,
        )

    def reached_by_sex_disability(self) -> Section:
        result = self.compute("reached", by=("sex", "disability"))
        rows = [[r["sex_label"], r["disability_label"], _value(r["value"])] for r in result.rows]
        sexes = list(dict.fromkeys(r["sex_label"] for r in result.rows))
        series = []
        for flag in (True, False):
            label = next((r["disability_label"] for r in result.rows if r["disability"] is flag), str(flag))
            values = {r["sex_label"]: r["value"] for r in result.rows if r["disability"] is flag}
            series.append(charts.Series(label, [values.get(s) for s in sexes]))
        chart = charts.bar_chart(sexes, series, title=_("Terjangkau menurut jenis kelamin dan disabilitas"))
        return Section(
            "sex_disability",
            _("Penduduk terjangkau menurut jenis kelamin dan disabilitas"),
            [_("Jenis kelamin"), _("Disabilitas"), _("Terjangkau (orang)")],
            rows,
            chart=chart,
        )

    def reached_by_district(self) -> Section:
        result = self.compute("reached", by=("district",))
        rows = [[r["district"], r["district_label"], _value(r["value"])] for r in result.rows]
        drawn = choropleth(
            "districts",
            {r["district"]: r["value"] for r in result.rows},
            title=_("Penduduk terjangkau per kecamatan"),
            unit=_("orang"),
        )
        return Section(
            "districts",
            _("Penduduk terjangkau menurut kecamatan"),
            [_("Kode"), _("Kecamatan"), _("Terjangkau (orang)")],
            rows,
            map=drawn.svg if drawn is not None else None,
        )

    def enrolments(self) -> Section:
        by = ("programme",) if self.report.kind == c.Kind.REGENCY else ("sex",)
        results = {key: self.compute(key, by=by) for key in ("enrolled", "completed", "dropped")}
        dim = by[0]
        labels: dict[Any, str] = {}
        for result in results.values():
            for r in result.rows:
                labels.setdefault(r[dim], r[f"{dim}_label"])
        values = {key: {r[dim]: _value(r["value"]) for r in result.rows} for key, result in results.items()}
        rows = [
            [label, values["enrolled"].get(code, 0), values["completed"].get(code, 0), values["dropped"].get(code, 0)]
            for code, label in labels.items()
        ]
        chart = charts.stacked_bar_chart(
            [r[0] for r in rows],
            [charts.Series(_("Lulus"), [r[2] for r in rows]), charts.Series(_("Putus"), [r[3] for r in rows])],
            title=_("Lulus dan putus"),
        )
        return Section(
            "enrolments",
            _("Pendaftaran, kelulusan, dan putus"),
            [m.dimension_label(dim), _("Pendaftaran"), _("Lulus"), _("Putus")],
            rows,
            chart=chart,
        )

    def money(self) -> Section:
        disbursed = self.compute("disbursed", by=("programme",))
        budget = self.compute("budget", by=("programme",))
        spent = {r["programme"]: _value(r["value"]) for r in disbursed.rows}
        rows = []
        names = {r["programme"]: r["programme_label"] for r in [*budget.rows, *disbursed.rows]}
        budgets = {r["programme"]: _value(r["value"]) for r in budget.rows}
        for pid, name in names.items():
            b, s = budgets.get(pid) or 0, spent.get(pid) or 0
            rows.append([name, b, s, _pct(s, b)])
        chart = charts.bar_chart(
            [r[0] for r in rows],
            [charts.Series(_("Anggaran"), [r[1] for r in rows]), charts.Series(_("Tersalur"), [r[2] for r in rows])],
            title=_("Bantuan tersalur dan anggaran"),
            unit="Rp",
        )
        return Section(
            "money",
            _("Bantuan tersalur dibanding anggaran"),
            [_("Program"), _("Anggaran (Rp)"), _("Tersalur (Rp)"), _("Terserap (%)")],
            rows,
            chart=chart,
        )

    def indicators(self) -> Section:
        period = f"{self.report.year}-{3 * self.report.quarter:02d}"
        snapshots = {
            s.indicator_id: s for s in IndicatorSnapshot.objects.filter(period=period, indicator__is_active=True)
        }
        regency_exact = self.report.reach == c.Reach.REGENCY
        rows = []
        for indicator in Indicator.objects.filter(is_active=True).prefetch_related("targets"):
            target = next((t.target for t in indicator.targets.all() if t.year == self.report.year), None)
            snap = snapshots.get(indicator.pk) if regency_exact else None
            if snap is not None:
                value: Any = _value(snap.value)
                source = _("potret %(p)s") % {"p": snap.period}
                target = snap.target if snap.target is not None else target
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                measure = m.get(indicator.measure)
                if measure is not None and measure.kind == "count":
                    value = self.scope.shown.count(value)
            else:
                value, _breakdowns = indicator_value(indicator, year=self.report.year, scope=self.scope)
                value = _value(value)
                source = _("dihitung saat laporan dibuat")
            rows.append(
                [indicator.code, indicator.name, indicator.unit, value, _value(target), _pct(value, target), source]
            )
        return Section(
            "indicators",
            _("Indikator dan target"),
            [_("Kode"), _("Indikator"), _("Satuan"), _("Capaian"), _("Target tahun"), _("Capaian (%)"), _("Sumber")],
            rows,
            note=_("Indikator diambil dari potret bulan terakhir triwulan bila ada, agar laporan dapat diulang."),
        )

    def cases(self) -> Section:
        opened = self.compute("cases_open", by=("district",))
        overdue = {r["district"]: _value(r["value"]) for r in self.compute("cases_overdue", by=("district",)).rows}
        rows = [[r["district_label"], _value(r["value"]), overdue.get(r["district"], 0)] for r in opened.rows]
        return Section(
            "cases",
            _("Kasus pekerja migran"),
            [_("Kecamatan"), _("Kasus terbuka"), _("Terlambat")],
            rows,
        )

    def prices(self) -> Section:
        result = self.compute("price", by=("commodity", "month"), filters=m.Filters(year=self.report.year))
        last_month = 3 * self.report.quarter
        months = list(range(1, last_month + 1))
        by_commodity: dict[str, dict[int, Any]] = {}
        for r in result.rows:
            if r["month"] and r["month"] <= last_month:
                by_commodity.setdefault(r["commodity_label"], {})[r["month"]] = _value(r["value"])
        rows = [[name, *[values.get(mo) for mo in months]] for name, values in by_commodity.items()]
        chart = charts.line_chart(
            [f"{mo:02d}" for mo in months],
            [charts.Series(name, [values.get(mo) for mo in months]) for name, values in by_commodity.items()],
            title=_("Harga rata-rata di tingkat petani per bulan"),
            unit="Rp/kg",
        )
        return Section(
            "prices",
            _("Harga komoditas di tingkat petani (Rp/kg)"),
            [_("Komoditas"), *[f"{self.report.year}-{mo:02d}" for mo in months]],
            rows,
            chart=chart,
        )

    IMPACT_OUTCOMES = ("total_income", "income_per_capita", "yield_kg_ha", "price_obtained", "wellbeing")

    def impact(self) -> Section:
        """The outcomes app's difference-in-differences estimate for the programme (matched non-participants), per
        outcome: how many people each arm has and, only when the samples allow a conclusion, the effect."""
        report = self.report
        assert report.programme is not None
        people = None
        if report.reach == c.Reach.OWN and report.requested_by is not None:
            people = people_for_aggregates(report.requested_by)
        verdicts = {
            im.Verdict.TOO_SMALL: _("Sampel terlalu kecil untuk disimpulkan"),
            im.Verdict.NO_EVIDENCE: _("Tidak terbukti berbeda (selang memuat nol)"),
            im.Verdict.POSITIVE: _("Naik lebih tinggi daripada pembanding"),
            im.Verdict.NEGATIVE: _("Turun dibanding pembanding"),
            im.Verdict.NO_VARIATION: _("Tidak ada variasi untuk dibandingkan"),
        }
        rows = []
        for outcome in self.IMPACT_OUTCOMES:
            est = im.impact_estimate(programme=report.programme, outcome=outcome, people=people).estimate
            shown = est.conclusive or est.verdict == im.Verdict.NO_EVIDENCE
            rows.append(
                [
                    str(im.OUTCOMES[outcome]),
                    est.n_treated,
                    est.n_control,
                    round(est.effect, 2) if shown and est.effect is not None else None,
                    round(est.ci_low, 2) if shown and est.ci_low is not None else None,
                    round(est.ci_high, 2) if shown and est.ci_high is not None else None,
                    str(verdicts.get(est.verdict, est.verdict)),
                ]
            )
        return Section(
            "impact",
            _("Dampak: perubahan peserta dibanding bukan peserta yang serupa"),
            [
                _("Hasil"),
                _("Peserta"),
                _("Pembanding"),
                _("Selisih perubahan"),
                _("Batas bawah 95%"),
                _("Batas atas 95%"),
                _("Kesimpulan"),
            ],
            rows,
            note=_(
                "Selisih-dalam-selisih (difference-in-differences) dengan pembanding yang dicocokkan menurut "
                "kecamatan, kelompok, desil, jenis kelamin dan nilai awal; tidak disimpulkan bila salah satu "
                "kelompok kurang dari 30 orang (docs/impact.md)."
            ),
        )

    def build(self, progress: Any = None) -> Content:
        steps = [self.key_figures, self.reached_by_group, self.reached_by_sex_disability, self.reached_by_district]
        steps += [self.enrolments, self.money]
        if self.report.kind == c.Kind.PROGRAMME and self.report.programme_id:
            steps.append(self.impact)
        if self.report.kind == c.Kind.REGENCY:
            steps += [self.indicators, self.cases, self.prices]
        if progress is not None:
            progress.start(len(steps) + 2, _("Menghitung angka…"))
        sections = []
        for step in steps:
            sections.append(step())
            if progress is not None:
                progress.check_cancelled()
                progress.advance()
        report = self.report
        if report.kind == c.Kind.PROGRAMME and report.programme is not None:
            title = _("Laporan Triwulanan Program %(p)s") % {"p": report.programme.name}
            subtitle = report.programme.organiser.name if report.programme.organiser_id else ""
        else:
            title = _("Laporan Triwulanan Pemberdayaan Kelompok Rentan Kabupaten Merangin")
            subtitle = ""
        if report.reach == c.Reach.OWN:
            scope_note = _("Angka hanya mencakup penduduk dalam wilayah/organisasi peminta laporan.")
        else:
            scope_note = _("Angka mencakup seluruh Kabupaten Merangin.")
        if report.suppressed:
            scope_note += " " + _("Jumlah 1–4 orang ditulis “<5” untuk melindungi data pribadi.")
        summary = {row[0]: row[1] for row in sections[0].rows}
        return Content(
            title=title,
            subtitle=subtitle,
            period=report.period_label,
            scope_note=scope_note,
            data_as_of=self.as_of,
            generated_at=timezone.now(),
            sections=sections,
            summary=summary,
        )
