# SQL here is assembled only from table names given by the calling code and from registry.duplicates' SQL form.
# ruff: noqa: S608
"""Likely matches of new records against the whole registry, before they are saved.

The registry sits below the deduplication app, so it keeps the hook and the apps above fill it:

- `register_match_provider(name, fn)`: `fn(records: Sequence[Facts]) -> list[list[Candidate]]`, one list of
  candidates per record, for a form (a household and its members, a member added; later the API and ODK).
- `register_batch_provider(name, fn)`: `fn(*, duck, records, into) -> None`, the set-based form for an import
  batch: `records` is a DuckDB table (row_no and Facts' fields: full_name, birth_date, village_id, nik, sex,
  kk_number, phone, birth_place) and the provider INSERTs (row_no, person_id, reason, score) into the DuckDB table
  `into`. The import pulls the registry people a provider needs itself (the built-in provider gets them in the
  table `reg_people`).
- `register_distinct_listener(name, fn)`: `fn(confirmation)` for each DistinctConfirmation written (the officer said
  "bukan orang yang sama"), so the deduplication app remembers it as a "different" decision.

The built-in provider ("exact") applies the exact rules of registry.duplicates, so the hook works with no
deduplication app installed; dedup registers its Splink provider beside it from its AppConfig.ready(). Candidates of
every provider are merged per person, their reasons joined.

Matching runs over the whole registry, whatever the officer's scope: a duplicate outside it is a duplicate too.
What the officer is shown is scoped (`scoped_matches`): a match outside their scope says only that a possible
duplicate exists elsewhere and whom to ask, never a name, number or place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext, ngettext_lazy

from .choices import PersonStatus
from .duplicates import REASONS, Columns, Facts, exact_reason, exact_reason_sql, name_key_sql
from .identity import normalise_identity

if TYPE_CHECKING:
    from berdaya.accounts.models import User

    from .models import DistinctConfirmation, Person

# Said to an officer when a likely match lies outside what they may see.
# Indonesian has one form; English needs two ("1 record", "2 records"): n is the key of the format's dict.
ELSEWHERE = ngettext_lazy(
    "Kemungkinan data ganda ditemukan di luar wilayah atau organisasi Anda (%(n)s data). Datanya tidak ditampilkan; "
    "hubungi petugas dinas kabupaten (admin registri) untuk memeriksanya.",
    "Kemungkinan data ganda ditemukan di luar wilayah atau organisasi Anda (%(n)s data). Datanya tidak ditampilkan; "
    "hubungi petugas dinas kabupaten (admin registri) untuk memeriksanya.",
    "n",
)


@dataclass(frozen=True)
class Candidate:
    """A registered person who may be the same as a new record, and why in words (score: a provider's match
    probability, None for the exact rules)."""

    person_id: int
    reasons: tuple[str, ...]  # Indonesian, as stored (DistinctConfirmation.reasons, an import's held rows)
    score: float | None = None

    @property
    def reasons_shown(self) -> str:
        return reasons_shown(self.reasons)


REASON_SEPARATOR = "; "  # between the reasons of one match, when stored as one text


def reasons_shown(reasons: Sequence[str]) -> str:
    """The reasons in the reader's language, for display only: each is a msgid (a provider's Indonesian words, e.g.
    the engine's labels, linkage.FIELDS, or duplicates.REASONS), stored as is and translated here; a stored text that
    joins several (an import's held rows) is split first. Words no catalogue knows are shown as they are."""
    words = (gettext(part) for reason in reasons for part in reason.split(REASON_SEPARATOR) if part)
    return REASON_SEPARATOR.join(dict.fromkeys(words))


Provider = Callable[[Sequence[Facts]], list[list[Candidate]]]
BatchProvider = Callable[..., None]
DistinctListener = Callable[["DistinctConfirmation"], None]

_providers: dict[str, Provider] = {}
_batch_providers: dict[str, BatchProvider] = {}
_distinct_listeners: dict[str, DistinctListener] = {}


def register_match_provider(name: str, fn: Provider) -> None:
    """Add (or, under a name already used, replace) a provider of likely matches for a few records."""
    _providers[name] = fn


def register_batch_provider(name: str, fn: BatchProvider) -> None:
    """Add (or replace) the set-based provider of likely matches for an import batch."""
    _batch_providers[name] = fn


def register_distinct_listener(name: str, fn: DistinctListener) -> None:
    _distinct_listeners[name] = fn


def providers() -> dict[str, Provider]:
    return dict(_providers)


def batch_providers() -> dict[str, BatchProvider]:
    return dict(_batch_providers)


def distinct_confirmed(confirmation: DistinctConfirmation) -> None:
    for listener in _distinct_listeners.values():
        listener(confirmation)


def likely_matches_for(records: Sequence[Facts], *, exclude: Sequence[int] = ()) -> list[list[Candidate]]:
    """Every provider's candidates for each record, merged per person (reasons joined, the highest score kept), living
    people only; `exclude`: people not to propose (the record itself, when it is already saved)."""
    merged: list[dict[int, Candidate]] = [{} for _record in records]
    for provider in _providers.values():
        for index, candidates in enumerate(provider(records)):
            for candidate in candidates:
                if candidate.person_id in exclude:
                    continue
                known = merged[index].get(candidate.person_id)
                if known is None:
                    merged[index][candidate.person_id] = candidate
                    continue
                scores = [s for s in (known.score, candidate.score) if s is not None]
                merged[index][candidate.person_id] = Candidate(
                    candidate.person_id,
                    tuple(dict.fromkeys((*known.reasons, *candidate.reasons))),
                    max(scores) if scores else None,
                )
    # Only the living are proposed, whichever provider found them: a new record may carry a deceased person's NIK.
    from .models import Person

    ids = {pk for found in merged for pk in found}
    deceased = (
        set(Person.objects.filter(pk__in=ids, status=PersonStatus.DECEASED).values_list("pk", flat=True))
        if ids
        else set()
    )
    return [[c for pk, c in found.items() if pk not in deceased] for found in merged]


# --- the built-in provider: the exact rules ------------------------------------------------------------------------
def person_facts(person: Person) -> Facts:
    """What the matching rules read of `person` and their household (saved or not: a form's member is checked before
    anything is saved)."""
    household = person.household
    return Facts(
        full_name=person.full_name,
        birth_date=person.birth_date,
        village_id=household.village_id,
        nik=person.nik,
        sex=person.sex,
        kk_number=household.kk_number,
        phone=person.phone,
        birth_place=person.birth_place,
    )


def exact_provider(records: Sequence[Facts]) -> list[list[Candidate]]:
    """The living people who are the same as each record by an exact rule: one query for all the records (by NIK
    and by village and birth date, both indexed lookups), the rule itself applied by duplicates.exact_reason."""
    from .models import Person

    niks = {normalise_identity(r.nik) for r in records if r.nik}
    niks.discard("")
    places = {(r.village_id, r.birth_date) for r in records if r.village_id and r.birth_date}
    if not niks and not places:
        return [[] for _record in records]
    where = Q(nik__in=sorted(niks)) if niks else Q(pk__in=[])
    for village, birth in places:
        where |= Q(household__village_id=village, birth_date=birth)
    rows = Person.objects.living().filter(where).select_related("household")
    known = [(p.pk, person_facts(p)) for p in rows]
    out: list[list[Candidate]] = []
    for record in records:
        found = []
        for pk, facts in known:
            reason = exact_reason(record, facts)
            if reason is not None:
                found.append(Candidate(pk, (REASONS[reason],)))
        out.append(found)
    return out


def exact_batch_provider(*, duck: Any, records: str, into: str) -> None:
    """exact_provider for an import batch, in DuckDB: the file's rows against `reg_people` (the registry people the
    import pulled: same NIK, or same village and birth date)."""
    file_side = Columns.of("r")
    registry_side = Columns.of("p")
    reason = exact_reason_sql(file_side, registry_side, a_key="r.name_key", b_key="p.name_key")
    cases = " ".join(f"WHEN {_sql_text(code)} THEN {_sql_text(words)}" for code, words in REASONS.items())
    duck.execute(
        f"INSERT INTO {into} SELECT row_no, id, CASE reason {cases} END, NULL FROM ("
        f"SELECT r.row_no, p.id, {reason} AS reason FROM "
        f"(SELECT *, {name_key_sql('full_name')} AS name_key FROM {records}) r JOIN "
        f"(SELECT *, {name_key_sql('full_name')} AS name_key FROM reg_people) p "
        "ON (p.nik = r.nik OR (p.village_id = r.village_id AND p.birth_date = r.birth_date))"
        ") WHERE reason IS NOT NULL"
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


register_match_provider("exact", exact_provider)
register_batch_provider("exact", exact_batch_provider)


# --- what an officer is shown ----------------------------------------------------------------------------------------
@dataclass
class ScopedMatches:
    """The likely matches of one record as `actor` may see them: the people in their scope with the reasons, and
    how many lie outside it (nothing more about those)."""

    visible: list[tuple[Person, Candidate]] = field(default_factory=list)
    hidden: list[Candidate] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)

    @property
    def elsewhere(self) -> str:
        return str(ELSEWHERE % {"n": len(self.hidden)}) if self.hidden else ""


def scoped_matches(actor: User, candidates: Sequence[Candidate]) -> ScopedMatches:
    from .access import people_visible_to

    ids = [c.person_id for c in candidates]
    people = {p.pk: p for p in people_visible_to(actor).filter(pk__in=ids).select_related("household__village")}
    shown = ScopedMatches()
    for candidate in candidates:
        person = people.get(candidate.person_id)
        if person is None:
            shown.hidden.append(candidate)
        else:
            shown.visible.append((person, candidate))
    return shown
