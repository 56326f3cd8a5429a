"""Form helpers every app shares: errors from services (service_errors), the date and number inputs, and the
styling pass.

Every form calls style_widgets(); it is where a date input gets ISO values, a number input accepts the way
Indonesians write numbers, and several choices become visible checkboxes, so no app can get them wrong on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import OperationalError
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from berdaya.core.conflicts import WRITE_CONFLICT, is_write_conflict, rolled_back

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """A date picker. <input type=date> understands only ISO dates (HTML standard): given the interface's
    "06-12-2026" the browser shows an empty field and the form cannot be saved."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Several choices as Bootstrap checkboxes: the box before its label, a long list scrolls in its own box."""

    template_name = "core/widgets/checkbox_select.html"
    option_template_name = "core/widgets/checkbox_option.html"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


_RP_PREFIX = re.compile(r"^rp\.?", re.IGNORECASE)


def parse_number(text: str) -> Decimal:
    """A number written the Indonesian way: dots group thousands, a comma starts the decimals.

    "7.950" is 7950, "7.950,5" is 7950.5, "5.000.000" and "Rp 5.000.000" are five million. A lone dot that does not
    group thousands ("1.5", "0.25", what number keypads and English habits produce) is read as the decimal point;
    "1.500" stays one thousand five hundred, as an Indonesian reads it. Raises ValueError on anything else."""
    value = re.sub(r"\s", "", text)
    value = _RP_PREFIX.sub("", value)
    sign = ""
    if value[:1] in "-\u2212" and value:
        sign, value = "-", value[1:]
    whole, comma, fraction = value.partition(",")
    if comma and not re.fullmatch(r"\d+", fraction):
        raise ValueError(text)
    if "." in whole:
        groups = whole.split(".")
        grouped = re.fullmatch(r"[1-9]\d{0,2}", groups[0]) is not None and all(
            re.fullmatch(r"\d{3}", g) for g in groups[1:]
        )
        if grouped:
            whole = "".join(groups)
        elif not comma and len(groups) == 2 and groups[1].isdigit() and (groups[0].isdigit() or groups[0] == ""):
            whole, fraction = groups
        else:
            raise ValueError(text)
    if whole == "" and fraction:
        whole = "0"
    if not re.fullmatch(r"\d+", whole):
        raise ValueError(text)
    try:
        return Decimal(f"{sign}{whole}.{fraction or 0}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only digits
        raise ValueError(text) from exc


def format_number(value: int | Decimal, decimal_places: int = 0) -> str:
    """The inverse of parse_number: 7950 -> "7.950", Decimal("7950.50") -> "7.950,5"."""
    number = Decimal(value)
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number):f}".partition(".")
    fraction = fraction.rstrip("0")[: decimal_places or None] if decimal_places else ""
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


class NumberField(forms.Field):
    """The one number input: Rupiah amounts and quantities typed the Indonesian way (see parse_number).

    decimal_places=0 gives an int (whole Rupiah, counts); more gives a Decimal with at most that many decimals."""

    default_error_messages = {
        "invalid": _("Tulis angka, mis. 7.950 atau 7.950,5 (titik pemisah ribuan, koma untuk desimal)."),
        "whole": _("Tulis angka bulat tanpa desimal, mis. 7.950."),
        "decimals": _("Paling banyak %(n)s angka di belakang koma."),
        "digits": _("Angka terlalu besar: paling banyak %(n)s digit."),
    }

    def __init__(
        self,
        *,
        decimal_places: int = 0,
        max_digits: int | None = None,
        min_value: int | Decimal | None = None,
        max_value: int | Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        self.decimal_places = decimal_places
        self.max_digits = max_digits or 18
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal" if decimal_places else "numeric", "autocomplete": "off"}),
        )
        super().__init__(**kwargs)
        # As Django's IntegerField, so that a model form can take it in Meta.field_classes.
        if min_value is not None:
            self.validators.append(MinValueValidator(min_value))
        if max_value is not None:
            self.validators.append(MaxValueValidator(max_value))

    def to_python(self, value: Any) -> int | Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            try:
                number = parse_number(str(value))
            except ValueError as exc:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not number.is_finite():  # only a Decimal given by code can be NaN or infinite, never typed text
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        exponent = -int(number.normalize().as_tuple().exponent) if number != 0 else 0
        if exponent > self.decimal_places:
            if self.decimal_places == 0:
                raise ValidationError(self.error_messages["whole"], code="whole")
            raise ValidationError(self.error_messages["decimals"], code="decimals", params={"n": self.decimal_places})
        if len(str(int(abs(number)))) > self.max_digits - self.decimal_places:
            raise ValidationError(
                self.error_messages["digits"], code="digits", params={"n": self.max_digits - self.decimal_places}
            )
        return int(number) if self.decimal_places == 0 else number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return format_number(value, self.decimal_places)
        return value


class RupiahField(NumberField):
    """Whole Rupiah: "Rp1.500.000", "1.500.000" or "1500000" (the money rules: core.money). On a model form:
    Meta.field_classes = {"amount": RupiahField}."""

    default_error_messages = {"whole": _("Tulis jumlah Rupiah sebagai angka bulat, mis. 1.500.000.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(decimal_places=0, **kwargs)


def _as_number_field(field: forms.Field) -> NumberField:
    """The NumberField standing in for Django's IntegerField or DecimalField, with the same rules."""
    decimal_places, max_digits = 0, None
    if isinstance(field, forms.DecimalField):
        # django-filter's number filter sets no decimal places: allow a few rather than refuse "1,5".
        decimal_places = field.decimal_places if field.decimal_places is not None else 6
        max_digits = field.max_digits
    attrs = {k: v for k, v in field.widget.attrs.items() if k not in {"min", "max", "step", "type"}}
    number = NumberField(
        decimal_places=decimal_places,
        max_digits=max_digits,
        required=field.required,
        label=field.label,
        initial=field.initial,
        help_text=field.help_text,
        disabled=field.disabled,
        localize=False,
    )
    number.widget.attrs.update(attrs)
    # Min/max and the model's own validators keep working on the parsed value.
    number.validators = [v for v in field.validators if v.__class__.__name__ != "DecimalValidator"]
    number.error_messages.update(
        {k: v for k, v in field.error_messages.items() if k in {"required", "min_value", "max_value"}}
    )
    return number


def _as_checkboxes(field: forms.Field) -> CheckboxSelectMultiple:
    old = field.widget
    attrs = {k: v for k, v in old.attrs.items() if k not in {"size", "class", "multiple"}}
    widget = CheckboxSelectMultiple(attrs=attrs)
    widget.choices = getattr(field, "choices", old.choices)
    widget.is_required = old.is_required
    return widget


def localize_numbers(form: forms.BaseForm) -> None:
    """Swap Django's number fields for NumberField, so "7.950" is accepted on every form (not just some)."""
    for name, field in list(form.fields.items()):
        if isinstance(field, NumberField) or field.widget.is_hidden:
            continue
        if isinstance(field, forms.DecimalField) and (field.decimal_places or 0) >= 5:
            # Coordinates (-2.300000) come from a GPS or a map with a decimal point, never grouped thousands.
            continue
        if isinstance(field, forms.IntegerField | forms.DecimalField) and not isinstance(field, forms.FloatField):
            form.fields[name] = _as_number_field(field)


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


@contextmanager
def service_errors(
    target: forms.BaseForm | HttpRequest, *, also: tuple[type[Exception], ...] = (), joined: bool = False
) -> Iterator[None]:
    """Where a view shows what a service refused, once for every app:

        if request.method == "POST" and form.is_valid():
            with service_errors(form):
                person = services.person_add(actor=request.user, household=household, data=form.cleaned_data)
                messages.success(request, _("%(name)s ditambahkan.") % {"name": person.full_name})
                return redirect("registry:household_detail", pk=household.pk)
        return render(request, "registry/person_form.html", {"form": form})

    On a ValidationError the block stops and the view goes on to draw the form again, with apply_errors: each
    message on its field when the form has it, the others above the form (message dicts and lists alike). A button
    with no form page of its own (a status change, a member added from a list) passes the request instead: the
    messages become flash messages, one each, or one sentence with joined=True. Exceptions named in `also`
    (PermissionDenied from a service, Http404 from a lookup inside the block) are shown the same way, as their text.
    A write another transaction ended (core.conflicts: a deadlock...) is shown too, once the service's transaction
    has rolled back whole: nothing was saved and the user may send the form again.
    """
    try:
        yield
    except ValidationError as exc:
        _show(target, exc, joined=joined)
    except OperationalError as exc:
        # Inside a transaction still to be rolled back (a caller's own), the page could not be drawn: a server error.
        if not is_write_conflict(exc) or not rolled_back():
            raise
        _show(target, ValidationError(WRITE_CONFLICT), joined=joined)
    except also as exc:
        _show(target, ValidationError(str(exc)), joined=joined)


def _show(target: forms.BaseForm | HttpRequest, exc: ValidationError, *, joined: bool) -> None:
    if isinstance(target, forms.BaseForm):
        apply_errors(target, exc)
    elif joined:
        messages.error(target, " ".join(exc.messages))
    else:
        for message in exc.messages:
            messages.error(target, message)


F = TypeVar("F", bound=forms.BaseForm)
M = TypeVar("M", bound=Model)
FieldT = TypeVar("FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """`form.fields[name]` as the kind of field the form declares it (a ModelChoiceField for its queryset, a
    ChoiceField for its choices). form.fields holds plain Fields, so this is how setting those is type-checked."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def label_choices(field: forms.ModelChoiceField[M], label: Callable[[M], str]) -> None:
    """Show each choice of a model choice field as `label(obj)` rather than str(obj)."""
    # Django calls field.label_from_instance per choice, so an attribute on this one field stands in for a subclass.
    field.label_from_instance = label  # type: ignore[method-assign,assignment]


def style_widgets(form: F, *, empty_label: str | Promise | None = None) -> F:
    """Bootstrap classes and accessible attributes on every widget of a form (filters included).

    Also the house rules of inputs: dates in ISO for the date picker, numbers the Indonesian way, several choices as
    checkboxes one can see (a <select multiple> needs Ctrl, which nobody in the field knows)."""
    localize_numbers(form)
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.SelectMultiple | forms.CheckboxSelectMultiple) and not isinstance(
            widget, CheckboxSelectMultiple
        ):
            widget = field.widget = _as_checkboxes(field)
        elif isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            # A model's date field comes with a plain text box; every date gets the picker.
            widget = field.widget = DateInput(attrs=widget.attrs)
        elif isinstance(widget, forms.DateInput) and "date" in {widget.input_type, widget.attrs.get("type")}:
            widget.format = ISO_DATE  # a date picker left to the locale's format shows blank
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
            if empty_label is not None and (isinstance(field, forms.ModelChoiceField) or hasattr(field, "empty_label")):
                # Model choices and django-filter's choice fields draw their blank option from empty_label.
                field.empty_label = empty_label
                if not isinstance(field, forms.ModelChoiceField) and hasattr(field, "choices"):
                    # django-filter's iterator reads the label as it is drawn, but a deep-copied form's widget keeps
                    # the iterator of the field it was copied from: give it this field's. (Assigning
                    # field.choices = field.choices wrapped the iterator in another, and the blank showed twice.)
                    field.widget.choices = field.choices
            elif empty_label is not None and isinstance(field, forms.ChoiceField):
                # django-stubs types the getter with the setter's inputs (a callable); Django keeps them normalised.
                choices = list(field.choices)  # type: ignore[arg-type]
                if choices and choices[0][0] == "":
                    field.choices = [("", empty_label), *choices[1:]]
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "")
        if css not in classes.split():
            widget.attrs["class"] = f"{classes} {css}".strip()
        if form.is_bound and name in form.errors and "is-invalid" not in widget.attrs["class"]:
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
    return form
