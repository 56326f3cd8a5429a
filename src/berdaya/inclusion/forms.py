from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.forms import DateInput, form_field, style_widgets
from berdaya.programmes.models import Programme

from . import choices as c
from .models import DisabilityProfile


class DisabilityProfileForm(forms.ModelForm):
    class Meta:
        model = DisabilityProfile
        fields = ["disability_type", "kpd_number", *[f"need_{n}" for n in c.SupportNeed.values]]

    def __init__(self, *args, kpd_format: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if kpd_format:
            self.fields["kpd_number"].help_text = _("Kosongkan bila tidak punya kartu. Format: %(f)s.") % {
                "f": kpd_format
            }
        style_widgets(self, empty_label=_("— pilih —"))

    @property
    def need_fields(self):
        return [self[f"need_{n}"] for n in c.SupportNeed.values]


class DeviceNeedForm(forms.Form):
    device = forms.ChoiceField(label=_("Alat bantu yang dibutuhkan"), choices=c.Device.choices)
    other_detail = forms.CharField(label=_("Keterangan (untuk 'Lainnya')"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class DeviceReceivedForm(forms.Form):
    received_on = forms.DateField(
        label=_("Tanggal diterima"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    source = forms.CharField(label=_("Diterima dari"), max_length=150, required=False)
    programme: forms.ModelChoiceField[Programme] = forms.ModelChoiceField(
        label=_("Catat sebagai bantuan program"),
        queryset=None,
        required=False,
        help_text=_("Pilih program bila alat ini disalurkan lewat program di Berdaya; penerima harus peserta program."),
    )
    override_reason = forms.CharField(
        label=_("Alasan tetap mencatat bila terindikasi penerimaan ganda"),
        max_length=300,
        required=False,
        help_text=_(
            "Isi hanya bila Berdaya menandai penerimaan ganda, mis. alat yang berbeda atau pengganti alat rusak."
        ),
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"]
            del self.fields["override_reason"]
        else:
            form_field(self, "programme", forms.ModelChoiceField).queryset = programmes
        style_widgets(self, empty_label=_("— tidak lewat program —"))
