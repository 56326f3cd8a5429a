from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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


def style_widgets(form: forms.BaseForm, *, empty_label: str | None = None) -> forms.BaseForm:
    """Bootstrap classes and accessible attributes on every widget of a form (filters included)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
            if empty_label is not None and (isinstance(field, forms.ModelChoiceField) or hasattr(field, "empty_label")):
                # Model choices and django-filter's choice fields draw their blank option from empty_label.
                field.empty_label = empty_label
                if not isinstance(field, forms.ModelChoiceField) and hasattr(field, "choices"):
                    field.choices = field.choices  # rebuild the iterator with the new label
            elif empty_label is not None and isinstance(field, forms.ChoiceField):
                choices = list(field.choices)
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
