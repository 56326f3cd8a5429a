"""The dashboard's panels: each is a chart and the table of exactly what the chart shows (its download too).

A panel is computed from the measure engine (measures.compute) for the user and the page's filters; the view draws
it, the table view shows `header`/`rows`, and the CSV/XLSX download writes the same `header`/`rows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from berdaya.accounts.models import User
from berdaya.core import charts

from . import measures as m


@dataclass
class Tile:
    key: str
    label: str
    value: Any
    unit: str
    kind: str
    note: str = ""


@dataclass
class Panel:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart: SafeString
    note: str = ""
    ignored: set[str] = field(default_factory=set)


def tiles(actor: User, filters: m.Filters) -> list[Tile]:
    result = []
    for key in (
        "people",
        "households",
        "vulnerable",
        "reached",
        "enrolled",
        "completed",
        "dropped",
        "disbursed",
        "budget",
        "cases_open",
        "cases_overdue",
    ):
        r = m.compute(key, actor=actor, filters=filters)
        note = (
            _("penyaring tidak berlaku: %s") % ", ".join(m.dimension_label(d).lower() for d in sorted(r.ignored))
            if r.ignored
            else ""
        )
        result.append(
            Tile(
                key,
                str(r.measure.label),
                r.total if r.total is not None else r.rows[0]["value"],
                str(r.measure.unit),
                r.measure.kind,
                note,
            )
        )
    return result


def _values(result: m.Result, dim: str, codes: list[Any]) -> list[Any]:
    by_code = result.values_by(dim)
    return [by_code.get(code) for code in codes]


def groups_panel(actor: User, filters: m.Filters) -> Panel:
    registered = m.compute("vulnerable", actor=actor, filters=filters, by=("group",))
    share = m.compute("reached_share", actor=actor, filters=filters, by=("group",))
    reached = m.compute("reached", actor=actor, filters=filters, by=("group",))
    codes = [r["group"] for r in registered.rows]
    labels = [r["group_label"] for r in registered.rows]
    reg, rea, pct = (
        _values(registered, "group", codes),
        _values(reached, "group", codes),
        _values(share, "group", codes),
    )
    year = filters.year
    title = _("Penduduk rentan per kelompok dan yang terjangkau program (%(year)s)") % {"year": year}
    chart = charts.bar_chart(
        labels,
        [charts.Series(pgettext("penduduk di registri", "Terdaftar"), reg), charts.Series(_("Terjangkau"), rea)],
        title=title,
        unit=_("orang"),
        desc=_("Untuk tiap kelompok rentan: jumlah terdaftar dan jumlah yang terjangkau sedikitnya satu program."),
    )
    return Panel(
        "groups",
        title,
        [m.dimension_label("group"), pgettext("penduduk di registri", "Terdaftar"), _("Terjangkau"), _("% terjangkau")],
        [[label, a, b, c] for label, a, b, c in zip(labels, reg, rea, pct, strict=True)],
        chart,
        note=_("Seseorang dihitung di setiap kelompoknya; persentase tidak ditampilkan bila jumlahnya kecil."),
    )


def districts_panel(actor: User, filters: m.Filters) -> Panel:
    people = m.compute("people", actor=actor, filters=filters, by=("district",))
    vulnerable = m.compute("vulnerable", actor=actor, filters=filters, by=("district",))
    reached = m.compute("reached", actor=actor, filters=filters, by=("district",))
    codes = [r["district"] for r in people.rows]
    labels = [r["district_label"] for r in people.rows]
    a, b, c = (
        _values(people, "district", codes),
        _values(vulnerable, "district", codes),
        _values(reached, "district", codes),
    )
    title = _("Penduduk, penduduk rentan, dan yang terjangkau per kecamatan")
    chart = charts.bar_chart(
        labels,
        [
            charts.Series(pgettext("penduduk di registri", "Terdaftar"), a),
            charts.Series(_("Rentan"), b),
            charts.Series(_("Terjangkau"), c),
        ],
        title=title,
        unit=_("orang"),
    )
    return Panel(
        "districts",
        title,
        [m.dimension_label("district"), pgettext("penduduk di registri", "Terdaftar"), _("Rentan"), _("Terjangkau")],
        [[label, x, y, z] for label, x, y, z in zip(labels, a, b, c, strict=True)],
        chart,
    )


def demography_panel(actor: User, filters: m.Filters) -> Panel:
    result = m.compute("people", actor=actor, filters=filters, by=("age_band", "sex", "disability"))
    bands = list(dict.fromkeys(r["age_band"] for r in result.rows))
    band_labels = {r["age_band"]: r["age_band_label"] for r in result.rows}
    combos = list(dict.fromkeys((r["sex"], r["disability"]) for r in result.rows))
    combo_labels = {
        (r["sex"], r["disability"]): f"{r['sex_label']}{' · ' + _('disabilitas') if r['disability'] else ''}"
        for r in result.rows
    }
    cell = {(r["age_band"], r["sex"], r["disability"]): r["value"] for r in result.rows}
    series = [charts.Series(combo_labels[combo], [cell.get((band, *combo)) for band in bands]) for combo in combos]
    title = _("Penduduk menurut kelompok umur, jenis kelamin, dan disabilitas")
    chart = charts.stacked_bar_chart([band_labels[b] for b in bands], series, title=title, unit=_("orang"))
    return Panel("demography", title, result.header(), result.table(), chart)


def programmes_panel(actor: User, filters: m.Filters) -> Panel:
    by = ("programme",)
    enrolled = m.compute("enrolled", actor=actor, filters=filters, by=by)
    completed = m.compute("completed", actor=actor, filters=filters, by=by)
    dropped = m.compute("dropped", actor=actor, filters=filters, by=by)
    names: dict[Any, str] = {}
    for res in (enrolled, completed, dropped):
        names.update({r["programme"]: r["programme_label"] for r in res.rows})
    codes = sorted(names, key=lambda c: names[c])
    e, c, d = (
        _values(enrolled, "programme", codes),
        _values(completed, "programme", codes),
        _values(dropped, "programme", codes),
    )
    title = _("Pendaftaran, lulus, dan putus per program")
    chart = charts.bar_chart(
        [names[x] for x in codes],
        [charts.Series(_("Pendaftaran"), e), charts.Series(_("Lulus"), c), charts.Series(_("Putus"), d)],
        title=title,
        unit=_("orang"),
    )
    return Panel(
        "programmes",
        title,
        [m.dimension_label("programme"), _("Pendaftaran"), _("Lulus"), _("Putus")],
        [[names[x], a, b, z] for x, a, b, z in zip(codes, e, c, d, strict=True)],
        chart,
    )


def money_panel(actor: User, filters: m.Filters) -> Panel:
    by = ("programme",)
    disbursed = m.compute("disbursed", actor=actor, filters=filters, by=by)
    budget = m.compute("budget", actor=actor, filters=filters, by=by)
    names: dict[Any, str] = {}
    for res in (budget, disbursed):
        names.update({r["programme"]: r["programme_label"] for r in res.rows})
    codes = sorted(names, key=lambda c: names[c])
    b, d = _values(budget, "programme", codes), _values(disbursed, "programme", codes)
    # No share where the amount disbursed is hidden (a share and the budget would give it back).
    pct = [
        round(100 * (y or 0) / x, 1) if isinstance(x, int) and x and not isinstance(y, str) else None
        for x, y in zip(b, d, strict=True)
    ]
    title = _("Bantuan tersalur dibanding anggaran per program")
    chart = charts.bar_chart(
        [names[x] for x in codes],
        [charts.Series(_("Anggaran"), b), charts.Series(_("Tersalur"), d)],
        title=title,
        unit="Rp",
    )
    return Panel(
        "money",
        title,
        [m.dimension_label("programme"), _("Anggaran (Rp)"), _("Tersalur (Rp)"), _("% tersalur")],
        [[names[x], y, z, p] for x, y, z, p in zip(codes, b, d, pct, strict=True)],
        chart,
    )


def cases_panel(actor: User, filters: m.Filters) -> Panel:
    opened = m.compute("cases_open", actor=actor, filters=filters, by=("district",))
    overdue = m.compute("cases_overdue", actor=actor, filters=filters, by=("district",))
    names = {r["district"]: r["district_label"] for r in opened.rows}
    codes = sorted(names)
    o, v = _values(opened, "district", codes), _values(overdue, "district", codes)
    title = _("Kasus pekerja migran terbuka dan terlambat per kecamatan")
    chart = charts.bar_chart(
        [names[x] for x in codes],
        [charts.Series(_("Terbuka"), o), charts.Series(_("Terlambat"), v)],
        title=title,
        unit=_("kasus"),
    )
    return Panel(
        "cases",
        title,
        [m.dimension_label("district"), _("Terbuka"), _("Terlambat")],
        [[names[x], a, b] for x, a, b in zip(codes, o, v, strict=True)],
        chart,
    )


def prices_panel(actor: User, filters: m.Filters) -> Panel:
    result = m.compute("price", actor=actor, filters=filters, by=("commodity", "month"))
    months = list(range(1, 13))
    commodities = list(dict.fromkeys(r["commodity"] for r in result.rows))
    names = {r["commodity"]: r["commodity_label"] for r in result.rows}
    cell = {(r["commodity"], r["month"]): r["value"] for r in result.rows}
    title = _("Harga rata-rata di tingkat petani per bulan (%(year)s)") % {"year": filters.year}
    chart = charts.line_chart(
        [f"{mo:02d}" for mo in months],
        [charts.Series(names[c], [cell.get((c, mo)) for mo in months]) for c in commodities],
        title=title,
        unit="Rp/kg",
    )
    return Panel("prices", title, result.header(), result.table(), chart)


PANELS: dict[str, Callable[[User, m.Filters], Panel]] = {
    "groups": groups_panel,
    "districts": districts_panel,
    "demography": demography_panel,
    "programmes": programmes_panel,
    "money": money_panel,
    "cases": cases_panel,
    "prices": prices_panel,
}
