"""`{% pk_url %}`: the same URL as `{% url %}` for any id, prefix and language, without the resolver each time."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from berdaya.core.templatetags import berdaya as tags

ROUTES = ["registry:person_detail", "registry:household_detail", "registry:group_detail"]


@pytest.fixture(autouse=True)
def _fresh():
    tags._ROUTES.clear()
    yield
    tags._ROUTES.clear()
    set_script_prefix("/")


@pytest.mark.parametrize("name", ROUTES)
def test_it_gives_the_url_reverse_gives_for_every_id(name):
    for pk in [0, 7, 918_273_645, 12_345_678_901]:
        assert tags.pk_url(name, pk) == reverse(name, args=[pk])


def test_a_script_prefix_and_a_language_have_their_own_urls():
    expected = {}
    for prefix in ["/", "/berdaya/"]:
        set_script_prefix(prefix)
        for language in ["id", "en"]:
            with translation.override(language):
                expected[prefix, language] = reverse("registry:person_detail", args=[42])
                assert tags.pk_url("registry:person_detail", 42) == expected[prefix, language]
    assert expected["/berdaya/", "id"].startswith("/berdaya/")


def test_anything_but_a_non_negative_int_goes_through_reverse():
    assert tags.pk_url("registry:person_detail", "42") == reverse("registry:person_detail", args=["42"])
    with pytest.raises(NoReverseMatch):
        tags.pk_url("registry:person_detail", -1)
    with pytest.raises(NoReverseMatch):
        tags.pk_url("registry:person_detail", "x")


def test_the_template_tag_escapes_and_renders_like_url():
    rendered = Template(
        "{% load berdaya %}{% pk_url 'registry:person_detail' p %}|{% url 'registry:person_detail' p %}"
    )
    first, second = rendered.render(Context({"p": 5})).split("|")
    assert first == second == reverse("registry:person_detail", args=[5])


@pytest.mark.parametrize("name", ROUTES)
def test_pk_urls_gives_what_pk_url_gives_per_prefix_and_language(name):
    for prefix in ["/", "/berdaya/"]:
        set_script_prefix(prefix)
        for language in ["id", "en"]:
            with translation.override(language):
                url = tags.pk_urls(name)
                for pk in [0, 7, 918_273_645, 12_345_678_901, "42"]:
                    assert url(pk) == reverse(name, args=[pk])
                with pytest.raises(NoReverseMatch):
                    url(-1)
