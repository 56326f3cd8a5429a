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


class Inputs(forms.Form):
    text = forms.CharField(max_length=20, initial='A "kutip" & <b>')
    empty = forms.CharField(required=False)
    number = forms.IntegerField(min_value=0)
    decimal = forms.DecimalField(localize=True, required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="x&y")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    when = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True}), required=False)
    phone = forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "readonly": False}), required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    safe_note = forms.CharField(widget=forms.Textarea, initial=mark_safe("<i>aman</i>"), required=False)
    blank_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="", required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": "  <script>&amp;",
            "empty": "",
            "number": "12",
            "decimal": "1234.5",
            "email": "a@b.id",
            "url": "https://x.id/?a=1&b=2",
            "password": 'p"w',
            "secret": "s",
            "hidden": "h",
            "date": "2026-12-07",
            "when": "2026-12-07 10:00",
            "time": "10:00",
            "search": "Siti",
            "phone": "0812",
            "note": "baris 1\nbaris <2>",
            "blank_note": "0",
        },
        {"number": "bukan angka", "date": "31/02/2026", "note": "   "},
    ],
)
def test_inputs_and_textareas_render_as_the_templates_do(db, data, monkeypatch):
    calls = []
    real = renderers.DjangoTemplates.render
    monkeypatch.setattr(
        renderers.DjangoTemplates, "render", lambda self, *a, **k: calls.append(self) or real(self, *a, **k)
    )
    form = Inputs(data)
    form.is_bound and form.is_valid()
    form.fields["text"].widget.attrs.update({"class": "form-control", "required": True, "data-x": 3})
    fast, slow = FormRenderer(), DjangoTemplates()
    for field in form:
        for attrs in (None, {"aria-describedby": "h", "disabled": True}):
            ours = field.as_widget(attrs=attrs)
            field.form.renderer = slow
            theirs = field.as_widget(attrs=attrs)
            field.form.renderer = fast
            assert str(ours) == str(theirs), field.name
    assert not [renderer for renderer in calls if renderer is fast]  # written in Python, no template


def test_the_input_templates_are_input_html_alone():
    """FormRenderer writes these templates as input.html: each must be only its include (a Django upgrade that
    changes one would be caught here)."""
    for name in renderers.INPUTS:
        source = FormRenderer().get_template(name).template.source
        assert source.strip() == '{% include "django/forms/widgets/input.html" %}', name
