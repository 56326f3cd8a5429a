from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import form_field

from .access import mappings_visible_to
from .columns import COLUMNS
from .models import ColumnMapping, ImportRun

MAX_UPLOAD_MB = 300


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File CSV atau XLSX"))
    mapping = forms.ModelChoiceField(
        label=_("Pemetaan kolom tersimpan"),
        queryset=ColumnMapping.objects.all(),
        required=False,
        empty_label=_("(otomatis menurut judul kolom)"),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "mapping", forms.ModelChoiceField).queryset = (
            mappings_visible_to(user) if user is not None else ColumnMapping.objects.none()
        )

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Hanya file .csv atau .xlsx."))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("File lebih dari %(mb)s MB.") % {"mb": MAX_UPLOAD_MB})
        return f


class MappingForm(forms.Form):
    """One select per template field, offering the file's headers."""

    save_as = forms.CharField(label=_("Simpan pemetaan dengan nama (opsional)"), max_length=100, required=False)

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", _("— tidak ada —")), *[(h, h) for h in headers if h]]
        for col in COLUMNS:
            self.fields[f"col_{col.key}"] = forms.ChoiceField(
                label=col.header,
                choices=options,
                required=False,
                initial=initial_mapping.get(col.key, ""),
                help_text=col.help,
            )
        self.order_fields([f"col_{c.key}" for c in COLUMNS] + ["save_as"])

    def mapping(self) -> dict[str, str]:
        return {
            col.key: self.cleaned_data[f"col_{col.key}"] for col in COLUMNS if self.cleaned_data.get(f"col_{col.key}")
        }

    def clean(self):
        data = super().clean() or {}
        chosen = [v for k, v in data.items() if k.startswith("col_") and v]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Satu kolom file hanya boleh dipetakan ke satu field."))
        for key in ("village_id", "full_name", "sex", "birth_date", "relationship"):
            if not data.get(f"col_{key}"):
                self.add_error(f"col_{key}", _("Wajib dipetakan."))
        return data


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Cara impor"),
        choices=ImportRun.Mode.choices,
        initial=ImportRun.Mode.VALID_ONLY,
        widget=forms.RadioSelect,
    )
