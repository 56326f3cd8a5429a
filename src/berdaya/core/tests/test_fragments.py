"""core.fragments: who shares a cached fragment, and when it is rendered again."""

from __future__ import annotations

from django.core.cache import cache

from berdaya.core import fragments
from berdaya.testing import factories as f


def test_readers_share_a_fragment_only_within_the_same_scope_and_role(areas):
    org_a, org_b = f.organisation("A"), f.organisation("B")
    same = [
        (f.user("officer"), f.user("officer")),
        (f.user("viewer"), f.user("viewer")),
        (f.user("partner", org=org_a), f.user("partner", org=org_a)),
    ]
    for one, other in same:
        assert fragments.scope_key(one) == fragments.scope_key(other)
    keys = [
        fragments.scope_key(u)
        for u in (
            f.user("officer"),
            f.user("admin"),
            f.user("viewer"),
            f.user("partner", org=org_a),
            f.user("partner", org=org_b),
            f.user("facilitator", villages=["15.02.01.2001"]),
            f.user("facilitator", villages=["15.02.02.2004"]),
        )
    ]
    assert len(set(keys)) == len(keys)


def test_a_fragment_is_rendered_once_per_version_and_never_without_one(areas):
    cache.clear()
    officer = f.user("officer")
    built = []

    def build() -> str:
        built.append(1)
        return f"<p>{len(built)}</p>"

    args = {"user": officer, "params": {"level": "village"}, "build": build}
    assert fragments.cached("t", version="v1", **args) == "<p>1</p>"
    assert fragments.cached("t", version="v1", **args) == "<p>1</p>"
    assert fragments.cached("t", version="v2", **args) == "<p>2</p>"
    assert fragments.cached("t", version=None, **args) == "<p>3</p>"
    assert fragments.cached("t", version=None, **args) == "<p>4</p>"
    assert fragments.cached("t", version="v1", user=officer, params={"level": "district"}, build=build) == "<p>5</p>"
    cache.clear()


def test_a_facilitator_moved_to_other_villages_no_longer_shares_the_old_villages_fragment(areas):
    from berdaya.areas.models import District

    facilitator = f.user("facilitator", villages=["15.02.01.2001"])
    before = fragments.scope_key(facilitator)
    facilitator.villages.set(["15.02.02.2004"])
    moved = fragments.scope_key(facilitator)
    assert moved != before
    facilitator.districts.set([District.objects.get(pk="15.02.02")])
    assert fragments.scope_key(facilitator) not in {before, moved}
