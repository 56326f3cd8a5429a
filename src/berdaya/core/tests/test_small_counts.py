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
