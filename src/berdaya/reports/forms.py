"""The form that asks for a report: kind, programme (for a programme report), year and quarter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import form_field, style_widgets
from berdaya.programmes.models import Programme

from . import access
from . import choices as c
from .models import previous_quarter


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis laporan"), choices=c.Kind.choices)
    programme: forms.ModelChoiceField[Programme] = forms.ModelChoiceField(
        label=_("Program"), queryset=Programme.objects.none(), required=False
    )
    # A list of years, not a number box: a number box is written the Indonesian way ("2.026").
    year = forms.TypedChoiceField(label=_("Tahun"), coerce=int, choices=[])
    quarter = forms.TypedChoiceField(
        label=_("Triwulan"), coerce=int, choices=[(q, f"{_('Triwulan')} {n}") for q, n in c.QUARTER_NAMES.items()]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        year, quarter = previous_quarter(timezone.localdate())
        kwargs.setdefault("initial", {"year": year, "quarter": quarter, "kind": c.Kind.REGENCY})
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        form_field(self, "year", forms.TypedChoiceField).choices = [
            (y, str(y)) for y in range(this_year, this_year - 6, -1)
        ]
        form_field(self, "programme", forms.ModelChoiceField).queryset = access.programmes_for_reports(user).order_by(
            "name"
        )
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == c.Kind.PROGRAMME and not data.get("programme"):
            self.add_error("programme", _("Pilih programnya."))
        return data
