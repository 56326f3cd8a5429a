"""Farms: plots, farmer-group details, harvests with the practices adopted, and sales.

Quantities are stored in kilograms (converted from the unit entered, which is kept); prices are integer Rupiah per
kg and amounts integer Rupiah. A sale stores its ISO week and district so that its reference price (same commodity,
grade, week and district) is one indexed subquery.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.money import positive_rupiah
from berdaya.markets import choices as mc
from berdaya.markets.models import iso_week, lat_validators, lng_validators

from . import choices as c


class FarmerGroupProfile(models.Model):
    """Farming details of a kelompok tani or gapoktan registered in the registry: class, extension worker (penyuluh),
    main commodity, and the gapoktan a poktan belongs to."""

    group = models.OneToOneField(
        "registry.Group", verbose_name=_("kelompok"), on_delete=models.CASCADE, related_name="farming_profile"
    )
    group_class = models.CharField(_("kelas kelompok"), max_length=10, choices=c.GroupClass.choices, blank=True)
    extension_worker_name = models.CharField(_("nama penyuluh"), max_length=150, blank=True)
    extension_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penyuluh (pengguna)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    main_commodity = models.ForeignKey(
        "markets.Commodity",
        verbose_name=_("komoditas utama"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "registry.Group",
        verbose_name=_("gapoktan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_groups",
        limit_choices_to={"kind": "gapoktan"},
    )

    class Meta:
        verbose_name = _("profil kelompok tani")
        verbose_name_plural = _("profil kelompok tani")

    def __str__(self) -> str:
        return str(self.group)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.group_id and self.group.kind not in {"poktan", "gapoktan"}:
            errors["group"] = [_("Profil ini hanya untuk kelompok tani atau gapoktan.")]
        if self.parent is not None:
            if self.parent.kind != "gapoktan":
                errors["parent"] = [_("Induk harus berupa gapoktan.")]
            elif self.group_id and self.group.kind != "poktan":
                errors["parent"] = [_("Hanya kelompok tani (poktan) yang bernaung di bawah gapoktan.")]
            elif self.parent_id == self.group_id:
                errors["parent"] = [_("Kelompok tidak bisa menjadi induknya sendiri.")]
        if errors:
            raise ValidationError(errors)


class Plot(models.Model):
    """A plot (lahan) a farmer operates: where, how large, on what tenure, growing what."""

    farmer = models.ForeignKey(
        "registry.Person", verbose_name=_("petani"), on_delete=models.PROTECT, related_name="plots"
    )
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("nama/penanda lahan"), max_length=100, blank=True)
    area_ha = models.DecimalField(
        _("luas (ha)"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1000"))],
    )
    tenure = models.CharField(_("status lahan"), max_length=20, choices=c.Tenure.choices)
    commodity = models.ForeignKey(
        "markets.Commodity", verbose_name=_("komoditas utama"), on_delete=models.PROTECT, related_name="+"
    )
    variety = models.CharField(_("varietas"), max_length=100, blank=True)
    planting_year = models.PositiveSmallIntegerField(
        _("tahun tanam"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lat_validators
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lng_validators
    )
    is_active = models.BooleanField(_("masih dikelola"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lahan")
        verbose_name_plural = _("lahan")
        ordering = ["farmer", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_ha__gt=0),
                name="plot_area_positive",
                violation_error_message=_("Luas lahan harus lebih dari nol."),
            )
        ]
        indexes = [models.Index(fields=["farmer", "is_active"], name="plot_farmer_active_idx")]

    def __str__(self) -> str:
        return self.name or f"{self.commodity} {self.area_ha} ha"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.area_ha is not None and self.area_ha <= 0:
            errors["area_ha"] = [_("Luas lahan harus lebih dari nol.")]
        if self.planting_year and self.planting_year > timezone.localdate().year:
            errors["planting_year"] = [_("Tahun tanam tidak boleh di masa depan.")]
        if self.commodity_id and self.commodity.is_tree_crop and not self.planting_year:
            errors["planting_year"] = [_("Isi tahun tanam untuk tanaman tahunan (karet, sawit, kopi, kayu manis).")]
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = [_("Isi lintang dan bujur bersama-sama, atau kosongkan keduanya.")]
        if errors:
            raise ValidationError(errors)


class Practice(models.Model):
    """A practice taught in the field schools (controlled list per commodity, seeded): certified seed, pruning..."""

    commodity = models.ForeignKey(
        "markets.Commodity",
        verbose_name=_("komoditas"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("praktik budidaya")
        verbose_name_plural = _("praktik budidaya")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Harvest(models.Model):
    """A harvest of one plot in one season: the quantity as entered and in kg, and the practices used."""

    plot = models.ForeignKey(Plot, verbose_name=_("lahan"), on_delete=models.PROTECT, related_name="harvests")
    harvested_on = models.DateField(_("tanggal panen"))
    season = models.CharField(_("musim"), max_length=10, editable=False, db_index=True)
    quantity = models.DecimalField(_("jumlah"), max_digits=12, decimal_places=2)
    unit = models.ForeignKey("markets.Unit", verbose_name=_("satuan"), on_delete=models.PROTECT, related_name="+")
    quantity_kg = models.DecimalField(_("jumlah (kg)"), max_digits=14, decimal_places=2, editable=False)
    practices = models.ManyToManyField(
        Practice, verbose_name=_("praktik yang diterapkan"), blank=True, related_name="+"
    )
    warning = models.CharField(_("peringatan saat dicatat"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("panen")
        verbose_name_plural = _("panen")
        ordering = ["-harvested_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity_kg__gt=0),
                name="harvest_quantity_positive",
                violation_error_message=_("Jumlah panen harus lebih dari nol."),
            )
        ]
        indexes = [models.Index(fields=["plot", "season"], name="harvest_plot_season_idx")]

    def __str__(self) -> str:
        return f"{self.plot} {self.season}: {self.quantity_kg} kg"


class Sale(models.Model):
    """A sale by a farmer: what, what grade, how much, at what price, to whom, through which channel."""

    farmer = models.ForeignKey(
        "registry.Person", verbose_name=_("petani"), on_delete=models.PROTECT, related_name="sales"
    )
    plot = models.ForeignKey(
        Plot, verbose_name=_("dari lahan"), on_delete=models.PROTECT, null=True, blank=True, related_name="sales"
    )
    date = models.DateField(_("tanggal"))
    commodity = models.ForeignKey(
        "markets.Commodity", verbose_name=_("komoditas"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.ForeignKey(
        "markets.Grade", verbose_name=_("mutu"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quality_pct = models.DecimalField(
        _("kadar (mis. KKK %)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    quantity = models.DecimalField(_("jumlah"), max_digits=12, decimal_places=2)
    unit = models.ForeignKey("markets.Unit", verbose_name=_("satuan"), on_delete=models.PROTECT, related_name="+")
    quantity_kg = models.DecimalField(_("jumlah (kg)"), max_digits=14, decimal_places=2, editable=False)
    price_per_kg = models.PositiveIntegerField(_("harga (Rp/kg)"), validators=[positive_rupiah])
    amount = models.BigIntegerField(_("nilai (Rp)"), editable=False)
    buyer_name = models.CharField(_("pembeli"), max_length=150, blank=True)
    buyer = models.ForeignKey(
        "markets.Buyer",
        verbose_name=_("pembeli terdaftar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("saluran penjualan"), max_length=20, choices=mc.Channel.choices)
    season = models.CharField(_("musim"), max_length=10, editable=False)
    week = models.PositiveIntegerField(_("minggu ISO"), editable=False)
    district = models.ForeignKey("areas.District", on_delete=models.PROTECT, related_name="+", editable=False)
    warning = models.CharField(_("peringatan saat dicatat"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penjualan")
        verbose_name_plural = _("penjualan")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity_kg__gt=0) & Q(price_per_kg__gt=0),
                name="sale_positive",
                violation_error_message=_("Jumlah dan harga harus lebih dari nol."),
            )
        ]
        indexes = [
            models.Index(fields=["farmer", "date"], name="sale_farmer_date_idx"),
            models.Index(fields=["commodity", "week", "district"], name="sale_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} {self.quantity_kg} kg @ {self.price_per_kg}"

    def save(self, *args, **kwargs):
        self.week = iso_week(self.date)
        self.amount = int((self.quantity_kg * self.price_per_kg).quantize(Decimal(1)))
        super().save(*args, **kwargs)
