"""The registry list's rows, written in Python.

Each of the list's 25 rows went through ≈ 20 template nodes (two links, a {% blocktranslate %}, the masking filter,
the flags' loop): about a third of the page's rendering. `{% person_rows page.items %}` writes the very markup the
loop of registry/_person_table.html wrote, character for character, with the template's own rules for each value:
`render_value_in_context` (localisation, then autoescape when the template autoescapes) for what was a `{{ }}`, the
`nik` filter for the NIK, `pk_url` (escaped, as a simple tag's output) for the links, and the translations as
{% translate %} and {% blocktranslate %} give them (the text of a translation is not escaped there either). Within
one call (one request, one language) a choice's label and the sex letter are shown once per stored value, and the
links' routes looked up once (`pk_urls`).
registry/tests/test_person_rows.py holds it equal to the loop it replaced.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from berdaya.core.templatetags.berdaya import nik, pk_urls

register = template.Library()


@register.simple_tag(takes_context=True)
def person_rows(context, people) -> SafeString:
    autoescape = context.autoescape

    def value(v: Any) -> str:
        if type(v) is str:  # render_value_in_context leaves a str as it is, but for autoescape
            return conditional_escape(v) if autoescape else v
        return render_value_in_context(v, context)

    # A row's labels for each stored value, shown once per call (one request, one language): a choice's label and the
    # sex letter translated once instead of once per row.
    relationships: dict[Any, str] = {}
    statuses: dict[Any, str] = {}
    sex_letters: dict[Any, str] = {}
    caps = context.get("caps")
    household_label = gettext("Rumah tangga %(id)s")
    without_nik = gettext("tanpa NIK")
    person_url, household_url = pk_urls("registry:person_detail"), pk_urls("registry:household_detail")
    out = []
    for p in people:
        if p.status != "active":
            if p.status not in statuses:
                statuses[p.status] = value(p.get_status_display())
            status = f' <span class="badge text-bg-secondary">{statuses[p.status]}</span>'
        else:
            status = ""
        if p.relationship not in relationships:
            relationships[p.relationship] = value(p.get_relationship_display())
        if p.sex not in sex_letters:
            sex_letters[p.sex] = value(p.sex_letter)
        household = household_label % {"id": value(p.household_id)}
        shown_nik = value(nik(p.nik, caps)) if p.nik else f'<span class="text-warning-emphasis">{without_nik}</span>'
        village = p.household.village
        flags = "".join(
            f'<span class="badge rounded-pill text-bg-light border flag" title="{value(f.reason)}">{value(f.label)}</span> '
            for f in p.flags
        )
        out.append(
            "\n    <tr>\n"
            f'      <td><a href="{conditional_escape(person_url(p.pk))}">{value(p.full_name)}</a>{status}\n'
            f'        <div class="small text-muted">{relationships[p.relationship]} · '
            f'<a href="{conditional_escape(household_url(p.household_id))}">{household}</a></div></td>\n'
            f'      <td class="nik">{shown_nik}</td>\n'
            f"      <td>{sex_letters[p.sex]}</td>\n"
            f"      <td>{value(p.age)}</td>\n"
            f'      <td>{value(village.name)}<div class="small text-muted">{value(village.district.name)}</div></td>\n'
            f"      <td>{flags}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(out))  # every value is written as the template wrote it: escaped by autoescape
