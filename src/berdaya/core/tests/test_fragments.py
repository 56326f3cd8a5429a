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
