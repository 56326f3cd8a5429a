from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.access import REGENCY_WIDE
from berdaya.core.forms import form_field, style_widgets

from .models import BreachRecord, DataRequest

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _handlers():
    return User.objects.filter(is_active=True, role__in=list(REGENCY_WIDE)).order_by("username")


class RequestForm(forms.ModelForm):
    person_id = forms.IntegerField(
        label=_("Nomor data penduduk (#id)"),
        min_value=1,
        help_text=_("Cari orangnya di daftar penduduk; nomornya tertulis di halaman orang itu."),
        error_messages={"required": _("Isi nomor data penduduk.")},
    )

    class Meta:
        model = DataRequest
        fields = ["kind", "purpose", "channel", "received_at", "handler", "notes"]
        widgets = {"received_at": DATETIME, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "handler", forms.ModelChoiceField).queryset = _handlers()
        form_field(self, "received_at", forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["received_at"].required = False  # now, when left empty
        style_widgets(self)

    def _post_clean(self):
        pass  # the service validates the model (with the person it looks up in the actor's scope)


class RequestUpdateForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["handler", "status", "outcome", "notes"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 4}), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "handler", forms.ModelChoiceField).queryset = _handlers()
        style_widgets(self)

    def _post_clean(self):
        pass


class BreachForm(forms.ModelForm):
    class Meta:
        model = BreachRecord
        fields = [
            "title",
            "description",
            "occurred_at",
            "discovered_at",
            "data_affected",
            "people_affected",
            "authority_notified_at",
            "authority_reference",
            "subjects_notified_at",
            "subjects_notice",
            "remediation",
            "status",
        ]
        widgets = dict.fromkeys(
            ("occurred_at", "discovered_at", "authority_notified_at", "subjects_notified_at"), DATETIME
        ) | {name: forms.Textarea(attrs={"rows": 3}) for name in ("description", "data_affected", "remediation")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("occurred_at", "discovered_at", "authority_notified_at", "subjects_notified_at"):
            form_field(self, name, forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        style_widgets(self)

    def _post_clean(self):
        pass


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Nomor data penduduk"), required=False, min_value=1)
    user = forms.CharField(label=_("Nama pengguna"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Tindakan"), required=False)
    since = forms.DateField(label=_("Sejak"), required=False)
    until = forms.DateField(label=_("Sampai"), required=False)

    def __init__(self, *args, **kwargs):
        from berdaya.core.models import AuditEvent

        super().__init__(*args, **kwargs)
        form_field(self, "action", forms.ChoiceField).choices = [("", _("Semua")), *AuditEvent.Action.choices]
        style_widgets(self)

    def clean(self):
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("Tanggal 'sejak' tidak boleh sesudah tanggal 'sampai'."))
        return data
