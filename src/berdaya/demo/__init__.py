"""Demo data for every domain: the top layer, which may import any app and which no app imports.

`berdaya demo` builds the whole demo in `make run`'s order (STEPS in `steps.py`); each step keeps its own command
(demo_programmes, demo_partners, ...) for building one domain at a time. The builders are plain functions, one
module per domain app they fill (registry.py: people, households, groups and the demo logins; programmes.py; ...),
and `logins.py` collects the table of every demo login that `make run` prints last.
"""
