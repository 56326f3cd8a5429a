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

    signing_key_id = forms.CharField(
        label=_("ID kunci tanda tangan SPDCI"),
        required=False,
        max_length=40,
        help_text=_("Nama kunci yang dipakai sistem klien dalam kidId, mis. kunci-2026."),
    )
    signing_public_key = forms.CharField(
        label=_("Kunci publik tanda tangan SPDCI (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kunci publik Ed25519 atau RSA sistem klien, diawali -----BEGIN PUBLIC KEY-----."),
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

    def public_keys(self) -> list[tuple[str, str]]:
        pem = self.cleaned_data.get("signing_public_key", "").strip()
        return [(self.cleaned_data.get("signing_key_id", "").strip() or "1", pem)] if pem else []
