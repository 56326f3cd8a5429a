"""The form renderer writes selects as Django's templates do, character for character."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from berdaya.areas.models import Province
from berdaya.core import renderers
from berdaya.core.renderers import FormRenderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Semua"), ("a", "Satu"), ("b&c", 'Dua "kutip" <b>')])
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Buah", [("m", "Mangga"), ("p", gettext_lazy("Pisang"))]), ("x", mark_safe("<i>x</i>"))]
    )
    numbers = forms.TypedChoiceField(choices=[(2025, 2025), (2026, 2026)], coerce=int)
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")], widget=forms.SelectMultiple)
    maybe = forms.NullBooleanField()
    province = forms.ModelChoiceField(queryset=Province.objects.order_by("code"), empty_label="Semua provinsi")


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b&c", "grouped": "p", "numbers": "2026", "several": ["a", "c"], "maybe": "true", "province": "15"},
        {"plain": "zz", "grouped": "", "numbers": "1999", "several": ["q"], "maybe": "", "province": "99"},
    ],
)
def test_selects_render_as_the_templates_do(db, data):
    Province.objects.create(code="15", name="Jambi")
    Province.objects.create(code="16", name='Sumatera "Selatan"')
    form = Everything(data)
    form.fields["plain"].widget.attrs.update({"class": "form-select", "required": True, "hidden": False, "data-x": 3})
    fast, slow = FormRenderer(), DjangoTemplates()
    for field in form:
        ours = field.as_widget(attrs={"aria-describedby": "h"})
        field.form.renderer = slow
        theirs = field.as_widget(attrs={"aria-describedby": "h"})
        field.form.renderer = fast
        assert str(ours) == str(theirs), field.name
    assert form.renderer.__class__ is FormRenderer  # the setting


def test_an_option_with_a_template_of_its_own_goes_through_the_templates(db, monkeypatch):
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    calls = []
    real = renderers.DjangoTemplates.render
    monkeypatch.setattr(
        renderers.DjangoTemplates, "render", lambda self, *a, **k: calls.append(a[0]) or real(self, *a, **k)
    )
    html = forms.ChoiceField(choices=[("a", "A")], widget=Custom).widget.render("x", "a", renderer=FormRenderer())
    assert renderers.SELECT in calls
    assert '<input type="select" name="x" value="a"' in html  # the option's own template (an input), not <option>
