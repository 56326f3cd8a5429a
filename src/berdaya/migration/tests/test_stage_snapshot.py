"""The migrants page's regency counts from a stored snapshot equal the direct count; scoped readers count live."""

from __future__ import annotations

from berdaya.core import snapshots
from berdaya.migration import choices as c
from berdaya.migration import selectors
from berdaya.testing import factories as f
from berdaya.testing.migration import episode


def test_stored_stage_counts_equal_the_direct_ones(officer, facilitator, settings):
    mine = f.person(hh=f.household(village="15.02.01.2001"), name="Ani")
    other = f.person(hh=f.household(village="15.02.02.2004"), name="Budi")
    episode(mine, officer, stage=c.Stage.WORKING)
    episode(other, officer, stage=c.Stage.PLANNED, channel=c.Channel.P3MI)
    settings.BERDAYA_AGGREGATE_MAX_AGE = 0
    direct = selectors.stage_summary(actor=officer)
    settings.BERDAYA_AGGREGATE_MAX_AGE = 3600
    assert selectors.stage_summary(actor=officer) == direct  # computed and stored
    third = f.person(hh=f.household(village="15.02.02.2004"), name="Citra")
    episode(third, officer, stage=c.Stage.WORKING)
    stored = selectors.stage_summary(actor=officer)
    assert stored == direct  # the snapshot, until the refresh
    assert {k: n for k, _label, n in stored["stages"]}["working"] == 1
    snapshots.refresh_all()
    assert {k: n for k, _label, n in selectors.stage_summary(actor=officer)["stages"]}["working"] == 2
    # A facilitator of 15.02.01.2001 counts their village, live.
    scoped = selectors.stage_summary(actor=facilitator)
    assert {k: n for k, _label, n in scoped["stages"]} == {s.value: int(s == c.Stage.WORKING) for s in c.Stage}
