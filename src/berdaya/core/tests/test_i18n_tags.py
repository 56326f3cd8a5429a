"""`{% load i18n %}` gives core.i18n_tags' `{% translate %}`: a constant text kept per catalog, and every form of the
tag gives what Django's own tag gives, in each language, whatever the order of the languages."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, Library, engines
from django.templatetags import i18n as django_i18n
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


# Django's own `i18n` library as it is without core.i18n_tags.install() (this module is its stand-in).
register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)
register.tag("translate", django_i18n.do_translate)
register.tag("trans", django_i18n.do_translate)


def _django_engine() -> Engine:
    return Engine(libraries={"i18n": __name__})


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


def test_djangos_i18n_library_is_installed_once_with_the_kept_tag():
    tags = django_i18n.register.tags
    assert tags["translate"].kept and tags["trans"].kept
    before = dict(tags)
    i18n_tags.install()
    assert tags == before
    reference = _django_engine().from_string('{% load i18n %}{% translate "Nama" %}')
    assert not reference.nodelist.get_nodes_by_type(i18n_tags.KeptTranslateNode)  # the stand-in is Django's own
