from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import form_field, style_widgets


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Pengguna"), queryset=User.objects.none())
    name = forms.CharField(label=_("Nama token"), max_length=100, help_text=_("Untuk apa token ini dipakai."))
    expires_days = forms.IntegerField(
        label=_("Berlaku (hari)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Kosongkan agar berlaku sampai dicabut."),
    )
    callback_origins = forms.CharField(
        label=_("Asal callback SPDCI"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Satu per baris, mis. https://mitra.example.org:443 (tanpa path)."),
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = form_field(self, "user", forms.ModelChoiceField)
        field.queryset = users
        if users.count() == 1:
            field.initial = users.first()
            field.widget = forms.HiddenInput()
        style_widgets(self)

    def origins(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("callback_origins", "").splitlines() if line.strip()]
