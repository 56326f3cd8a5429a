"""Small counts on aggregate pages and exports (statistical disclosure control, UU 27/2022).

A count of 1 to 4 people in one village or group can point to a person. Whoever may see every person a count is
made of reads it exact; everyone else reads "<5", and no share (percentage) is shown whose part is small, since the
share and its whole would give the part back. Every aggregate page and export asks this module: one rule.

Which counts a user may read exact depends on whose people are counted, so there are two entry points, one per
population in berdaya.core.scoping:
- `for_aggregates(user)`: counts over people_for_aggregates (the dashboard, /inklusi/, /migran/, the regency
  profile, programme figures). Roles that see people count their own (exact); viewers count the regency (<5).
- `for_coordination(user)`: counts over people_for_coordination (the 4W matrix, coverage gaps and their exports),
  regency-wide for every role: exact only for officers and admins, who see the whole registry anyway.
Not covered: a suppressed cell can still be rebuilt from an exact total and its other cells (complementary
suppression); docs/security.md says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .scoping import Role, capabilities

SMALL_COUNT = 5
SUPPRESSED = f"<{SMALL_COUNT}"


def is_small(value) -> bool:
    try:
        return 0 < int(value) < SMALL_COUNT
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Disclosure:
    """How one page shows counts to one user."""

    exact: bool

    def count(self, value):
        """The count itself, or "<5" for a small count the user may not read exact."""
        if not self.exact and is_small(value):
            return SUPPRESSED
        return value

    def share(self, part, whole) -> float | None:
        """`part` as a percentage of `whole`; None where it would reveal a suppressed count (or whole is 0)."""
        try:
            part, whole = float(part), float(whole)
        except (TypeError, ValueError):
            return None
        if not whole or (not self.exact and (is_small(part) or is_small(whole))):
            return None
        return 100.0 * part / whole


EXACT = Disclosure(exact=True)
SUPPRESSING = Disclosure(exact=False)


def for_aggregates(user) -> Disclosure:
    """Counts over people_for_aggregates: exact for roles that see (their own) people, suppressed for viewers."""
    return Disclosure(exact=capabilities(user).sees_people)


def for_coordination(user) -> Disclosure:
    """Counts over people_for_coordination (regency-wide for every role): exact for officers and admins only."""
    return Disclosure(exact=capabilities(user).role in {Role.ADMIN, Role.OFFICER})


def disclosure_of(value) -> Disclosure:
    """A Disclosure as given, or the coordination rule for a role's Capabilities (the `small` filter's argument)."""
    if isinstance(value, Disclosure):
        return value
    return Disclosure(exact=bool(value) and getattr(value, "role", "") in {Role.ADMIN, Role.OFFICER})
