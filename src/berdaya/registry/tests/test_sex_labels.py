"""A person's sex and the "women" group share the Indonesian word "Perempuan" but not the English one.

The sex is "Female" (and "Male") in English; the vulnerable group and the quota group are "Women". Indonesian reads
"Perempuan" and "Laki-laki" everywhere, as before.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from berdaya.imports.columns import choice_lookup
from berdaya.odk.xlsform import EN, ID, from_choices
from berdaya.programmes.choices import TargetGroup
from berdaya.registry import choices as c
from berdaya.targeting.choices import MinimumGroup
from berdaya.testing import factories
from berdaya.testing.clients import client_for


@pytest.mark.parametrize(
    ("language", "female", "male", "women"),
    [("en", "Female", "Male", "Women"), ("id", "Perempuan", "Laki-laki", "Perempuan")],
)
def test_it_names_the_sex_apart_from_the_women_group(language, female, male, women):
    with translation.override(language):
        assert (str(c.Sex.FEMALE.label), str(c.Sex.MALE.label)) == (female, male)
        assert str(TargetGroup.WOMEN.label) == women
        assert str(MinimumGroup.WOMEN.label) == women


def test_the_xlsform_sex_list_reads_female_and_male_in_english():
    labels = {row["name"]: (row[f"label::{ID}"], row[f"label::{EN}"]) for row in from_choices("sex", c.Sex.choices)}
    assert labels == {"M": ("Laki-laki", "Male"), "F": ("Perempuan", "Female")}


def test_an_import_accepts_the_english_sex_labels():
    lookup = choice_lookup(c.Sex)
    assert (lookup["female"], lookup["male"], lookup["perempuan"], lookup["laki laki"]) == ("F", "M", "F", "M")
    assert "women" not in lookup


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown", "not_shown"), [("en", "Female", "Women"), ("id", "Perempuan", "Female")])
def test_the_person_page_shows_the_sex_in_the_language_asked(officer, language, shown, not_shown):
    person = factories.person(sex=c.Sex.FEMALE)
    client = client_for(officer)
    client.cookies["django_language"] = language
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200 and response["Content-Language"] == language
    label = "Sex" if language == "en" else "Jenis kelamin"
    cell = response.content.decode().split(f"{label}</dt>", 1)[1].split("</dd>", 1)[0]
    assert shown in cell and not_shown not in cell
