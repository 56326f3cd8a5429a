"""{% person_rows %} writes the registry list's rows as the template loop it replaced did, character for character."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

from berdaya.core.access import capabilities
from berdaya.registry import choices as c
from berdaya.registry.vulnerability import FlagReason
from berdaya.testing import factories as f

# registry/_person_table.html's loop before {% person_rows %}, verbatim.
LOOP = """{% load i18n berdaya %}{% for p in page.items %}
    <tr>
      <td><a href="{% pk_url 'registry:person_detail' p.pk %}">{{ p.full_name }}</a>{% if p.status != "active" %} <span class="badge text-bg-secondary">{{ p.get_status_display }}</span>{% endif %}
        <div class="small text-muted">{{ p.get_relationship_display }} · <a href="{% pk_url 'registry:household_detail' p.household_id %}">{% blocktranslate with id=p.household_id %}Rumah tangga {{ id }}{% endblocktranslate %}</a></div></td>
      <td class="nik">{% if p.nik %}{{ p.nik|nik:caps }}{% else %}<span class="text-warning-emphasis">{% translate "tanpa NIK" %}</span>{% endif %}</td>
      <td>{{ p.sex_letter }}</td>
      <td>{{ p.age }}</td>
      <td>{{ p.household.village.name }}<div class="small text-muted">{{ p.household.village.district.name }}</div></td>
      <td>{% for f in p.flags %}<span class="badge rounded-pill text-bg-light border flag" title="{{ f.reason }}">{{ f.label }}</span> {% endfor %}</td>
    </tr>
  {% endfor %}"""
ROWS = "{% load registry_tables %}{% person_rows page.items %}"


class Page:
    def __init__(self, items):
        self.items = items


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("role", ["officer", "partner"])
def test_rows_are_the_loop_s(db, areas, role, language):
    hh = f.household(village="15.02.02.1010")
    people = [
        f.person(hh=hh, name='Siti <b>"Aminah"</b> & Co'),
        f.person(hh=hh, name="Budi", sex=c.Sex.MALE, with_nik=False, birth_date=dt.date(2020, 1, 2)),
        f.person(hh=f.household(), name="Wati", status=c.PersonStatus.DECEASED, date_of_death=dt.date(2024, 5, 1)),
        f.person(hh=f.household(), name="Tua", birth_date=dt.date(1900, 1, 1)),
    ]
    flags = [
        [FlagReason("elderly", "Lansia", 'umur 70 <tahun> & "lebih"'), FlagReason("x", "<Label>", "")],
        [],
        [FlagReason("disability", "Disabilitas", "WG-SS")],
        [],
    ]
    rows = []
    for person, its_flags in zip(people, flags, strict=True):
        person = type(person).objects.select_related("household__village__district").get(pk=person.pk)
        person.flags = its_flags
        rows.append(person)
    reader = f.user(role)
    context = {"page": Page(rows), "caps": capabilities(reader)}
    engine = engines["django"]
    with translation.override(language):
        theirs = engine.from_string(LOOP).render(context)
        ours = engine.from_string(ROWS).render(context)
    assert ours == theirs
    assert "&lt;b&gt;&quot;Aminah&quot;&lt;/b&gt; &amp; Co" in ours  # escaped
    assert ("Household" if language == "en" else "Rumah tangga") in ours
    if role == "partner":
        assert people[0].nik not in ours  # masked


def test_an_empty_page_says_so(db, rf, officer):
    from django.template.loader import render_to_string

    html = render_to_string("registry/_person_table.html", {"page": Page([]), "caps": capabilities(officer)})
    assert "Tidak ada penduduk yang cocok dengan pencarian ini." in html
