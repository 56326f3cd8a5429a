from types import SimpleNamespace

from django.utils import translation

from berdaya.core.templatetags.berdaya import small


def test_it_hides_tiny_counts_from_roles_without_regency_wide_access():
    partner = SimpleNamespace(role="partner")
    assert small(3, partner) == "<5"
    assert small(0, partner) == "0"
    assert small(5, partner) == "5"
    with translation.override("id"):
        assert small(1234, partner) == "1.234"


def test_it_shows_exact_counts_to_officers():
    assert small(3, SimpleNamespace(role="officer")) == "3"
    assert small(3, SimpleNamespace(role="viewer")) == "<5"


def test_a_share_that_would_give_a_suppressed_count_back_is_not_shown():
    from berdaya.core.disclosure import EXACT, SUPPRESSING

    assert SUPPRESSING.share(3, 1000) is None  # 0,3% of a known 1000 is 3 people
    assert SUPPRESSING.share(300, 3) is None
    assert SUPPRESSING.share(0, 1000) == 0.0 and SUPPRESSING.share(50, 200) == 25.0
    assert EXACT.share(3, 1000) == 0.3
    assert EXACT.share(3, 0) is None


def test_viewers_read_suppressed_aggregates_and_other_roles_their_own_exact(db):
    from berdaya.core import disclosure
    from berdaya.testing import factories

    viewer, facilitator, partner, officer = (
        factories.user(role) for role in ("viewer", "facilitator", "partner", "officer")
    )
    assert [disclosure.for_aggregates(u).exact for u in (viewer, facilitator, partner, officer)] == [
        False,
        True,
        True,
        True,
    ]
    # Coordination pages count the whole regency for every role: exact only for those who see all of it.
    assert [disclosure.for_coordination(u).exact for u in (viewer, facilitator, partner, officer)] == [
        False,
        False,
        False,
        True,
    ]
