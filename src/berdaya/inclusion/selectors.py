"""Reads of disability inclusion: support needs vs. session accessibility, and disaggregation by disability.

`session_features_needed` is what berdaya.programmes asks (through programmes.accessibility, where inclusion
registers it) at enrolment to flag the sessions whose venue cannot accommodate a person; `disaggregate_by_disability`
serves every indicator and list that must be split by disability (yes/no and WG-SS domain).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, overload

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core import snapshots
from berdaya.programmes import accessibility
from berdaya.registry import choices as rc
from berdaya.registry.access import people_for_aggregates, people_visible_to, regency_wide_aggregates
from berdaya.registry.models import Household, Person, PersonQuerySet
from berdaya.registry.vulnerability import flag_fast_q, flag_q

from . import choices as c
from .models import AssistiveDevice, DisabilityProfile

# WG-SS domains by short key (the field name without "wgss_"), in the order they are asked.
DOMAINS: list[tuple[str, str, Any]] = [(field.removeprefix("wgss_"), field, label) for field, label in rc.WGSS_DOMAINS]


# --- Support needs and session accessibility ---------------------------------------------------------------------


def support_needs_for(person_ids: Iterable[int]) -> dict[int, set[str]]:
    """The support needs (SupportNeed codes) of each person, in two queries whatever the number of people.

    Recorded needs (DisabilityProfile) win; a person with no profile gets needs inferred from their WG-SS answers
    (choices.WGSS_INFERRED_NEEDS). People with no needs are absent from the result."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    result: dict[int, set[str]] = {}
    need_fields = [f"need_{need}" for need in c.SupportNeed.values]
    recorded = set()
    for row in DisabilityProfile.objects.filter(person_id__in=ids).values("person_id", *need_fields):
        recorded.add(row["person_id"])
        needs = {need for need in c.SupportNeed.values if row[f"need_{need}"]}
        if needs:
            result[row["person_id"]] = needs
    others = [pid for pid in ids if pid not in recorded]
    if others:
        fields = list(c.WGSS_INFERRED_NEEDS)
        for row in Person.objects.filter(pk__in=others).values("pk", *fields):
            needs = {need for field, need in c.WGSS_INFERRED_NEEDS.items() if (row[field] or 0) >= rc.WGSSAnswer.A_LOT}
            if needs:
                result[row["pk"]] = needs
    return result


def support_needs_of(person: Person, profile: DisabilityProfile | None) -> set[str]:
    """support_needs_for one person whose row and profile (or None) are already read: no query."""
    if profile is not None:
        return {need for need in c.SupportNeed.values if getattr(profile, f"need_{need}")}
    return {
        need for field, need in c.WGSS_INFERRED_NEEDS.items() if (getattr(person, field) or 0) >= rc.WGSSAnswer.A_LOT
    }


def _features(needs: Iterable[str]) -> list[str]:
    """The session features that meet these needs, in the order of SupportNeed (a companion needs none)."""
    wanted = set(needs)
    return [flag for need in c.SupportNeed.values if need in wanted and (flag := c.NEED_SESSION_FLAG[need])]


def session_features_needed(person_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per person, the session features their support needs call for (programmes.accessibility asks this; the
    registration is in apps.InclusionConfig). People who need none are absent. Two queries."""
    result = {}
    for pid, needs in support_needs_for(person_ids).items():
        features = _features(needs)
        if features:
            result[pid] = features
    return result


def session_accommodates(session_flags: Mapping[str, Any], needs: Iterable[str]) -> list[str]:
    """The needs a session cannot meet, as Indonesian labels in a fixed order; empty when it meets them all.

    `session_flags` maps session features to booleans, e.g. {"step_free": True, "sign_language": False,
    "large_print": True} (session_flags_of builds it from a programmes Session). A feature that is absent counts as
    not provided: an officer should check rather than assume."""
    return accessibility.unmet_features(session_flags, _features(needs))


SESSION_FEATURES = accessibility.SESSION_FEATURES
session_flags_of = accessibility.session_flags_of


def unmet_needs_by_session(person_ids: Iterable[int], sessions: Iterable[Any]) -> dict[Any, dict[int, list[str]]]:
    """For enrolment: per session, the people whose needs it cannot meet and which needs. Sessions and people that
    fit are absent. Two queries for the needs, none per session."""
    return accessibility.unmet_by_session(person_ids, sessions)


def feature_need_counts(person_ids: Iterable[int]) -> dict[str, int]:
    """How many of these people need each session feature ("sign_language", "step_free", ...), for the session
    pages: the officer sees which sessions need an interpreter. Features nobody needs are absent. Two queries."""
    return accessibility.feature_counts(person_ids)


def feature_label(feature: str) -> str:
    """The Indonesian label of what a session feature provides, e.g. "juru bahasa isyarat" for sign_language."""
    for need, flag in c.NEED_SESSION_FLAG.items():
        if flag == feature:
            return str(c.SupportNeed(need).label)
    return feature


def interpreter_count(person_ids: Iterable[int]) -> int:
    """How many of these people need a sign-language interpreter: the officer books one for the session."""
    return sum(1 for needs in support_needs_for(person_ids).values() if c.SupportNeed.SIGN_LANGUAGE in needs)


# --- Disaggregation ----------------------------------------------------------------------------------------------


def _answered_q() -> Q:
    q = Q()
    for _key, field, _label in DOMAINS:
        q |= Q(**{f"{field}__isnull": False})
    return q


def disability_aggregates(today: dt.date | None = None) -> dict[str, Count]:
    """The aggregate expressions: total, with/without disability, not asked, and each WG-SS domain at the cut-off.
    With disability is the flag (WG-SS cut-off or a recorded profile); a person with a profile who was never asked
    WG-SS counts there, not as unknown, so the three parts still add up to the total."""
    today = today or timezone.localdate()
    with_disability = flag_q("disability", today)
    return {
        "total": Count("id"),
        "disability_yes": Count("id", filter=with_disability),
        "disability_no": Count("id", filter=_answered_q() & ~with_disability),
        "disability_unknown": Count("id", filter=~_answered_q() & ~with_disability),
        **{
            f"domain_{key}": Count("id", filter=Q(**{f"{field}__gte": rc.WGSSAnswer.A_LOT}))
            for key, field, _label in DOMAINS
        },
    }


@overload
def disaggregate_by_disability(
    people: QuerySet[Person], by: None = None, today: dt.date | None = None
) -> dict[str, int]: ...
@overload
def disaggregate_by_disability(
    people: QuerySet[Person], by: str | list[str], today: dt.date | None = None
) -> list[dict[str, Any]]: ...
def disaggregate_by_disability(
    people: QuerySet[Person], by: str | list[str] | None = None, today: dt.date | None = None
) -> dict[str, int] | list[dict[str, Any]]:
    """Split any Person queryset by disability: yes (the disability flag) / no / not asked, and per WG-SS domain, in
    one aggregate query. With `by` (a field path or list, e.g. "household__village__district"), one row per group.

    "No" counts people with at least one WG-SS answer, no domain at the cut-off and no recorded profile; people never
    asked are "unknown", not "no", so that missing answers do not pass for an absence of disability."""
    aggregates = disability_aggregates(today)
    if by is None:
        return people.order_by().aggregate(**aggregates)
    fields = [by] if isinstance(by, str) else list(by)
    return list(people.order_by().values(*fields).annotate(**aggregates).order_by(*fields))


BY_DISTRICT = ["household__village__district", "household__village__district__name"]


def _by_district_params() -> dict[str, Any]:
    return {"today": timezone.localdate().isoformat()}


def disability_by_district_for(user: User) -> list[dict[str, Any]]:
    """disaggregate_by_disability per district over what `user` may count: the regency-wide counts from a snapshot
    (core.snapshots), a scoped user's computed live."""
    people = people_for_aggregates(user).living()
    if not regency_wide_aggregates(user):
        return disaggregate_by_disability(people, by=BY_DISTRICT)
    rows, _at = snapshots.read(
        "inclusion.by_district", _by_district_params(), lambda: disaggregate_by_disability(people, by=BY_DISTRICT)
    )
    return rows


def disability_by_district_as_of(user: User) -> dt.datetime | None:
    """When the table disability_by_district_for(user) returns now was computed, for a regency-wide reader (a
    snapshot); None for a scoped reader (computed live)."""
    if not regency_wide_aggregates(user):
        return None
    return snapshots.stamp("inclusion.by_district", _by_district_params())


def disability_refresh() -> None:
    snapshots.store(
        "inclusion.by_district",
        _by_district_params(),
        lambda: disaggregate_by_disability(Person.objects.current().living(), by=BY_DISTRICT),
    )


# --- Persons with disabilities -----------------------------------------------------------------------------------


def persons_with_disabilities(*, actor: User, district: str | None = None, domain: str | None = None) -> PersonQuerySet:
    """People `actor` may see who have a disability (the flag: WG-SS cut-off or a recorded profile), with profile and
    devices."""
    # The flag's set-based form (uncorrelated IN, hashed once): the same people, without an EXISTS per row.
    qs = people_visible_to(actor).living().filter(flag_fast_q("disability"))
    if district:
        # The district's households as an id subquery: the planner then starts from them (an index on village) instead
        # of scanning every person for the flag (0.5 s instead of 1.5-2 s for a district at a million people).
        qs = qs.filter(household__in=Household.objects.filter(village__district=district).values("pk"))
    if domain:
        field = {key: f for key, f, _label in DOMAINS}.get(domain)
        if field:
            qs = qs.filter(**{f"{field}__gte": rc.WGSSAnswer.A_LOT})
    return (
        qs.select_related("household__village__district", "disability_profile")
        .prefetch_related("assistive_devices")
        .order_by("household__village__district", "household__village", "full_name", "id")
    )


def devices_of(person: Person) -> QuerySet[AssistiveDevice]:
    return person.assistive_devices.all()
