"""Forms of outcome surveys, a programme's outcome plan, the import and the impact page. Each form only types the
input; the rules are the services' (rules.py), whose messages land on the field they name."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.forms import DateInput, NumberField, RupiahField, style_widgets
from berdaya.markets.models import Commodity
from berdaya.programmes.models import Programme

from . import choices as c
from . import impact

YES_NO_UNKNOWN = [("", "—"), ("true", gettext_lazy("Ya")), ("false", gettext_lazy("Tidak"))]


def _yes_no(value: Any) -> bool | None:
    return {"true": True, "false": False}.get(str(value))


class SurveyForm(forms.Form):
    programme = forms.ModelChoiceField(
        Programme.objects.none(),
        label=gettext_lazy("Program"),
        required=False,
        help_text=gettext_lazy("Kosongkan untuk survei warga yang bukan peserta (kelompok pembanding)."),
    )
    round = forms.ChoiceField(label=gettext_lazy("Putaran"), choices=c.Round.choices)
    round_month = forms.IntegerField(
        label=gettext_lazy("Tindak lanjut bulan ke-"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=gettext_lazy("Untuk tindak lanjut saja, mis. 6 atau 12 bulan setelah terdaftar."),
    )
    interview_date = forms.DateField(label=gettext_lazy("Tanggal wawancara"), widget=DateInput())
    household_size = forms.IntegerField(label=gettext_lazy("Jumlah anggota rumah tangga"), min_value=1, max_value=30)
    income_farming = RupiahField(label=gettext_lazy("Pendapatan usaha tani/kebun sebulan (Rp)"), required=False)
    income_wages = RupiahField(label=gettext_lazy("Upah/gaji sebulan (Rp)"), required=False)
    income_business = RupiahField(label=gettext_lazy("Usaha non-tani sebulan (Rp)"), required=False)
    income_remittances = RupiahField(label=gettext_lazy("Kiriman keluarga sebulan (Rp)"), required=False)
    income_transfers = RupiahField(label=gettext_lazy("Bantuan pemerintah sebulan (Rp)"), required=False)
    income_other = RupiahField(label=gettext_lazy("Pendapatan lain sebulan (Rp)"), required=False)
    employed = forms.BooleanField(label=gettext_lazy("Bekerja dalam seminggu terakhir"), required=False)
    hours_worked = forms.IntegerField(label=gettext_lazy("Jam kerja seminggu terakhir"), required=False)
    business_running = forms.ChoiceField(
        label=gettext_lazy("Usaha (hasil pelatihan/modal) masih berjalan?"), choices=YES_NO_UNKNOWN, required=False
    )
    commodity = forms.ModelChoiceField(Commodity.objects.all(), label=gettext_lazy("Komoditas utama"), required=False)
    yield_kg = NumberField(label=gettext_lazy("Hasil musim terakhir (kg)"), decimal_places=2, required=False)
    area_ha = NumberField(label=gettext_lazy("Luas yang dipanen (ha)"), decimal_places=3, required=False)
    price_obtained = RupiahField(label=gettext_lazy("Harga jual yang diperoleh (Rp/kg)"), required=False)
    savings = RupiahField(label=gettext_lazy("Jumlah tabungan (Rp)"), required=False)
    wellbeing = forms.TypedChoiceField(
        label=gettext_lazy(
            "Bayangkan tangga 0 (hidup terburuk) sampai 10 (terbaik). Di anak tangga mana Anda sekarang?"
        ),
        # No step chosen in advance: the person answers, the facilitator does not accept a default.
        choices=[("", "—"), *[(str(i), str(i)) for i in range(c.WELLBEING_MIN, c.WELLBEING_MAX + 1)]],
        coerce=int,
    )

    def __init__(self, *args: Any, programmes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field = self.fields["programme"]
        assert isinstance(form_field, forms.ModelChoiceField)
        form_field.queryset = programmes if programmes is not None else Programme.objects.none()
        style_widgets(self, empty_label="—")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("programme", None)
        data["business_running"] = _yes_no(data.get("business_running"))
        return data


class PlanForm(forms.Form):
    follow_up_months = forms.CharField(
        label=gettext_lazy("Tindak lanjut (bulan setelah terdaftar)"),
        help_text=gettext_lazy("Dipisah koma, mis. 6, 12."),
    )
    poverty_line = RupiahField(
        label=gettext_lazy("Garis kemiskinan (Rp/kapita/bulan)"),
        required=False,
        help_text=gettext_lazy("Kosongkan untuk memakai garis kemiskinan kabupaten dari pengaturan."),
    )
    graduation_criteria = forms.CharField(
        label=gettext_lazy("Kriteria graduasi (JSON)"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_follow_up_months(self) -> list[int]:
        raw = self.cleaned_data["follow_up_months"]
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Tulis bulan sebagai angka dipisah koma, mis. 6, 12.")) from None

    def clean_graduation_criteria(self) -> Any:
        try:
            return json.loads(self.cleaned_data["graduation_criteria"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON tidak sah (baris %(l)s, kolom %(c)s).") % {"l": exc.lineno, "c": exc.colno}
            ) from None


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas CSV atau XLSX"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Periksa saja (uji coba, tidak menyimpan)"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ImpactForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Hasil yang diukur"), choices=list(impact.OUTCOMES.items()))
    comparison = forms.ChoiceField(label=gettext_lazy("Kelompok pembanding"), choices=list(impact.COMPARISONS.items()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)
