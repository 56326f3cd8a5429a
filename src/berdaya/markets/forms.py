from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import Village
from berdaya.areas.selectors import deployment_districts
from berdaya.core.forms import CheckboxSelectMultiple, DateInput, RupiahField, form_field, label_choices, style_widgets

from .models import Commodity, PriceObservation, PricePoint, SubscriberConsent


class ObservationForm(forms.ModelForm):
    confirm = forms.BooleanField(label=_("Sudah saya periksa: harga ini benar, simpan"), required=False)
    confirm_note = forms.CharField(
        label=_("Keterangan (mis. panen raya, mutu istimewa)"), required=False, max_length=150
    )

    class Meta:
        model = PriceObservation
        fields = ["date", "point", "commodity", "grade", "price_type", "price_per_kg", "source"]
        widgets = {"date": DateInput()}
        field_classes = {"price_per_kg": RupiahField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        form_field(self, "point", forms.ModelChoiceField).queryset = PricePoint.objects.filter(
            is_active=True
        ).select_related("village")
        form_field(self, "commodity", forms.ModelChoiceField).queryset = Commodity.objects.filter(is_active=True)
        price = self.fields["price_per_kg"]
        price.help_text = _("Rupiah per kilogram, mis. 7.950. Harga per ton: bagi 1.000.")
        # A negative price gets the price's own rule and message ("harus lebih dari nol"), as zero does, not the
        # field's "at least 0", which would tell the officer that 0 is allowed.
        price.validators = [v for v in price.validators if not isinstance(v, MinValueValidator)]
        style_widgets(self)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File CSV atau XLSX"),
        help_text=_(
            "Kolom: tanggal, titik, komoditas, mutu (boleh kosong), jenis_harga, harga, sumber (boleh kosong)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class SubscriberForm(forms.ModelForm):
    class Meta:
        model = SubscriberConsent
        fields = ["phone", "channel", "commodities", "district", "basis", "consent_date"]
        widgets = {"consent_date": DateInput(), "commodities": CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "commodities", forms.ModelChoiceField).queryset = Commodity.objects.filter(is_active=True)
        form_field(self, "district", forms.ModelChoiceField).queryset = deployment_districts().order_by("code")
        style_widgets(self)


class RankingForm(forms.Form):
    commodity = forms.ModelChoiceField(label=_("Komoditas"), queryset=Commodity.objects.filter(is_active=True))
    village = forms.ModelChoiceField(
        label=_("Desa asal"), queryset=Village.objects.select_related("district").order_by("district__name", "name")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_choices(form_field(self, "village", forms.ModelChoiceField), lambda v: f"{v.district.name} — {v.name}")
        style_widgets(self)
