"""The shared inputs of every form (core/forms.py): dates for the date picker, numbers the Indonesian way,
several choices as checkboxes (issue #15, items 4 and 5); where a service's errors are shown (issue #16)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import django_filters as df
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from berdaya.areas.models import Village
from berdaya.core.filtersets import FilterSet
from berdaya.core.forms import (
    CheckboxSelectMultiple,
    DateInput,
    NumberField,
    RupiahField,
    format_number,
    parse_number,
    service_errors,
    style_widgets,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7.950", Decimal("7950")),
        ("7950", Decimal("7950")),
        ("7.950,5", Decimal("7950.5")),
        ("5.000.000", Decimal("5000000")),
        ("Rp 5.000.000", Decimal("5000000")),
        ("Rp5.000.000", Decimal("5000000")),
        ("rp. 1.500", Decimal("1500")),
        ("  12 500 ", Decimal("12500")),
        ("0,25", Decimal("0.25")),
        (",5", Decimal("0.5")),
        ("1.5", Decimal("1.5")),
        ("0.250", Decimal("0.250")),
        ("-7.950", Decimal("-7950")),
    ],
)
def test_it_reads_numbers_written_the_indonesian_way(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "Rp", "7,950,5", "7.95.0", "12.34.567", "abc", "7.950,5x", "1,2.3"])
def test_it_refuses_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        parse_number(text)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_whole_number_survives_being_written_and_read_back(n):
    text = format_number(n)
    assert parse_number(text) == n
    assert parse_number(f"Rp {text}") == n
    assert "," not in text


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_a_decimal_survives_being_written_and_read_back(d):
    assert parse_number(format_number(d, 2)) == d


@given(st.integers(min_value=1000, max_value=10**15))
def test_thousands_dots_anywhere_in_a_grouped_number_mean_thousands(n):
    grouped = f"{n:,}".replace(",", ".")
    assert NumberField().clean(grouped) == n
    assert RupiahField().clean(f"Rp {grouped}") == n


def test_a_whole_number_field_refuses_decimals_with_a_clear_message():
    with pytest.raises(forms.ValidationError) as exc:
        RupiahField().clean("7.950,5")
    assert "angka bulat" in exc.value.messages[0]
    with pytest.raises(forms.ValidationError) as exc:
        NumberField(decimal_places=1).clean("1,25")
    assert "Paling banyak 1 angka di belakang koma" in exc.value.messages[0]


class _Plain(forms.Form):
    """A form as apps write it: Django's number fields, a date, a multiple choice."""

    price = forms.IntegerField(min_value=1)
    quantity = forms.DecimalField(max_digits=8, decimal_places=2)
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateField(required=False)
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


def test_every_styled_form_reads_indonesian_numbers_and_keeps_its_limits():
    form = _Plain({"price": "7.950", "quantity": "1.250,75", "on": "2026-12-06"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == 7950
    assert form.cleaned_data["quantity"] == Decimal("1250.75")

    form = _Plain({"price": "0", "quantity": "1,255", "on": "2026-12-06"})
    assert not form.is_valid()
    assert "price" in form.errors and "quantity" in form.errors


def test_date_pickers_get_iso_values_in_the_indonesian_interface():
    with translation.override("id"):
        html = str(_Plain(initial={"on": dt.date(2026, 12, 6), "when": dt.date(2026, 12, 7)}))
    assert re.search(r'<input type="date" name="on" value="2026-12-06"', html)
    assert re.search(r'<input type="date" name="when" value="2026-12-07"', html)
    assert isinstance(_Plain().fields["when"].widget, DateInput)


def test_several_choices_are_checkboxes_that_can_be_seen():
    form = _Plain()
    assert isinstance(form.fields["tags"].widget, CheckboxSelectMultiple)
    html = str(form["tags"])
    assert "<select" not in html
    assert html.count('type="checkbox"') == 2
    assert "form-control" not in html
    assert html.count('class="form-check-input"') == 2
    assert '<label class="form-check-label" for="id_tags_0">A</label>' in html


def test_the_price_form_shows_its_date_and_takes_a_dotted_price(rubber_history_or_point, officer):
    from berdaya.markets.forms import ObservationForm
    from berdaya.testing.markets import commodity

    with translation.override("id"):
        html = str(ObservationForm()["date"])
    assert re.search(r'type="date" name="date" value="\d{4}-\d{2}-\d{2}"', html), html
    form = ObservationForm(
        {
            "date": dt.date.today().isoformat(),
            "point": rubber_history_or_point.pk,
            "commodity": commodity("karet").pk,
            "price_type": "farm_gate",
            "price_per_kg": "7.950",
            "source": "enumerator",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price_per_kg"] == 7950


@pytest.fixture
def rubber_history_or_point(areas):
    from berdaya.testing.markets import point

    return point()


def test_the_programme_form_draws_checkboxes_for_groups_needs_and_areas(officer):
    from berdaya.programmes.forms import ProgrammeForm

    form = ProgrammeForm(actor=officer)
    for name in ("target_groups", "needs", "districts", "villages", "funders"):
        html = str(form[name])
        assert "form-control" not in html, name
        assert "<select" not in html, name
    budget = ProgrammeForm.base_fields["budget"]
    assert budget.clean("Rp 5.000.000") == 5_000_000


class _NameForm(forms.Form):
    name = forms.CharField()


def _bound_form() -> _NameForm:
    form = _NameForm({"name": "Siti"})
    assert form.is_valid()
    return form


def test_a_service_error_goes_on_its_field_and_the_rest_above_the_form():
    form = _bound_form()
    with service_errors(form):
        raise ValidationError({"name": "Nama sudah dipakai.", "nik": "NIK tidak sah.", NON_FIELD_ERRORS: "Umum."})
    assert form.errors["name"] == ["Nama sudah dipakai."]
    assert form.non_field_errors() == ["NIK tidak sah.", "Umum."]
    form = _bound_form()
    with service_errors(form):
        raise ValidationError(["Satu.", "Dua."])
    assert form.non_field_errors() == ["Satu.", "Dua."]


def test_exceptions_named_in_also_are_shown_as_their_text_and_others_pass():
    form = _bound_form()
    with service_errors(form, also=(PermissionDenied,)):
        raise PermissionDenied("Bukan wilayah Anda.")
    assert form.non_field_errors() == ["Bukan wilayah Anda."]
    with pytest.raises(PermissionDenied), service_errors(form):
        raise PermissionDenied


def test_without_a_form_the_errors_become_flash_messages(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with service_errors(request):
        raise ValidationError({"date": "Tanggal di masa depan.", "reason": "Isi alasan."})
    with service_errors(request, joined=True):
        raise ValidationError(["Satu.", "Dua."])
    assert [str(m) for m in get_messages(request)] == ["Tanggal di masa depan.", "Isi alasan.", "Satu. Dua."]


def _choice_filterset(base):
    class Filters(base):
        sex = df.ChoiceFilter(choices=[("M", "Laki-laki"), ("F", "Perempuan")])
        kind = df.MultipleChoiceFilter(choices=[("a", "A"), ("b", "B")])

    return Filters({}, queryset=Village.objects.none())


@pytest.mark.parametrize("base", [FilterSet, df.FilterSet], ids=["core", "django-filter"])
def test_a_filter_select_shows_its_blank_choice_once_with_the_label_given(base):
    form = style_widgets(_choice_filterset(base).form, empty_label="Semua")
    html = str(form["sex"])
    assert html.count('value=""') == 1, html
    assert '<option value="" selected>Semua</option>' in html
    assert [value for value, _label in form.fields["sex"].choices] == ["", "M", "F"]
    assert 'value=""' not in str(form["kind"])  # several choices: checkboxes, no blank one
