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
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Triwulan"), coerce=int, choices=[(q, f"{_('Triwulan')} {n}") for q, n in c.QUARTER_NAMES.items()]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        year, quarter = previous_quarter(timezone.localdate())
        kwargs.setdefault("initial", {"year": year, "quarter": quarter, "kind": c.Kind.REGENCY})
        super().__init__(*args, **kwargs)
        form_field(self, "programme", forms.ModelChoiceField).queryset = access.programmes_for_reports(user).order_by(
            "name"
        )
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == c.Kind.PROGRAMME and not data.get("programme"):
            self.add_error("programme", _("Pilih programnya."))
        return data
