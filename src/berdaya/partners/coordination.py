"""The coordination reports of partners: the 4W matrix (who does what, where, when) and the coverage gaps.

Both are derived from programmes, sessions, enrolments and assistance with grouped queries: nothing is typed twice,
and no query loops over people. Aggregates only: every signed-in role reads them (access: sees_coordination), and
small counts are protected by core.disclosure. Partner staff read the regency's figures less whoever withdrew consent
to sharing with partners (access.coordination_less_withdrawn), every other role the regency's: each query takes the
variant (`less_withdrawn`), a snapshot of its own (core.snapshots), and the scheduled refresh stores both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.accounts.models import User
from berdaya.areas.models import District, Village
from berdaya.core import snapshots
from berdaya.core.disclosure import EXACT, Disclosure
from berdaya.organisations.models import Organisation
from berdaya.partners.access import coordination_less_withdrawn, sees_coordination
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme, Session
from berdaya.registry import choices as rc
from berdaya.registry.consent import excluded_for
from berdaya.registry.models import Person
from berdaya.registry.vulnerability import flag_fast_q, flag_q, group_fast_q, group_q

from . import choices as c

# --- period and filters --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @classmethod
    def default(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))

    def programme_q(self, prefix: str = "") -> Q:
        """Programmes overlapping the period."""
        return Q(**{f"{prefix}start_date__lte": self.end, f"{prefix}end_date__gte": self.start})


def withdrawn_q(path: str = "pk", *, today: dt.date | None = None) -> Q:
    """The rows whose person (reached by `path`) withdrew consent to sharing with partners (registry.consent's one
    rule): left out of the figures partner staff read (access.coordination_less_withdrawn)."""
    return excluded_for(rc.ConsentPurpose.SHARING, path, today=today)


def reached_q(period: Period) -> Q:
    """A person is reached in the period when enrolled (enrolled, active or completed) in, or given assistance
    (disbursed or acknowledged) by, a programme overlapping the period. A Q over Person, two EXISTS subqueries."""
    enrolled = Enrolment.objects.filter(person=OuterRef("pk"), status__in=pc.SEAT_STATUSES).filter(
        period.programme_q("programme__")
    )
    assisted = Assistance.objects.filter(person=OuterRef("pk"), status__in=pc.SPENT_STATUSES).filter(
        period.programme_q("programme__")
    )
    return Q(Exists(enrolled)) | Q(Exists(assisted))


# --- the 4W matrix ---------------------------------------------------------------------------------------------------


@dataclass
class MatrixFilters:
    period: Period
    level: str = c.AreaLevel.DISTRICT
    district: str = ""
    kind: str = ""
    organisation_kind: str = ""
    organisation: int | None = None
    measure: str = c.ReachMeasure.ORGANISATIONS
    # The regency's figures less whoever withdrew consent to sharing with partners: what partner staff read
    # (access.coordination_less_withdrawn; for_reader sets it).
    less_withdrawn: bool = False

    def for_reader(self, user: User) -> MatrixFilters:
        """These filters with the variant `user` reads."""
        return dataclasses.replace(self, less_withdrawn=coordination_less_withdrawn(user))

    def organisation_q(self, path: str) -> Q:
        """The organisation filters on the organisation at `path` (a programme's organiser or funders, reached from
        the rows filtered): there is one, of the kind and the organisation asked."""
        q = Q(**{f"{path}__isnull": False})
        if self.organisation_kind:
            q &= Q(**{f"{path}__kind": self.organisation_kind})
        if self.organisation:
            q &= Q(**{path: self.organisation})
        return q


@dataclass
class MatrixRow:
    organisation: Organisation
    role: str
    kind: str
    district: District | None
    village: Village | None
    programme_ids: set[int] = field(default_factory=set)
    participants: int = 0
    assistance_only: int = 0
    recipients: int = 0
    disbursed: int = 0
    sessions: int = 0
    start: dt.date | None = None
    end: dt.date | None = None
    programme_names: list[str] = field(default_factory=list)
    village_level: bool = False

    @property
    def reached(self) -> int:
        return self.participants + self.assistance_only

    @property
    def programmes(self) -> int:
        return len(self.programme_ids)

    @property
    def role_label(self) -> str:
        return str(c.Role(self.role).label)

    @property
    def kind_label(self) -> str:
        return str(pc.ProgrammeKind(self.kind).label)

    @property
    def area_label(self) -> str:
        if self.district is None:
            return _("Seluruh kabupaten")
        if self.village is None:
            if self.village_level:
                return _("Seluruh Kec. %(name)s") % {"name": self.district.name}
            return self.district.name
        return f"{self.village.name}, {self.district.name}"


ROLE_PATHS = {c.Role.ORGANISER: "organiser", c.Role.FUNDER: "funders"}


def _programmes(filters: MatrixFilters) -> QuerySet[Programme]:
    qs = Programme.objects.filter(filters.period.programme_q())
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


def _matrix_params(filters: MatrixFilters) -> dict[str, Any]:
    params = {
        "start": filters.period.start.isoformat(),
        "end": filters.period.end.isoformat(),
        "level": filters.level,
        "district": filters.district,
        "kind": filters.kind,
        "organisation_kind": filters.organisation_kind,
        "organisation": filters.organisation,
    }
    # Only the partner variant names itself: the regency's snapshots keep the keys they had.
    return params | {"less_withdrawn": True} if filters.less_withdrawn else params


def _matrix_counts(filters: MatrixFilters) -> list[list[Any]]:
    """The counts of the matrix rows, as lists [organisation id, role, kind, district, village, programme ids,
    participants, assistance only, recipients, Rupiah disbursed]: about a dozen grouped queries, whatever the
    number of people; the same for every reader of the variant (a snapshot, core.snapshots)."""
    village_level = filters.level == c.AreaLevel.VILLAGE
    programmes = _programmes(filters)
    # Per (organisation, role, kind, district, village): the counts of one matrix row.
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def key_of(org: int, role: str, kind: str, district: str | None, village: str | None) -> tuple[Any, ...]:
        return (org, role, kind, district, village if village_level else None)

    def touch(org: int, role: str, kind: str, district: str | None, village: str | None) -> dict[str, Any]:
        key = key_of(org, role, kind, district, village)
        if key not in rows:
            rows[key] = {"programmes": set(), "participants": 0, "assistance_only": 0, "recipients": 0, "disbursed": 0}
        return rows[key]

    for role, path in ROLE_PATHS.items():
        org_field = f"programme__{path}"
        in_scope = Q(programme__in=programmes.values("pk")) & filters.organisation_q(org_field)

        # Where programmes say they work: districts and villages covered, or the whole regency.
        district_links = Programme.districts.through.objects.filter(in_scope)
        village_links = Programme.villages.through.objects.filter(in_scope)
        if filters.district:
            district_links = district_links.filter(district_id=filters.district)
            village_links = village_links.filter(village__district_id=filters.district)
        for org, kind, district, programme in district_links.values_list(
            org_field, "programme__kind", "district_id", "programme_id"
        ).distinct():
            touch(org, role, kind, district, None)["programmes"].add(programme)
        for org, kind, district, village, programme in village_links.values_list(
            org_field, "programme__kind", "village__district_id", "village_id", "programme_id"
        ).distinct():
            touch(org, role, kind, district, village)["programmes"].add(programme)
        if not filters.district:
            uncovered = programmes.filter(
                ~Exists(Programme.districts.through.objects.filter(programme=OuterRef("pk"))),
                ~Exists(Programme.villages.through.objects.filter(programme=OuterRef("pk"))),
            ).filter(filters.organisation_q(path))
            for org, kind, programme in uncovered.values_list(path, "kind", "pk").distinct():
                touch(org, role, kind, None, None)["programmes"].add(programme)

        # Where the people reached live.
        area = ["person__household__village__district"] + (["person__household__village"] if village_level else [])
        area_q = Q(person__household__village__district=filters.district) if filters.district else Q()
        if filters.less_withdrawn:
            area_q &= ~withdrawn_q("person")
        enrolments = Enrolment.objects.filter(in_scope, area_q, status__in=pc.SEAT_STATUSES)
        for r in (
            enrolments.values(org_field, "programme__kind", *area).annotate(n=Count("person", distinct=True)).order_by()
        ):
            touch(r[org_field], role, r["programme__kind"], r[area[0]], r.get(area[-1]))["participants"] = r["n"]
        for org, kind, *where, programme in enrolments.values_list(
            org_field, "programme__kind", *area, "programme_id"
        ).distinct():
            touch(org, role, kind, where[0], where[-1])["programmes"].add(programme)
        spent = Assistance.objects.filter(in_scope, area_q, status__in=pc.SPENT_STATUSES)
        # Reached by assistance only: no seat in any programme of the same organisation and kind in the period.
        seat_elsewhere = Enrolment.objects.filter(
            person=OuterRef("person"),
            status__in=pc.SEAT_STATUSES,
            programme__kind=OuterRef("programme__kind"),
            programme__in=programmes.values("pk"),
            **{org_field: OuterRef("org_id")},
        )
        for r in (
            spent.annotate(org_id=F(org_field))
            .filter(~Exists(seat_elsewhere))
            .values("org_id", "programme__kind", *area)
            .annotate(n=Count("person", distinct=True))
            .order_by()
        ):
            touch(r["org_id"], role, r["programme__kind"], r[area[0]], r.get(area[-1]))["assistance_only"] = r["n"]
        in_dates = Q(date__gte=filters.period.start, date__lte=filters.period.end)
        for r in (
            spent.filter(in_dates)
            .values(org_field, "programme__kind", *area)
            .annotate(n=Count("person", distinct=True), rp=Sum("amount"))
            .order_by()
        ):
            row = touch(r[org_field], role, r["programme__kind"], r[area[0]], r.get(area[-1]))
            row["recipients"], row["disbursed"] = r["n"], r["rp"] or 0
        for org, kind, *where, programme in spent.values_list(
            org_field, "programme__kind", *area, "programme_id"
        ).distinct():
            touch(org, role, kind, where[0], where[-1])["programmes"].add(programme)

    return [
        [*key, sorted(v["programmes"]), v["participants"], v["assistance_only"], v["recipients"], v["disbursed"]]
        for key, v in rows.items()
    ]


def matrix_refresh() -> None:
    """The default 4W matrix (this year, by district and by village), the regency's and partner staff's variant,
    for the scheduled refresh."""
    period = Period.default()
    for level in (c.AreaLevel.DISTRICT, c.AreaLevel.VILLAGE):
        for less_withdrawn in (False, True):
            filters = MatrixFilters(period=period, level=level, less_withdrawn=less_withdrawn)
            snapshots.store("partners.matrix", _matrix_params(filters), functools.partial(_matrix_counts, filters))


def disbursed_in_period(filters: MatrixFilters) -> int:
    """Rupiah disbursed in the period by the programmes the matrix shows, each disbursement counted once. The rows
    cannot be summed for it: a programme's money is in its organiser's row and again in each funder's (the 4W say
    who took part, not whose money it was)."""
    programmes = _programmes(filters)
    if filters.organisation_kind or filters.organisation:
        either = Q()
        for path in ROLE_PATHS.values():
            either |= filters.organisation_q(path)
        programmes = programmes.filter(pk__in=Programme.objects.filter(either).values("pk"))
    spent = Assistance.objects.filter(
        programme__in=programmes.values("pk"),
        status__in=pc.SPENT_STATUSES,
        date__gte=filters.period.start,
        date__lte=filters.period.end,
    )
    if filters.district:
        spent = spent.filter(person__household__village__district=filters.district)
    if filters.less_withdrawn:
        spent = spent.exclude(withdrawn_q("person"))
    return int(spent.aggregate(rp=Sum("amount"))["rp"] or 0)


def matrix_rows(filters: MatrixFilters) -> list[MatrixRow]:
    """The 4W matrix: organisation × role × programme kind × area, for programmes overlapping the period (partner
    staff's variant when `filters.less_withdrawn`: MatrixFilters.for_reader).

    Where an organisation works comes from two places: the areas its programmes cover (Programme.districts and
    .villages) and where the people it reached live (enrolments and assistance). Counts per row:
    programmes; participants (distinct people enrolled, active or completed); people reached by assistance only;
    assistance recipients and Rupiah disbursed in the period; sessions held in the period. About a dozen grouped
    queries, whatever the number of people."""
    village_level = filters.level == c.AreaLevel.VILLAGE
    today = timezone.localdate()
    held_until = min(filters.period.end, today)
    counts, _at = snapshots.read("partners.matrix", _matrix_params(filters), lambda: _matrix_counts(filters))
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for org, role, kind, district, village, pids, participants, assistance_only, recipients, disbursed in counts:
        rows[(org, role, kind, district, village)] = {
            "programmes": set(pids),
            "participants": participants,
            "assistance_only": assistance_only,
            "recipients": recipients,
            "disbursed": disbursed,
        }
    org_ids = {k[0] for k in rows}

    every_programme = set().union(*(r["programmes"] for r in rows.values())) if rows else set()
    sessions = dict(
        Session.objects.filter(programme__in=every_programme, date__gte=filters.period.start, date__lte=held_until)
        .values("programme")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("programme", "n")
    )
    info = {
        p.pk: p for p in Programme.objects.filter(pk__in=every_programme).only("pk", "name", "start_date", "end_date")
    }
    orgs = Organisation.objects.in_bulk(org_ids)
    districts = District.objects.in_bulk({k[3] for k in rows if k[3]})
    villages = Village.objects.in_bulk({k[4] for k in rows if k[4]})
    result = []
    for (org, role, kind, district, village), data in rows.items():
        pids = data["programmes"]
        line = MatrixRow(
            organisation=orgs[org],
            role=role,
            kind=kind,
            district=districts.get(district),
            village=villages.get(village),
            programme_ids=pids,
            participants=data["participants"],
            assistance_only=data["assistance_only"],
            recipients=data["recipients"],
            disbursed=data["disbursed"],
            sessions=sum(sessions.get(p, 0) for p in pids),
            start=min((info[p].start_date for p in pids), default=None),
            end=max((info[p].end_date for p in pids), default=None),
            programme_names=sorted(info[p].name for p in pids),
            village_level=village_level,
        )
        result.append(line)
    result.sort(
        key=lambda r: (
            r.district.code if r.district else "",
            r.village.code if r.village else "",
            r.organisation.name,
            r.role,
            r.kind,
        )
    )
    return result


def matrix_as_of(filters: MatrixFilters) -> dt.datetime | None:
    """When the stored counts the matrix (and, for the people measure, its map) would show now were computed; None
    when they would be computed live (core.snapshots.stamp). The oldest of them is the page's "data as of"."""
    params = _matrix_params(filters)
    stamps = [snapshots.stamp("partners.matrix", params)]
    if filters.measure == c.ReachMeasure.PEOPLE:
        stamps.append(snapshots.stamp("partners.reached", params))
    return None if None in stamps else min(s for s in stamps if s is not None)


def reached_by_district(filters: MatrixFilters) -> dict[str, int]:
    """Distinct people reached per district (the map's second measure): people are counted once however many
    organisations reached them, so this is its own query rather than a sum of matrix rows. From a snapshot
    (core.snapshots): the same for every reader of the variant (`filters.less_withdrawn`)."""
    counts, _at = snapshots.read("partners.reached", _matrix_params(filters), lambda: _reached_by_district(filters))
    return counts


def _reached_by_district(filters: MatrixFilters) -> dict[str, int]:
    programmes = _programmes(filters)
    org_q = Q()
    for path in ROLE_PATHS.values():
        org_q |= filters.organisation_q(f"programme__{path}")
    enrolled = Enrolment.objects.filter(
        Q(person=OuterRef("pk"), status__in=pc.SEAT_STATUSES, programme__in=programmes.values("pk")) & org_q
    )
    assisted = Assistance.objects.filter(
        Q(person=OuterRef("pk"), status__in=pc.SPENT_STATUSES, programme__in=programmes.values("pk")) & org_q
    )
    qs = Person.objects.current().filter(Q(Exists(enrolled)) | Q(Exists(assisted)))
    if filters.less_withdrawn:
        qs = qs.exclude(withdrawn_q())
    if filters.district:
        qs = qs.filter(household__village__district=filters.district)
    return dict(
        qs.values("household__village__district")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("household__village__district", "n")
    )


def organisations_by_district(rows: list[MatrixRow]) -> dict[str, int]:
    orgs: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        if r.district is not None:
            orgs[r.district.code].add(r.organisation.pk)
    return {code: len(ids) for code, ids in orgs.items()}


MATRIX_HEADER = [
    "Kode kecamatan",
    "Kecamatan",
    "Kode desa",
    "Desa",
    "Organisasi",
    "Jenis organisasi",
    "Peran",
    "Jenis kegiatan",
    "Program",
    "Jumlah program",
    "Mulai",
    "Selesai",
    "Sesi berlangsung",
    "Peserta",
    "Penerima bantuan saja",
    "Penerima manfaat terjangkau",
    "Penerima bantuan (periode)",
    "Bantuan disalurkan (Rp)",
]


def matrix_export_rows(rows: list[MatrixRow], shown: Disclosure = EXACT):
    """The matrix as export lines; counts of people as `shown` lets the user read them (core.disclosure)."""
    for r in rows:
        yield [
            r.district.code if r.district else "",
            r.district.name if r.district else _("Seluruh kabupaten"),
            r.village.code if r.village else "",
            r.village.name if r.village else "",
            r.organisation.name,
            r.organisation.get_kind_display(),
            r.role_label,
            r.kind_label,
            "; ".join(r.programme_names),
            r.programmes,
            r.start,
            r.end,
            r.sessions,
            shown.count(r.participants),
            shown.count(r.assistance_only),
            shown.count(r.reached),
            shown.count(r.recipients),
            r.disbursed,
        ]


# --- coverage gaps -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapGroup:
    code: str
    label: str | Promise


GAP_GROUPS = [
    GapGroup("any", gettext_lazy("Semua kelompok rentan")),
    GapGroup("disability", gettext_lazy("Penyandang disabilitas")),
    GapGroup("smallholder", gettext_lazy("Petani kecil")),
    GapGroup("migrant", gettext_lazy("Pekerja migran dan keluarganya")),
    GapGroup("poor", gettext_lazy("Miskin (desil 1-4)")),
    GapGroup("female_headed", gettext_lazy("Rumah tangga dikepalai perempuan")),
    GapGroup("elderly", gettext_lazy("Lanjut usia")),
]
GAP_GROUP_CODES = [g.code for g in GAP_GROUPS]


def gap_group_q(code: str, today: dt.date, *, fast: bool = False) -> Q:
    """The people of a gap group; `fast`: the same people in the flags' form for a scan of the whole registry."""
    if code == "migrant":
        return (group_fast_q if fast else group_q)("migrant", today)
    if code == "any":
        q = Q()
        for group in GAP_GROUP_CODES[1:]:
            q |= gap_group_q(group, today, fast=fast)
        return q
    return (flag_fast_q if fast else flag_q)(code, today)


def reached_ids_q(period: Period) -> Q:
    """reached_q in the form for a scan of the whole registry: two uncorrelated id subqueries (hashed once per
    query) instead of two correlated EXISTS per person. The same people."""
    enrolled = Enrolment.objects.filter(status__in=pc.SEAT_STATUSES).filter(period.programme_q("programme__"))
    assisted = Assistance.objects.filter(status__in=pc.SPENT_STATUSES).filter(period.programme_q("programme__"))
    return Q(pk__in=enrolled.values("person_id")) | Q(pk__in=assisted.values("person_id"))


@dataclass
class GapRow:
    code: str
    name: str
    district_name: str
    residents: int
    totals: dict[str, int]
    gaps: dict[str, int]
    organisations: list[str] = field(default_factory=list)

    def share(self, group: str) -> float | None:
        total, gap = self.totals.get(group, 0), self.gaps.get(group, 0)
        if not isinstance(total, int) or not isinstance(gap, int):
            return None  # suppressed by protect_gaps
        return 100.0 * gap / total if total else 0.0

    def cells(self) -> list[dict[str, Any]]:
        return [
            {"code": g, "total": self.totals[g], "gap": self.gaps[g], "share": self.share(g)} for g in GAP_GROUP_CODES
        ]


def coverage_gaps(
    *,
    actor: User,
    period: Period,
    level: str = c.AreaLevel.DISTRICT,
    group: str = "any",
    order: str = "number",
    district: str = "",
    today: dt.date | None = None,
) -> list[GapRow]:
    """Areas ranked by how many vulnerable people of `group` no programme reached in the period (and by share when
    order="share"), with the organisations whose programmes cover each area.

    One aggregate query over residents (status active) grouped by area, with a COUNT per group of everyone and of
    the unreached, plus grouped queries for who works there. Partner staff count the residents less whoever withdrew
    consent to sharing with partners (access.coordination_less_withdrawn)."""
    today = today or timezone.localdate()
    group = group if group in GAP_GROUP_CODES else "any"
    village_level = level == c.AreaLevel.VILLAGE
    area = "household__village" if village_level else "household__village__district"
    if not sees_coordination(actor):
        return []
    less_withdrawn = coordination_less_withdrawn(actor)
    params = _gap_params(period, village_level, district, today, less_withdrawn)
    rows, _at = snapshots.read(
        "partners.gaps", params, lambda: _gap_counts(period, village_level, district, today, less_withdrawn)
    )
    working = organisations_working(period, village_level)
    result = []
    for r in rows:
        code = r[area]
        district_code = code.rsplit(".", 1)[0] if village_level else code
        # Programmes naming no area (the whole regency) are listed once above the table, not in every row: a
        # district where only those work is still one no partner has chosen.
        orgs = working["district"].get(district_code, set())
        if village_level:
            orgs = orgs | working["village"].get(code, set())
        result.append(
            GapRow(
                code=code,
                name=r[f"{area}__name"],
                district_name=r.get(f"{area}__district__name", ""),
                residents=r["residents"],
                totals={g: r[f"total_{g}"] for g in GAP_GROUP_CODES},
                gaps={g: r[f"gap_{g}"] for g in GAP_GROUP_CODES},
                organisations=sorted(orgs),
            )
        )
    if order == "share":
        result.sort(key=lambda x: (-(x.share(group) or 0.0), -x.gaps[group], x.code))
    else:
        result.sort(key=lambda x: (-x.gaps[group], -(x.share(group) or 0.0), x.code))
    return result


def gaps_as_of(
    *,
    actor: User,
    period: Period,
    level: str = c.AreaLevel.DISTRICT,
    district: str = "",
    today: dt.date | None = None,
) -> dt.datetime | None:
    """When the stored counts coverage_gaps would show `actor` now were computed (the variant they read); None when
    they would be computed live."""
    today = today or timezone.localdate()
    params = _gap_params(period, level == c.AreaLevel.VILLAGE, district, today, coordination_less_withdrawn(actor))
    return snapshots.stamp("partners.gaps", params)


def _gap_params(
    period: Period, village_level: bool, district: str, today: dt.date, less_withdrawn: bool = False
) -> dict[str, Any]:
    params = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "village_level": village_level,
        "district": district,
        "today": today.isoformat(),
        "groups": GAP_GROUP_CODES,
    }
    # Only the partner variant names itself: the regency's snapshots keep the keys they had.
    return params | {"less_withdrawn": True} if less_withdrawn else params


def _gap_counts(
    period: Period, village_level: bool, district: str, today: dt.date, less_withdrawn: bool = False
) -> list[dict[str, Any]]:
    """One aggregate query over the regency's residents grouped by area, with a COUNT per group of everyone and of
    the unreached. The same for every reader of the variant: the whole regency, or (`less_withdrawn`, partner staff)
    the regency less whoever withdrew consent to sharing with partners by `today`."""
    area = "household__village" if village_level else "household__village__district"
    people = Person.objects.current().filter(status=rc.PersonStatus.ACTIVE)
    if less_withdrawn:
        people = people.exclude(withdrawn_q(today=today))
    if district:
        people = people.filter(household__village__district=district)
    not_reached = ~reached_ids_q(period)
    aggregates = {}
    for g in GAP_GROUP_CODES:
        q = gap_group_q(g, today, fast=True)
        aggregates[f"total_{g}"] = Count("pk", filter=q)
        aggregates[f"gap_{g}"] = Count("pk", filter=q & not_reached)
    names = [f"{area}__name"] + ([f"{area}__district", f"{area}__district__name"] if village_level else [])
    return list(people.values(area, *names).annotate(residents=Count("pk"), **aggregates).order_by())


def _gap_district_rows(village_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The district rows of the coverage gaps as the sums of their villages' rows (a person lives in one village)."""
    area = "household__village__district"
    districts: dict[str, dict[str, Any]] = {}
    for r in village_rows:
        code = r["household__village__district"]
        row = districts.setdefault(code, {area: code, f"{area}__name": r["household__village__district__name"]})
        for key, value in r.items():
            if key == "residents" or key.startswith(("total_", "gap_")):
                row[key] = row.get(key, 0) + value
    return list(districts.values())


def gaps_refresh() -> None:
    """The default coverage gaps (this year, by village and, summed from them, by district), the regency's and
    partner staff's variant, for the scheduled refresh: one scan of the registry per variant."""
    today = timezone.localdate()
    period = Period.default(today)
    for less_withdrawn in (False, True):
        villages, _at = snapshots.store(
            "partners.gaps",
            _gap_params(period, True, "", today, less_withdrawn),
            functools.partial(_gap_counts, period, True, "", today, less_withdrawn),
        )
        snapshots.store(
            "partners.gaps",
            _gap_params(period, False, "", today, less_withdrawn),
            functools.partial(_gap_district_rows, villages),
        )


def organisations_working(period: Period, village_level: bool) -> dict:
    """Names of organisations (organisers and funders) whose programmes overlapping the period cover each district,
    each village (village level), or the whole regency (programmes naming no area)."""
    programmes = Programme.objects.filter(period.programme_q()).values("pk")
    by_district: dict[str, set[str]] = defaultdict(set)
    by_village: dict[str, set[str]] = defaultdict(set)
    regency: set[str] = set()
    for path in ROLE_PATHS.values():
        org = f"programme__{path}__name"
        for code, name in (
            Programme.districts.through.objects.filter(programme__in=programmes, **{f"{org}__isnull": False})
            .values_list("district_id", org)
            .distinct()
        ):
            by_district[code].add(name)
        village_links = Programme.villages.through.objects.filter(programme__in=programmes, **{f"{org}__isnull": False})
        if village_level:
            for code, name in village_links.values_list("village_id", org).distinct():
                by_village[code].add(name)
        else:
            for code, name in village_links.values_list("village__district_id", org).distinct():
                by_district[code].add(name)
        regency.update(
            Programme.objects.filter(pk__in=programmes)
            .filter(
                ~Exists(Programme.districts.through.objects.filter(programme=OuterRef("pk"))),
                ~Exists(Programme.villages.through.objects.filter(programme=OuterRef("pk"))),
                **{f"{path}__isnull": False},
            )
            .values_list(f"{path}__name", flat=True)
            .distinct()
        )
    return {"district": by_district, "village": by_village, "regency": regency}


def protect_gaps(rows: list[GapRow], totals: dict, shown: Disclosure) -> None:
    """Hide, in the rows and their totals, the counts `shown` may not give exact (core.disclosure.protect_table).

    Each cell shows a group's people and those not reached; the reached are their difference, so a small number
    reached hides the pair too. Each column sums to the totals row."""
    if shown.exact:
        return
    columns = ["residents", *(f"{k}_{g}" for g in GAP_GROUP_CODES for k in ("total", "gap"))]
    sums = [(f"total_{g}", [f"gap_{g}", f"reached_{g}"]) for g in GAP_GROUP_CODES]

    def line(residents, totals_, gaps):
        out = {"residents": residents}
        for g in GAP_GROUP_CODES:
            out |= {f"total_{g}": totals_[g], f"gap_{g}": gaps[g], f"reached_{g}": totals_[g] - gaps[g]}
        return out

    lines = [line(r.residents, r.totals, r.gaps) for r in rows]
    cells = {c["code"]: c for c in totals["cells"]}
    sum_line = line(totals["residents"], {g: cells[g]["total"] for g in cells}, {g: cells[g]["gap"] for g in cells})
    shown.protect_table(lines, columns, row_sums=sums, totals=sum_line)
    for r, out in zip(rows, lines, strict=True):
        r.residents = out["residents"]
        r.totals = {g: out[f"total_{g}"] for g in GAP_GROUP_CODES}
        r.gaps = {g: out[f"gap_{g}"] for g in GAP_GROUP_CODES}
    totals["residents"] = sum_line["residents"]
    for g, cell in cells.items():
        cell["total"], cell["gap"] = sum_line[f"total_{g}"], sum_line[f"gap_{g}"]
        if not isinstance(cell["total"], int) or not isinstance(cell["gap"], int):
            cell["share"] = None


def gap_totals(rows: list[GapRow]) -> dict:
    totals = {g: sum(r.totals[g] for r in rows) for g in GAP_GROUP_CODES}
    gaps = {g: sum(r.gaps[g] for r in rows) for g in GAP_GROUP_CODES}
    return {
        "residents": sum(r.residents for r in rows),
        "cells": [
            {"code": g, "total": totals[g], "gap": gaps[g], "share": 100.0 * gaps[g] / totals[g] if totals[g] else 0}
            for g in GAP_GROUP_CODES
        ],
    }
