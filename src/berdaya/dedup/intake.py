# SQL here is assembled only from table names given by registry.matching's caller (the import pipeline).
# ruff: noqa: S608
"""The deduplication engine in the registry's checks before saving (registry.matching), registered from
DedupConfig.ready():

- the form provider: a household's members or a member added are scored by `incremental.likely_matches` (Splink,
  the latest run's model), each match with the fields that weigh for it, in Indonesian (stored so, translated where shown);
- the batch provider: an import's new rows, scored the same way in groups (incremental.GROUP per Splink call); a
  batch larger than BATCH_MAX is left to the exact rules and the next full run, so an import of a whole list never
  waits on record-by-record candidate lookups;
- the "bukan orang yang sama" an officer confirmed on a form becomes a "different" decision (PairDecision), so no
  run proposes the pair again; only for a match the officer could see (registry.DistinctConfirmation.other_visible).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_noop

from berdaya.registry.duplicates import Facts
from berdaya.registry.matching import REASON_SEPARATOR, Candidate
from berdaya.registry.models import DistinctConfirmation

from .incremental import likely_matches

BATCH_MAX = 5_000  # new rows of one import scored by the engine; more are left to the next full run


def _record(facts: Facts) -> dict[str, Any]:
    return {
        "full_name": facts.full_name,
        "birth_date": facts.birth_date,
        "sex": facts.sex or None,
        "village_id": facts.village_id,
        "nik": facts.nik or None,
        "kk_number": facts.kk_number or None,
        "phone": facts.phone or None,
        "birth_place": facts.birth_place or None,
    }


# Said when no field weighs for a match (the score alone does).
BY_SCORE = gettext_noop("skor kecocokan")


def _reasons(explanation: list[dict[str, Any]]) -> tuple[str, ...]:
    """The fields that speak for the match, strongest first, in the engine's Indonesian labels: stored as they are
    and translated where shown (registry.matching.reasons_shown)."""
    weighing = sorted((e for e in explanation if (e.get("weight") or 0) > 0), key=lambda e: -e["weight"])
    return tuple(str(e["label"]) for e in weighing) or (BY_SCORE,)


# Exact identifiers: agreements that do not follow from a shared birth date and village.
_IDENTIFYING = {("nik", "NIK sama"), ("phone", "Nomor HP sama"), ("other_id", "ID lain sama")}


def _names_share_nothing(explanation: list[dict[str, Any]]) -> bool:
    """The names share nothing ("Nama berbeda") and no exact identifier agrees. Such a match is not held on a form
    or an import: a neighbour born the same day in the same village also has a NIK one digit away (the NIK repeats
    the district and birth date; only the serial differs) and often a KK number a digit or two away (issued in the
    same district), so the model, which takes those levels as independent evidence, scores two different people
    near 1. The full runs still propose such pairs for review."""
    if not any(e.get("field") == "name" and e.get("label") == "Nama berbeda" for e in explanation):
        return False
    return not any((e.get("field"), e.get("label")) in _IDENTIFYING for e in explanation)


def form_provider(records: Sequence[Facts]) -> list[list[Candidate]]:
    # The people who share nothing but a birth date and a place with a record are left out before scoring (they
    # would be dropped below): the same matches, at a fraction of the cost for a new family.
    found = likely_matches([_record(r) for r in records], unless_names_differ=_IDENTIFYING)
    return [
        [
            Candidate(m.person_id, _reasons(m.explanation), round(m.probability, 4))
            for m in ms
            if not _names_share_nothing(m.explanation)
        ]
        for ms in found
    ]


def batch_provider(*, duck: Any, records: str, into: str) -> None:
    rows = duck.execute(
        f"SELECT row_no, full_name, birth_date, village_id, nik, sex, kk_number, phone, birth_place FROM {records} "
        f"ORDER BY row_no LIMIT {BATCH_MAX + 1}"
    ).fetchall()
    if not rows or len(rows) > BATCH_MAX:
        return
    facts = [
        Facts(
            full_name=n or "",
            birth_date=b,
            village_id=v,
            nik=k,
            sex=s or "",
            kk_number=kk or "",
            phone=p or "",
            birth_place=bp or "",
        )
        for _row, n, b, v, k, s, kk, p, bp in rows
    ]
    out = []
    for (row_no, *_rest), candidates in zip(rows, form_provider(facts), strict=True):
        out += [(row_no, c.person_id, REASON_SEPARATOR.join(c.reasons), c.score) for c in candidates]
    if out:
        duck.executemany(f"INSERT INTO {into} VALUES (?, ?, ?, ?)", out)


def remember_different(confirmation: DistinctConfirmation) -> None:
    """A confirmed "bukan orang yang sama" of a match the officer could see: a "different" decision."""
    from .models import PairDecision

    if not confirmation.other_visible:
        return
    low, high = sorted([confirmation.person_id, confirmation.other_id])
    PairDecision.objects.update_or_create(
        person_low_id=low,
        person_high_id=high,
        defaults={
            "decision": PairDecision.Decision.DIFFERENT,
            "actor_id": confirmation.confirmed_by_id,
            "reason": confirmation.reason[:300],
        },
    )
