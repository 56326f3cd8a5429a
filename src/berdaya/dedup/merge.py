"""Dedup's own tables in a merge (registry.merge): pairs, decisions and match keys describe the records, not the
person, so they stay with the alias (the pair that led to the merge keeps pointing at both records)."""

from __future__ import annotations

from berdaya.registry.merge import keep_with_alias, register_merge_handler


def register() -> None:
    for label, field in [
        ("dedup.MatchPair", "person_low"),
        ("dedup.MatchPair", "person_high"),
        ("dedup.PairDecision", "person_low"),
        ("dedup.PairDecision", "person_high"),
        ("dedup.PersonKey", "person"),
    ]:
        register_merge_handler(label, field, keep_with_alias)
