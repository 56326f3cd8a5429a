from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import Village
from berdaya.core.documents import ACCEPT
from berdaya.core.forms import form_field, style_widgets
from berdaya.targeting.models import TargetingRun

from . import choices as c


class _Styled(forms.Form):
    """Bootstrap classes, the date picker's ISO values and Indonesian numbers on every widget (core.forms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class PlanForm(_Styled):
    run: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=TargetingRun.objects.none(), label=_("Daftar (proses penetapan)")
    )
    village: forms.ModelChoiceField = forms.ModelChoiceField(queryset=Village.objects.none(), label=_("Desa/kelurahan"))
    date = forms.DateField(label=_("Tanggal musyawarah"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Tempat"), max_length=200)

    def __init__(self, *args, runs=None, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        run = form_field(self, "run", forms.ModelChoiceField)
        run.queryset = runs.select_related("ruleset")
        run.label_from_instance = lambda r: f"#{r.pk} · {r.ruleset.name}"  # type: ignore[method-assign,assignment]
        village = form_field(self, "village", forms.ModelChoiceField)
        village.queryset = villages.select_related("district").order_by("district__name", "name")
        village.label_from_instance = lambda v: f"{v.name} ({v.district.name})"  # type: ignore[method-assign,assignment]


class RecordForm(_Styled):
    date = forms.DateField(label=_("Tanggal musyawarah"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Tempat"), max_length=200)
    men = forms.IntegerField(label=_("Peserta laki-laki"), min_value=0, max_value=10_000)
    women = forms.IntegerField(label=_("Peserta perempuan"), min_value=0, max_value=10_000)
    men_disability = forms.IntegerField(label=_("…di antaranya penyandang disabilitas"), min_value=0, max_value=10_000)
    women_disability = forms.IntegerField(
        label=_("…di antaranya penyandang disabilitas (perempuan)"), min_value=0, max_value=10_000
    )
    minutes_number = forms.CharField(label=_("Nomor berita acara"), max_length=60, required=False)
    objection_until = forms.DateField(
        label=_("Batas akhir masa sanggah"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MinutesForm(_Styled):
    title = forms.CharField(label=_("Judul dokumen"), max_length=150, required=False)
    file = forms.FileField(label=_("Berkas berita acara"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class DecisionForm(_Styled):
    person = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Keputusan"), choices=c.Decision.choices)
    reason = forms.CharField(label=_("Alasan"), max_length=300, required=False)


class AddPersonForm(_Styled):
    nik = forms.CharField(label=_("NIK penduduk yang ditambahkan"), max_length=16, min_length=16)
    reason = forms.CharField(label=_("Alasan"), max_length=300)


class ProposalForm(_Styled):
    village = forms.CharField(label=_("Kode desa"), max_length=13)
    month = forms.CharField(label=_("Bulan (TTTT-BB)"), max_length=7)
    fmt = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")


class DecileImportForm(_Styled):
    source = forms.CharField(label=_("Sumber"), max_length=60, initial="DTSEN")
    file = forms.FileField(
        label=_("Berkas desil (CSV atau XLSX)"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"})
    )
