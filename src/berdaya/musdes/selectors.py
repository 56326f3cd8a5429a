"""Reads of the village consultation and the DTSEN exchange, scoped to the user (.access, registry.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.core.masking import mask_field, mask_nik
from berdaya.registry import choices as rc
from berdaya.registry.access import household_scope_q, households_visible_to, people_visible_to
from berdaya.registry.consent import excluded_for
from berdaya.targeting import selectors as tsel
from berdaya.targeting.access import run_withheld_from

from . import access
from . import choices as c
from .models import ExportColumn, Meeting, MeetingDecision

POOR = 4  # deciles 1-4: the poorest 40%, the DTSEN cut-off for social assistance


def notice_rows(*, actor: User, meeting: Meeting) -> list[dict[str, Any]]:
    """The village's list for the public notice board: name, hamlet/address, RT/RW, the reason in words, and the
    NIK with no digit shown (core.masking), whoever prints it."""
    qs = (
        access.meeting_candidates(actor, meeting)
        .filter(tsel.final_q())
        .select_related("person__household")
        .order_by("rank", "person__full_name", "id")
    )
    rows = []
    for number, cand in enumerate(qs, start=1):
        person, household = cand.person, cand.person.household
        rows.append(
            {
                "number": number,
                "name": person.full_name,
                "nik": mask_nik(person.nik) or "—",
                "hamlet": household.address or "—",
                "rt_rw": "/".join(x for x in (household.rt, household.rw) if x) or "—",
                "reason": cand.review_reason if cand.review == "added" else cand.reasons,
            }
        )
    return rows


def decisions(*, actor: User, meeting: Meeting) -> QuerySet[MeetingDecision]:
    """The meeting's decisions about people `actor` may see, and none about a run whose list is not shown to them
    (targeting.access.run_withheld_from): a decision to take someone off that list would tell they were on it."""
    if run_withheld_from(actor, meeting.run):
        return meeting.decisions.none()
    return meeting.decisions.filter(person__in=people_visible_to(actor).values("pk")).select_related("person")


# --- SIKS-NG proposal file ---------------------------------------------------------------------------------------

# Source -> the ORM path read from a MeetingDecision row (one query for the whole file, no loop over people).
_PATHS: dict[str, str] = {
    c.Source.NIK: "person__nik",
    c.Source.KK: "person__household__kk_number",
    c.Source.NAME: "person__full_name",
    c.Source.SEX: "person__sex",
    c.Source.BIRTH_PLACE: "person__birth_place",
    c.Source.BIRTH_DATE: "person__birth_date",
    c.Source.RELATIONSHIP: "person__relationship",
    c.Source.ADDRESS: "person__household__address",
    c.Source.RT: "person__household__rt",
    c.Source.RW: "person__household__rw",
    c.Source.VILLAGE_CODE: "meeting__village_id",
    c.Source.VILLAGE_NAME: "meeting__village__name",
    c.Source.DISTRICT_NAME: "meeting__village__district__name",
    c.Source.DECISION: "decision",
    c.Source.REASON: "reason",
    c.Source.DECILE: "person__household__welfare__local_decile",
    c.Source.MEETING_DATE: "meeting__date",
    c.Source.MEETING_REF: "meeting__minutes_number",
    c.Source.PROGRAMME: "meeting__run__ruleset__name",
}
# Kemendagri codes without dots, as national systems write them (15.02.01.2001 -> 1502012001).
_CODE_PARTS: dict[str, int] = {c.Source.PROVINCE_CODE: 2, c.Source.REGENCY_CODE: 4, c.Source.DISTRICT_CODE: 6}


def export_columns(layout: str = "siks-ng") -> list[ExportColumn]:
    return list(ExportColumn.objects.filter(layout=layout, active=True).order_by("position", "id"))


def proposal_meetings(*, actor: User, village_code: str, month: dt.date) -> QuerySet[Meeting]:
    """The applied meetings of a village held in the month of `month` that `actor` may see."""
    return access.meetings_visible_to(actor).filter(
        village_id=village_code,
        status=c.MeetingStatus.APPLIED,
        date__year=month.year,
        date__month=month.month,
    )


def proposal_rows(*, actor: User, meetings: QuerySet[Meeting], columns: list[ExportColumn]) -> Iterator[list[Any]]:
    """One row per person decided on, with the values of `columns`: identifiers masked for a role that does not
    see them, decisions and codes mapped through each column's value map."""
    sees_ids = capabilities(actor).sees_identifiers
    qs = _proposal_decisions(actor=actor, meetings=meetings)
    paths = sorted({_PATHS[col.source] for col in columns if col.source in _PATHS} | {"meeting__village_id"})
    for values in qs.order_by("meeting__date", "person__household_id", "person_id").values(*paths).iterator(2000):
        row = []
        for col in columns:
            if col.source == c.Source.FIXED:
                value: Any = col.fixed
            elif col.source in _CODE_PARTS:
                value = values["meeting__village_id"].replace(".", "")[: _CODE_PARTS[col.source]]
            else:
                path = _PATHS[col.source]
                value = values[path]
                if path == "meeting__village_id":
                    value = value.replace(".", "")
                if not sees_ids:
                    value = mask_field(path, value)
            if col.values and value is not None and str(value) in col.values:
                value = col.values[str(value)]
            row.append(value)
        yield row


# --- DTSEN reconciliation ----------------------------------------------------------------------------------------


def _poor(field: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}welfare__{field}__lte": POOR})


def reconciliation_q(prefix: str = "") -> dict[str, Q]:
    """The three groups of the reconciliation, as conditions on Household (or on a model reaching it through
    `prefix`). A household without an official decile is not in DTSEN deciles 1-4; without a score, not poor by
    Berdaya's score."""
    local, official = _poor("local_decile", prefix), _poor("official_decile", prefix)
    return {"both": local & official, "berdaya_only": local & ~official, "dtsen_only": official & ~local}


RECONCILIATION_LABELS = {
    "berdaya_only": "Miskin menurut skor Berdaya, tidak di desil 1-4 DTSEN",
    "dtsen_only": "Desil 1-4 DTSEN, tidak miskin menurut skor Berdaya",
}


def reconciliation(*, actor: User) -> list[dict[str, Any]]:
    """Per village the user may see: households poor (deciles 1-4) by both Berdaya's score and DTSEN, by
    Berdaya's score only, and by DTSEN only. One aggregate query over the households (set-based)."""
    groups = reconciliation_q()
    qs = (
        households_visible_to(actor)
        .filter(status=rc.HouseholdStatus.ACTIVE)
        .filter(_poor("local_decile") | _poor("official_decile"))
        .values("village_id", "village__name", "village__district__name")
        .annotate(**{name: Count("pk", filter=q) for name, q in groups.items()})
        .order_by("village__district__name", "village__name")
    )
    return list(qs)


RECONCILIATION_HEADER = [
    "kode_desa",
    "desa",
    "id_rumah_tangga",
    "no_kk",
    "kepala_rumah_tangga",
    "alamat",
    "rt",
    "rw",
    "desil_berdaya",
    "desil_dtsen",
    "kelompok",
]


def reconciliation_households(*, actor: User, village_code: str = "") -> Iterator[list[Any]]:
    """The households behind the report, one row each (by the head's name), for the next musdes: identifiers
    masked for a role that does not see them. Columns: RECONCILIATION_HEADER."""
    sees_ids = capabilities(actor).sees_identifiers
    groups = reconciliation_q("household__")
    heads = people_visible_to(actor).filter(
        relationship=rc.Relationship.HEAD,
        status=rc.PersonStatus.ACTIVE,
        household__status=rc.HouseholdStatus.ACTIVE,
    )
    if village_code:
        heads = heads.filter(household__village_id=village_code)
    for name, label in RECONCILIATION_LABELS.items():
        rows = (
            heads.filter(groups[name])
            .order_by("household__village_id", "full_name", "pk")
            .values_list(
                "household__village_id",
                "household__village__name",
                "household_id",
                "household__kk_number",
                "full_name",
                "household__address",
                "household__rt",
                "household__rw",
                "household__welfare__local_decile",
                "household__welfare__official_decile",
            )
        )
        for r in rows.iterator(2000):
            row = list(r)
            if not sees_ids:
                for i, fieldname in ((3, "kk_number"), (5, "address"), (6, "rt"), (7, "rw")):
                    row[i] = mask_field(fieldname, row[i])
            yield [*row, label]


def _proposal_decisions(*, actor: User, meetings: QuerySet[Meeting]) -> QuerySet[MeetingDecision]:
    """The decisions a proposal file carries: in the actor's scope, less the people who withdrew consent to sharing
    their data with other agencies (registry.consent)."""
    scope = household_scope_q(actor, "person__household__")
    qs = MeetingDecision.objects.filter(meeting__in=meetings).exclude(excluded_for(rc.ConsentPurpose.SHARING, "person"))
    return qs if scope is None else qs.filter(scope)


def proposal_rows_count(*, actor: User, meetings: QuerySet[Meeting]) -> int:
    return _proposal_decisions(actor=actor, meetings=meetings).count()
