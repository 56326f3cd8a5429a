"""The registry list's rows, written in Python.

Each of the list's 25 rows went through ≈ 20 template nodes (two links, a {% blocktranslate %}, the masking filter,
the flags' loop): about a third of the page's rendering. `{% person_rows page.items %}` writes the very markup the
loop of registry/_person_table.html wrote, character for character, with the template's own rules for each value:
`render_value_in_context` (localisation, then autoescape when the template autoescapes) for what was a `{{ }}`, the
`nik` filter for the NIK, `pk_url` (escaped, as a simple tag's output) for the links, and the translations as
{% translate %} and {% blocktranslate %} give them (the text of a translation is not escaped there either).
registry/tests/test_person_rows.py holds it equal to the loop it replaced.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from berdaya.core.templatetags.berdaya import nik, pk_url

register = template.Library()


@register.simple_tag(takes_context=True)
def person_rows(context, people) -> SafeString:
    def value(v: Any) -> str:
        return render_value_in_context(v, context)

    caps = context.get("caps")
    household_label = gettext("Rumah tangga %(id)s")
    without_nik = gettext("tanpa NIK")
    out = []
    for p in people:
        status = (
            f' <span class="badge text-bg-secondary">{value(p.get_status_display())}</span>'
            if p.status != "active"
            else ""
        )
        person_url = conditional_escape(pk_url("registry:person_detail", p.pk))
        household_url = conditional_escape(pk_url("registry:household_detail", p.household_id))
        household = household_label % {"id": value(p.household_id)}
        shown_nik = value(nik(p.nik, caps)) if p.nik else f'<span class="text-warning-emphasis">{without_nik}</span>'
        village = p.household.village
        flags = "".join(
            f'<span class="badge rounded-pill text-bg-light border flag" title="{value(f.reason)}">{value(f.label)}</span> '
            for f in p.flags
        )
        out.append(
            "\n    <tr>\n"
            f'      <td><a href="{person_url}">{value(p.full_name)}</a>{status}\n'
            f'        <div class="small text-muted">{value(p.get_relationship_display())} · '
            f'<a href="{household_url}">{household}</a></div></td>\n'
            f'      <td class="nik">{shown_nik}</td>\n'
            f"      <td>{value(p.sex_letter)}</td>\n"
            f"      <td>{value(p.age)}</td>\n"
            f'      <td>{value(village.name)}<div class="small text-muted">{value(village.district.name)}</div></td>\n'
            f"      <td>{flags}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(out))  # every value is written as the template wrote it: escaped by autoescape
