"""ChoiceDisplay shows what Django's get_<field>_display shows, in the active language."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from berdaya.registry.models import Household, Person


@pytest.mark.parametrize("model", [Person, Household])
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_choice_and_an_unknown_value_display_as_django_displays_them(model, language):
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields
    with translation.override(language):
        for field in fields:
            for value in [*(k for k, _label in field.flatchoices), "tidak-ada", None]:
                record = model(**{field.attname: value})
                ours = getattr(record, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(record, field), (field.name, value)


def test_the_label_follows_the_language():
    person = Person(sex="F")
    with translation.override("id"):
        shown_id = person.get_sex_display()
    with translation.override("en"):
        shown_en = person.get_sex_display()
    assert shown_id != shown_en
