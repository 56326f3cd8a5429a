"""Small counts on aggregate pages and exports (statistical disclosure control, UU 27/2022).

A count of 1 to 4 people in one village or group can point to a person. Whoever may see every person a count is
made of reads it exact; everyone else reads "<5", and no share (percentage) is shown whose part is small, since the
share and its whole would give the part back. Every aggregate page and export asks this module: one rule.

Which counts a user may read exact depends on whose people are counted, so there are two entry points, one per
population of the access rules:
- `for_aggregates(user)`: counts over people_for_aggregates (registry.access: the dashboard, /inklusi/, /migran/,
  the regency profile, programme figures). Roles that see people count their own (exact); viewers count the regency
  (<5).
- `for_coordination(user)`: counts over people_for_coordination (partners.access: the 4W matrix, coverage gaps and
  their exports), regency-wide for every role (for partner staff less whoever withdrew consent to sharing with
  partners): exact only for officers and admins, who see the whole registry anyway.
Where a table shows parts with their total, hiding the small part alone is not enough: the total minus the other
parts gives it back. `Disclosure.protect` is the one rule for such tables (secondary suppression): in every sum
that has exactly one hidden cell that is small (a suppressed count, or a part the table leaves out but the
difference gives), the next-smallest shown part is hidden too (the total when no part is left), until no sum
gives a small count back. `protect_table` applies it to a table of rows with a totals row.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .access import REGENCY_WIDE, AnyUser, capabilities

SMALL_COUNT = 5
SUPPRESSED = f"<{SMALL_COUNT}"

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def is_small(value: Any) -> bool:
    try:
        return 0 < int(value) < SMALL_COUNT
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Disclosure:
    """How one page shows counts to one user."""

    exact: bool

    def count(self, value: V) -> V | str:
        """The count itself, or "<5" for a small count the user may not read exact."""
        if not self.exact and is_small(value):
            return SUPPRESSED
        return value

    def share(self, part: Any, whole: Any) -> float | None:
        """`part` as a percentage of `whole`; None where it would reveal a suppressed count (or whole is 0)."""
        try:
            part, whole = float(part), float(whole)
        except (TypeError, ValueError):
            return None
        if not whole or (not self.exact and (is_small(part) or is_small(whole))):
            return None
        return 100.0 * part / whole

    def protect(
        self, values: dict[K, Any], sums: Iterable[tuple[K, Sequence[K]]], shown: Iterable[K] | None = None
    ) -> set[K]:
        """The keys of `values` to show as "<5": the small counts, and enough others that no sum gives one back.

        `sums` is a list of (total key, [part keys]) with values[total] == sum of its parts. Keys not in `shown`
        (default: all) are cells the table leaves out: a small one must not follow from the others either."""
        if self.exact:
            return set()
        visible = set(values) if shown is None else set(shown)
        hidden = {k for k in values if k not in visible or is_small(values[k])}
        changed = True
        while changed:
            changed = False
            for total, parts in sums:
                alone = [k for k in (total, *parts) if k in hidden]
                if len(alone) != 1 or not is_small(values[alone[0]]):
                    continue
                # Hide the smallest other part (a zero is shown as known, so it would not help), else the total.
                others = sorted(
                    (k for k in parts if k not in hidden and int(values[k] or 0) > 0), key=lambda k: values[k]
                )
                hidden.add(others[0] if others else total)
                changed = True
        return hidden & visible

    def protect_table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[str],
        *,
        row_sums: Sequence[tuple[str, Sequence[str]]] = (),
        totals: dict[str, Any] | None = None,
    ) -> None:
        """Replace in place, in `rows` and `totals`, every count `protect` hides by "<5".

        `columns`: the keys shown; `row_sums`: (total, [parts]) within each row (a part not in `columns` is left
        out by the table but still counted, e.g. men beside a "women" column); `totals`: the shown row of column
        sums (each column of `columns` sums the rows), or None."""
        if self.exact:
            return
        keys = [*columns, *(k for t, parts in row_sums for k in (t, *parts) if k not in columns)]
        lines: dict[int | str, dict[str, Any]] = dict(enumerate(rows))
        if totals is not None:
            lines["total"] = {k: totals.get(k, sum(int(r.get(k) or 0) for r in rows)) for k in keys}
        values = {(i, k): int(line.get(k) or 0) for i, line in lines.items() for k in keys}
        shown = {(i, k) for i in lines for k in columns}
        sums: list[tuple[tuple[int | str, str], list[tuple[int | str, str]]]] = [
            ((i, t), [(i, k) for k in parts]) for i in lines for t, parts in row_sums
        ]
        if totals is not None:
            sums += [(("total", k), [(i, k) for i in range(len(rows))]) for k in keys]
        for i, key in self.protect(values, sums, shown):
            if isinstance(i, int):
                rows[i][key] = SUPPRESSED
            elif totals is not None:  # i == "total"
                totals[key] = SUPPRESSED


EXACT = Disclosure(exact=True)
SUPPRESSING = Disclosure(exact=False)


def for_aggregates(user: AnyUser) -> Disclosure:
    """Counts over people_for_aggregates: exact for roles that see (their own) people, suppressed for viewers."""
    return Disclosure(exact=capabilities(user).sees_people)


def for_coordination(user: AnyUser) -> Disclosure:
    """Counts over people_for_coordination (regency-wide for every role, partner staff's less whoever withdrew consent
    to sharing with partners): exact for officers and admins only."""
    return Disclosure(exact=capabilities(user).regency_wide)


def disclosure_of(value: Any) -> Disclosure:
    """A Disclosure as given, or the coordination rule for a role's Capabilities (the `small` filter's argument)."""
    if isinstance(value, Disclosure):
        return value
    return Disclosure(exact=bool(value) and getattr(value, "role", "") in REGENCY_WIDE)
