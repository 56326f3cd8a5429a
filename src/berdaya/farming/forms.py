from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import CheckboxSelectMultiple, DateInput, RupiahField, form_field, label_choices, style_widgets
from berdaya.markets.choices import Channel
from berdaya.markets.models import Buyer, Commodity, Grade, Unit
from berdaya.registry.models import Group

from .models import FarmerGroupProfile, Plot, Practice


class PlotForm(forms.ModelForm):
    class Meta:
        model = Plot
        fields = [
            "name",
            "village",
            "area_ha",
            "tenure",
            "commodity",
            "variety",
            "planting_year",
            "latitude",
            "longitude",
            "is_active",
        ]

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            form_field(self, "village", forms.ModelChoiceField).queryset = villages
        form_field(self, "commodity", forms.ModelChoiceField).queryset = Commodity.objects.filter(is_active=True)
        self.fields["area_ha"].widget.attrs["inputmode"] = "decimal"
        style_widgets(self)


class HarvestForm(forms.Form):
    harvested_on = forms.DateField(label=_("Tanggal panen"), widget=DateInput())
    quantity = forms.DecimalField(label=_("Jumlah"), max_digits=12, decimal_places=2)
    unit = forms.ModelChoiceField(label=_("Satuan"), queryset=Unit.objects.all())
    practices = forms.ModelMultipleChoiceField(
        label=_("Praktik yang diterapkan"),
        queryset=Practice.objects.none(),
        required=False,
        widget=CheckboxSelectMultiple,
    )
    confirm = forms.BooleanField(label=_("Sudah saya periksa: angka ini benar, simpan"), required=False)

    def __init__(self, *args, plot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["harvested_on"].initial = timezone.localdate()
        if plot is not None:
            from django.db.models import Q

            form_field(self, "practices", forms.ModelChoiceField).queryset = Practice.objects.filter(
                Q(commodity=plot.commodity) | Q(commodity__isnull=True)
            )
        style_widgets(self)
        self.fields["practices"].widget.attrs["class"] = "form-check-input"


class SaleForm(forms.Form):
    date = forms.DateField(label=_("Tanggal"), widget=DateInput())
    commodity = forms.ModelChoiceField(label=_("Komoditas"), queryset=Commodity.objects.filter(is_active=True))
    grade = forms.ModelChoiceField(label=_("Mutu"), queryset=Grade.objects.select_related("commodity"), required=False)
    quality_pct = forms.DecimalField(label=_("Kadar (mis. KKK %)"), max_digits=5, decimal_places=1, required=False)
    quantity = forms.DecimalField(label=_("Jumlah"), max_digits=12, decimal_places=2)
    unit = forms.ModelChoiceField(label=_("Satuan"), queryset=Unit.objects.all())
    price_per_kg = RupiahField(label=_("Harga (Rp/kg)"))
    channel = forms.ChoiceField(label=_("Saluran penjualan"), choices=[])
    buyer = forms.ModelChoiceField(
        label=_("Pembeli terdaftar"), queryset=Buyer.objects.filter(is_active=True), required=False
    )
    buyer_name = forms.CharField(label=_("Nama pembeli (bila tidak terdaftar)"), max_length=150, required=False)
    plot = forms.ModelChoiceField(label=_("Dari lahan"), queryset=Plot.objects.none(), required=False)
    confirm = forms.BooleanField(label=_("Sudah saya periksa: angka ini benar, simpan"), required=False)

    def __init__(self, *args, farmer=None, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "channel", forms.ChoiceField).choices = Channel.choices
        self.fields["date"].initial = timezone.localdate()
        label_choices(
            form_field(self, "grade", forms.ModelChoiceField), lambda g: f"{g.commodity.short_name}: {g.name}"
        )
        if farmer is not None:
            form_field(self, "plot", forms.ModelChoiceField).queryset = Plot.objects.filter(farmer=farmer)
        style_widgets(self)


class GroupProfileForm(forms.ModelForm):
    class Meta:
        model = FarmerGroupProfile
        fields = ["group_class", "extension_worker_name", "extension_worker", "main_commodity", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "extension_worker", forms.ModelChoiceField).queryset = User.objects.filter(
            is_active=True
        ).order_by("username")
        form_field(self, "parent", forms.ModelChoiceField).queryset = Group.objects.filter(kind="gapoktan")
        form_field(self, "main_commodity", forms.ModelChoiceField).queryset = Commodity.objects.filter(is_active=True)
        style_widgets(self)
