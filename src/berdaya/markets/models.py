"""Commodities, units and grades; price points and price observations; buyers and their offers; subscribers,
bulletins, the outbox and price-move alerts.

Prices are integer Rupiah per kilogram. An observation stores its ISO week and district, copied from its date and its
point on save, so weekly and district figures (charts, reference prices for sales) are plain indexed lookups.
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

from berdaya.core.constraints import CheckConstraint
from berdaya.core.money import positive_rupiah
from berdaya.core.phone import normalise_phone_fields, validate_phone

from . import choices as c

lat_validators = [MinValueValidator(Decimal(-11)), MaxValueValidator(Decimal(6))]
lng_validators = [MinValueValidator(Decimal(94)), MaxValueValidator(Decimal(142))]


def iso_week(date) -> int:
    """ISO year and week as one sortable integer: 2025-W07 is 202507."""
    year, week, _day = date.isocalendar()
    return year * 100 + week


class Commodity(models.Model):
    """A commodity as it is sold: rubber (slab), oil-palm fresh fruit bunches (TBS), coffee cherries or beans..."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    short_name = models.CharField(_("nama singkat (SMS)"), max_length=12)
    is_tree_crop = models.BooleanField(_("tanaman tahunan"), default=False)
    seasons_per_year = models.PositiveSmallIntegerField(
        _("musim panen per tahun"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    # Configurable: a harvest above area × this is suspicious (warned, not refused).
    max_yield_kg_ha_season = models.PositiveIntegerField(_("hasil maksimum wajar (kg/ha/musim)"), default=10_000)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("komoditas")
        verbose_name_plural = _("komoditas")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def season_of(self, date) -> str:
        """The season label of a date: the year for crops harvested through the year, "2025-1"/"2025-2" for rice."""
        if self.seasons_per_year <= 1:
            return str(date.year)
        part = (date.month - 1) * self.seasons_per_year // 12 + 1
        return f"{date.year}-{part}"


class Grade(models.Model):
    """A quality grade of a commodity, e.g. rubber by dry-rubber content (KKK), coffee by defects."""

    commodity = models.ForeignKey(
        Commodity, verbose_name=_("komoditas"), on_delete=models.CASCADE, related_name="grades"
    )
    code = models.SlugField(_("kode"), max_length=30)
    name = models.CharField(_("nama"), max_length=100)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("mutu")
        verbose_name_plural = _("mutu")
        ordering = ["commodity", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["commodity", "code"], name="grade_code_unique")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit people count harvests in: kg, ton, kaleng (tin), karung (sack)."""

    code = models.SlugField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=50)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("satuan")
        verbose_name_plural = _("satuan")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class UnitConversion(models.Model):
    """Kilograms in one unit: a general row (no commodity) and rows per commodity where it differs (a kaleng of
    coffee cherries does not weigh what a kaleng of unhusked rice weighs)."""

    unit = models.ForeignKey(Unit, verbose_name=_("satuan"), on_delete=models.CASCADE, related_name="conversions")
    commodity = models.ForeignKey(
        Commodity, verbose_name=_("komoditas"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kg_per_unit = models.DecimalField(
        _("kg per satuan"), max_digits=10, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )

    class Meta:
        verbose_name = _("konversi satuan")
        verbose_name_plural = _("konversi satuan")
        ordering = ["unit", "commodity"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "commodity"], name="conversion_unique_per_commodity"),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(commodity__isnull=True), name="conversion_unique_general"
            ),
            models.CheckConstraint(condition=Q(kg_per_unit__gt=0), name="conversion_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit} = {self.kg_per_unit} kg"


class PricePoint(models.Model):
    """Where prices are observed: a market (Pasar Bangko), a mill, a UPPB, a collector, a company buying point."""

    name = models.CharField(_("nama"), max_length=150)
    channel = models.CharField(_("saluran"), max_length=20, choices=c.Channel.choices)
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey("areas.District", on_delete=models.PROTECT, related_name="+", editable=False)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lat_validators
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lng_validators
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("titik harga")
        verbose_name_plural = _("titik harga")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="pricepoint_unique_in_village")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.village_id:  # the district is the first eight characters of the village's code
            self.district_id = self.village_id[:8]
        super().save(*args, **kwargs)

    def location(self) -> tuple[float, float] | None:
        if self.latitude is not None and self.longitude is not None:
            return float(self.latitude), float(self.longitude)
        village = self.village
        if village.latitude is not None and village.longitude is not None:
            return float(village.latitude), float(village.longitude)
        return None


class PriceObservation(models.Model):
    """One price seen on one date at one point, per kg. An outlier waits for confirmation (status pending)."""

    date = models.DateField(_("tanggal"))
    point = models.ForeignKey(
        PricePoint, verbose_name=_("titik harga"), on_delete=models.PROTECT, related_name="observations"
    )
    commodity = models.ForeignKey(Commodity, verbose_name=_("komoditas"), on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(
        Grade, verbose_name=_("mutu"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    price_type = models.CharField(_("jenis harga"), max_length=20, choices=c.PriceType.choices)
    price_per_kg = models.PositiveIntegerField(_("harga (Rp/kg)"), validators=[positive_rupiah])
    source = models.CharField(_("sumber"), max_length=20, choices=c.Source.choices, default=c.Source.ENUMERATOR)
    status = models.CharField(
        _("status"), max_length=20, choices=c.ObservationStatus.choices, default=c.ObservationStatus.ACCEPTED
    )
    flag_reason = models.CharField(_("catatan pemeriksaan"), max_length=300, blank=True)
    reference_median = models.PositiveIntegerField(_("median terkini saat dicatat"), null=True, blank=True)
    week = models.PositiveIntegerField(_("minggu ISO"), editable=False, db_index=True)
    district = models.ForeignKey("areas.District", on_delete=models.PROTECT, related_name="+", editable=False)
    channel = models.CharField(_("saluran"), max_length=20, choices=c.Channel.choices, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengamatan harga")
        verbose_name_plural = _("pengamatan harga")
        ordering = ["-date", "-id"]
        constraints = [
            # Validated in Python (core.constraints): no query and savepoint per observation validated.
            CheckConstraint(
                condition=Q(price_per_kg__gt=0),
                name="observation_price_positive",
                violation_error_message=_("Harga harus lebih dari nol."),
            )
        ]
        indexes = [
            models.Index(fields=["commodity", "date"], name="obs_commodity_date_idx"),
            models.Index(fields=["commodity", "week", "district"], name="obs_commodity_week_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} {self.price_per_kg} ({self.date})"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = [_("Tanggal tidak boleh di masa depan.")]
        if self.commodity_id and self.grade is not None and self.grade.commodity_id != self.commodity_id:
            errors["grade"] = [_("Mutu ini bukan mutu komoditas yang dipilih.")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.week = iso_week(self.date)
        if self.point_id:
            self.district_id = self.point.district_id
            self.channel = self.point.channel
        super().save(*args, **kwargs)


class Buyer(models.Model):
    """A buyer or offtaker farmers can sell to: a mill, a UPPB, a cooperative, a company, an exporter."""

    name = models.CharField(_("nama"), max_length=150, unique=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=c.BuyerKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi mitra"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lat_validators
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True, validators=lng_validators
    )
    contact = models.CharField(_("kontak"), max_length=150, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("pembeli / offtaker")
        verbose_name_plural = _("pembeli / offtaker")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def channel(self) -> str:
        return c.BUYER_CHANNEL[self.kind]

    def location(self) -> tuple[float, float] | None:
        if self.latitude is not None and self.longitude is not None:
            return float(self.latitude), float(self.longitude)
        village = self.village
        if village.latitude is not None and village.longitude is not None:
            return float(village.latitude), float(village.longitude)
        return None


class BuyerOffer(models.Model):
    """What a buyer takes and pays: commodity, grade, minimum quantity, offered price, and for how long."""

    buyer = models.ForeignKey(Buyer, verbose_name=_("pembeli"), on_delete=models.CASCADE, related_name="offers")
    commodity = models.ForeignKey(Commodity, verbose_name=_("komoditas"), on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(
        Grade, verbose_name=_("mutu"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    min_quantity_kg = models.PositiveIntegerField(_("jumlah minimum (kg)"), default=0)
    price_per_kg = models.PositiveIntegerField(_("harga ditawarkan (Rp/kg)"), validators=[positive_rupiah])
    valid_from = models.DateField(_("berlaku sejak"), default=timezone.localdate)
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("penawaran pembeli")
        verbose_name_plural = _("penawaran pembeli")
        ordering = ["commodity", "-price_per_kg"]
        constraints = [
            models.CheckConstraint(condition=Q(price_per_kg__gt=0), name="offer_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} · {self.commodity} {self.price_per_kg}"

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Tanggal akhir tidak boleh sebelum tanggal mulai.")})


class SubscriberConsent(models.Model):
    """A farmer's consent (UU 27/2022) to receive price bulletins and alerts: which number, which channel, which
    commodities and district. Withdrawing stops every message from then on."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("penduduk"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="price_subscriptions",
    )
    phone = models.CharField(
        _("nomor HP"),
        max_length=16,
        validators=[validate_phone],
    )
    channel = models.CharField(
        _("saluran"), max_length=10, choices=c.MessageChannel.choices, default=c.MessageChannel.SMS
    )
    commodities = models.ManyToManyField(Commodity, verbose_name=_("komoditas"), related_name="+")
    district = models.ForeignKey(
        "areas.District", verbose_name=_("kecamatan"), on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(_("dasar"), max_length=20, choices=c.ConsentBasis.choices, default=c.ConsentBasis.CONSENT)
    consent_date = models.DateField(_("tanggal persetujuan"), default=timezone.localdate)
    withdrawn_at = models.DateField(_("ditarik pada"), null=True, blank=True)
    withdrawn_via = models.CharField(_("ditarik lewat"), max_length=10, choices=c.WithdrawnVia.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("persetujuan buletin harga")
        verbose_name_plural = _("persetujuan buletin harga")
        ordering = ["-consent_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.district_id}"

    def clean_fields(self, exclude=None) -> None:
        normalise_phone_fields(self, "phone")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.consent_date and self.consent_date > today:
            errors["consent_date"] = [_("Tanggal persetujuan tidak boleh di masa depan.")]
        if self.withdrawn_at and self.consent_date and self.withdrawn_at < self.consent_date:
            errors["withdrawn_at"] = [_("Tanggal penarikan tidak boleh sebelum tanggal persetujuan.")]
        if errors:
            raise ValidationError(errors)


class Bulletin(models.Model):
    """A weekly price bulletin for a district (or the whole regency when district is empty), in three versions."""

    week_start = models.DateField(_("awal minggu (Senin)"))
    district = models.ForeignKey(
        "areas.District", verbose_name=_("kecamatan"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sms_parts = models.JSONField(_("versi SMS"), default=list)
    text = models.TextField(_("versi WhatsApp/teks"))
    data = models.JSONField(_("angka"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)

    class Meta:
        verbose_name = _("buletin harga")
        verbose_name_plural = _("buletin harga")
        ordering = ["-week_start", "district"]

    def __str__(self) -> str:
        return f"{self.week_start} {self.district_id or ''}"


class PriceAlert(models.Model):
    """A commodity whose weekly farm-gate price moved more than the configured percentage."""

    commodity = models.ForeignKey(Commodity, on_delete=models.CASCADE, related_name="+")
    week = models.PositiveIntegerField(_("minggu ISO"))
    previous_price = models.PositiveIntegerField(_("harga minggu lalu"))
    current_price = models.PositiveIntegerField(_("harga minggu ini"))
    change_pct = models.DecimalField(_("perubahan (%)"), max_digits=7, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("peringatan harga")
        verbose_name_plural = _("peringatan harga")
        ordering = ["-week", "commodity"]
        constraints = [models.UniqueConstraint(fields=["commodity", "week"], name="alert_unique_week")]

    def __str__(self) -> str:
        return f"{self.commodity} {self.week} {self.change_pct}%"


class OutboxMessage(models.Model):
    """One message to one number, with its delivery status. A failure is retried with a growing delay."""

    kind = models.CharField(_("jenis"), max_length=20, choices=c.MessageKind.choices)
    channel = models.CharField(_("saluran"), max_length=10, choices=c.MessageChannel.choices)
    to = models.CharField(_("tujuan"), max_length=16)
    body = models.TextField(_("isi"))
    subscriber = models.ForeignKey(
        SubscriberConsent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bulletin = models.ForeignKey(Bulletin, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    alert = models.ForeignKey(PriceAlert, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    status = models.CharField(_("status"), max_length=10, choices=c.OutboxStatus.choices, default=c.OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.CharField(_("galat terakhir"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"), default=timezone.now)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    # What the provider said: its name and message id (to match delivery receipts), the segments billed, and when
    # the receipt said the message reached the phone or failed.
    provider = models.CharField(_("penyedia"), max_length=40, blank=True)
    provider_id = models.CharField(_("id di penyedia"), max_length=100, blank=True)
    segments = models.PositiveSmallIntegerField(_("segmen SMS"), default=0)
    delivered_at = models.DateTimeField(_("sampai di HP pada"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gagal pada"), null=True, blank=True)
    receipt_at = models.DateTimeField(_("laporan terakhir"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("kotak keluar")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["provider", "provider_id"], name="outbox_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to[-4:]} ({self.status})"


class InboundCommand(models.Model):
    """A STOP (or START) a subscriber sent through the gateway: when, by which channel, and how many of the number's
    subscriptions it withdrew. The provider's message id makes a repeated delivery count once."""

    provider = models.CharField(_("penyedia"), max_length=40)
    channel = models.CharField(_("saluran"), max_length=10, choices=c.MessageChannel.choices)
    external_id = models.CharField(_("id di penyedia"), max_length=100)
    sender = models.CharField(_("pengirim"), max_length=20)
    keyword = models.CharField(_("perintah"), max_length=10, choices=c.Keyword.choices)
    subscriptions = models.PositiveIntegerField(_("langganan terdampak"), default=0)
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)

    class Meta:
        verbose_name = _("perintah SMS masuk")
        verbose_name_plural = _("perintah SMS masuk")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "channel", "external_id"], name="inbound_command_unique")
        ]

    def __str__(self) -> str:
        return f"{self.keyword} {self.channel} {self.external_id}"
