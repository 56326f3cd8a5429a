"""The demo's steps after the people, in the order each needs the ones before it: programmes over the people,
partners over the programmes, migration and inclusion over the people, prices, farms over the trained farmers and
the prices, welfare scores over everything, targeting over the programmes and the scores, village consultations
over the list targeting leaves in review, grievances over the people, the programmes and that list (one objection
is applied to it), data-subject requests over the people, outcome surveys over the enrolments and the scores
(comparison people are matched on the decile).

`berdaya demo` runs them all after the people; each step is also a command of its own (demo_programmes, ...). One
list, so that `make run`, the commands and the tests' demo world cannot disagree on the order.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from berdaya.demo import monitoring

# (command, its options beyond --seed and --if-empty that a caller may set)
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("demo_programmes", ()),
    ("demo_partners", ()),
    ("demo_migration", ("episodes", "disabilities")),
    ("demo_markets", ()),
    ("demo_farming", ("farmers",)),
    ("welfare", ()),
    ("demo_targeting", ()),
    ("demo_musdes", ()),
    ("demo_grievances", ()),
    ("demo_privacy", ()),
    ("demo_outcomes", ()),
    ("monitoring", ()),
]


def build_domains(*, seed: int, if_empty: bool, stdout: Any, **sizes: int) -> None:
    """Every step after the people. `sizes` sets a step's own options (episodes, disabilities, farmers)."""
    unknown = set(sizes) - {key for _name, own in STEPS for key in own}
    if unknown:
        raise TypeError(f"No demo step takes {sorted(unknown)}")
    for name, own in STEPS:
        if name == "monitoring":
            # Last: the dashboard's analytics tables read everything built before them.
            monitoring.build(stdout=stdout)
            continue
        if name == "welfare":
            # Scores are recomputed each time (set-based, seconds): targeting reads them.
            call_command("welfare", "compute", stdout=stdout)
            continue
        options = {key: sizes[key] for key in own if key in sizes}
        call_command(name, seed=seed, if_empty=if_empty, stdout=stdout, **options)
