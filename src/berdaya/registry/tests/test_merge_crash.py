"""A merge killed with SIGKILL at random points (10 tries, issue 21.6) leaves both records as they were or the whole
merge: every row moved and recorded, so that undo puts back exactly what was there. A merge is no background job
(an officer merges one pair at a time: dedup has no bulk merge), so no worker's recovery is involved: the dead
connection's transaction is simply gone."""

from __future__ import annotations

from typing import Any

import pytest

from berdaya.core.models import AuditEvent
from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import Person, PersonMerge, PersonMergeMove
from berdaya.testing.crash import Outcome, kill_at_random_statements
from berdaya.testing.merge import merge_world

from .test_merge import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_killed_merge_leaves_nothing_or_the_whole_merge(tmp_path, areas):
    # given one world of two records with rows in every table that points at a person
    world = merge_world()
    trio = (world.survivor.pk, world.merged.pk, world.relative.pk)

    def state() -> dict[str, Any]:
        return {
            "rows": snapshot(*Person.objects.filter(pk__in=trio)),
            "history": Person.history.filter(id__in=trio).count(),
            "audit": AuditEvent.objects.filter(detail__event="person_merge").count(),
        }

    before = state()
    whole: list[int] = []

    def check(outcome: Outcome) -> None:
        now = state()
        record = PersonMerge.objects.filter(merged=world.merged, undone_at__isnull=True).first()
        if record is None:
            # nothing of it: every row as it was, no move recorded, no history or audit of a merge
            assert not outcome.finished_before_kill, outcome
            assert now == before, outcome
            assert not PersonMergeMove.objects.filter(merge__undone_at__isnull=True).exists(), outcome
            return
        # the whole merge: the alias, every move (as many as a merge run to its end made), its history and audit
        merged = Person.objects.get(pk=world.merged.pk)
        assert (merged.status, merged.merged_into_id) == (c.PersonStatus.MERGED, world.survivor.pk), outcome
        whole.append(record.moves.count())
        assert whole[-1] == whole[0] > 10, outcome
        assert now["audit"] == before["audit"] + 1 and now["history"] > before["history"], outcome
        # undo puts back exactly what was there (and readies the world for the next try)
        services.person_merge_undo(actor=world.officer, merge_record=record, reason="Salah gabung")
        before.update(history=Person.history.filter(id__in=trio).count(), audit=now["audit"])
        assert state() == before, outcome

    case = {"actor_id": world.officer.pk, "survivor_id": world.survivor.pk, "merged_id": world.merged.pk}
    outcomes = kill_at_random_statements(tmp_path, case, "berdaya.testing.merge.merge_by_ids", check)

    killed = [o for o in outcomes if not o.finished_before_kill]
    assert len(killed) >= 9, "the kills land inside the merge, or the test proves little"
    assert whole, "the merge run to its end was checked too"
