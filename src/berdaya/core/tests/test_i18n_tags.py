"""`{% load i18n %}` is core.i18n_tags: `{% translate %}` of a constant text keeps it per catalog, and every form of
the tag gives what Django's own library gives, in each language, whatever the order of the languages."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from berdaya.core import i18n_tags

FORMS = [
    '{% translate "Nama" %}',
    '{% trans "Nama" %}',
    '{% translate "Simpan" as label %}[{{ label }}]',
    '{% translate "Premi (%)" %}',  # percent signs doubled then restored
    '{% translate "Laki-laki" context "jenis kelamin" %}',
    '{% translate "Laki-laki" %}',  # the same text without its context: another translation (none here)
    '{% translate "Nama" noop %}',
    "{% translate \"Teks <b> & 'kutip' tanpa terjemahan\" %}",
    '{% translate "Nama"|upper %}',  # a filter: not kept
    "{% translate name %}",  # a variable: not kept
    "{% translate name as shown %}<{{ shown }}>",
    "{% translate raw %}",
    '{% translate "Laki-laki" context ctx %}',  # a context from a variable: not kept
    '{% autoescape off %}{% translate "Nama" %}{% translate name %}{% endautoescape %}',
]
VALUES = {"name": "Simpan", "ctx": "jenis kelamin", "raw": "<a & b>"}


def _django_engine() -> Engine:
    return Engine(libraries={"i18n": "django.templatetags.i18n"})


@pytest.mark.parametrize("source", FORMS)
def test_each_form_renders_as_djangos_tag_in_each_language_and_order(source):
    ours = engines["django"].from_string("{% load i18n %}" + source)
    theirs = _django_engine().from_string("{% load i18n %}" + source)
    seen: dict[str, set[str]] = {"id": set(), "en": set()}
    for language in ["id", "en", "id", "en", "en", "id"]:
        with translation.override(language):
            expected = theirs.render(Context(VALUES))
            assert ours.render(VALUES) == expected
            seen[language].add(expected)
    assert len(seen["id"]) == len(seen["en"]) == 1
    # Those with an English translation come out in English, after Indonesian and before it.
    translated = not any(mark in source for mark in ("noop", "tanpa", '"Laki-laki" %}', "raw"))
    assert (seen["id"] != seen["en"]) == translated


def test_constant_texts_are_kept_nodes_and_the_translation_follows_the_language():
    template = engines["django"].from_string('{% load i18n %}{% translate "Nama" %}|{% translate "Nama"|upper %}')
    nodes = template.template.nodelist.get_nodes_by_type(i18n_tags.KeptTranslateNode)
    assert [node.constant for node in nodes] == [True, False]
    with translation.override("en"):
        assert template.render({}) == "Name|NAME"
    with translation.override("id"):
        assert template.render({}) == "Nama|NAMA"
    with translation.override("en"):
        assert template.render({}) == "Name|NAME"
    assert len(nodes[0].kept) == 2


def test_no_language_active_reads_the_default_catalog(settings):
    template = engines["django"].from_string('{% load i18n %}{% translate "Nama" %}')
    with translation.override(None):
        assert template.render({}) == template.render({}) == "Nama"  # LANGUAGE_CODE is id
