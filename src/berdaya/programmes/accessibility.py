"""What participants need of a session, and whether its venue and materials provide it.

Programmes owns the sessions and the features they provide (SESSION_FEATURES, boolean fields of Session). What each
person needs is recorded above programmes in the layers, by berdaya.inclusion (a disability profile, else needs
inferred from the WG-SS answers): inclusion registers its answer here from its AppConfig.ready(), so programmes never
imports it. Until an app registers one, nobody is known to need anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SESSION_FEATURES = ("step_free", "sign_language", "large_print", "easy_read")

FeaturesNeeded = Callable[[Iterable[int]], dict[int, list[str]]]


@dataclass(frozen=True)
class NeedsSource:
    """`features_needed(person_ids)`: per person, the session features they need, in the order their needs are
    listed (people who need none are absent); `feature_label(feature)`: what a feature provides, in Indonesian."""

    features_needed: FeaturesNeeded
    feature_label: Callable[[str], str]


_NOBODY = NeedsSource(features_needed=lambda person_ids: {}, feature_label=str)
_sources: dict[str, NeedsSource] = {}


def register_needs_source(*, features_needed: FeaturesNeeded, feature_label: Callable[[str], str]) -> None:
    """The one app that records support needs registers here (again from a second ready(): it replaces itself)."""
    _sources["needs"] = NeedsSource(features_needed=features_needed, feature_label=feature_label)


def _source() -> NeedsSource:
    return _sources.get("needs", _NOBODY)


def features_needed(person_ids: Iterable[int]) -> dict[int, list[str]]:
    return _source().features_needed(person_ids)


def feature_label(feature: str) -> str:
    return _source().feature_label(feature)


def session_flags_of(session: Any) -> dict[str, bool]:
    """The accessibility features of a Session (or anything with those boolean attributes)."""
    return {feature: bool(getattr(session, feature, False)) for feature in SESSION_FEATURES}


def unmet_features(session_flags: Mapping[str, Any], features: Iterable[str]) -> list[str]:
    """The labels of the features a session does not provide, in the order asked; empty when it provides them all.
    A feature that is absent from `session_flags` counts as not provided: an officer should check rather than assume."""
    return [feature_label(feature) for feature in features if not session_flags.get(feature)]


def unmet_by_session(person_ids: Iterable[int], sessions: Iterable[Any]) -> dict[Any, dict[int, list[str]]]:
    """Per session, the people whose needs it cannot meet and which needs. Sessions and people that fit are absent.
    The queries are those of the needs (two with inclusion), none per session."""
    needs = features_needed(person_ids)
    result: dict[Any, dict[int, list[str]]] = {}
    for session in sessions:
        flags = session_flags_of(session)
        for pid, wanted in needs.items():
            unmet = unmet_features(flags, wanted)
            if unmet:
                result.setdefault(getattr(session, "pk", session), {})[pid] = unmet
    return result


def feature_counts(person_ids: Iterable[int]) -> dict[str, int]:
    """How many of these people need each session feature; features nobody needs are absent."""
    counts: dict[str, int] = defaultdict(int)
    for wanted in features_needed(person_ids).values():
        for feature in wanted:
            counts[feature] += 1
    return dict(counts)
