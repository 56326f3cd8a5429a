"""Partners and coordination: agreements (MoU / PKS) between organisations (berdaya.organisations) with their
documents, and what partners committed and delivered. What partners do where (the 4W matrix) is never stored:
berdaya.partners.coordination derives it from programmes, sessions and assistance.

Money is integer Rupiah (BigIntegerField), never a float.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.documents import PrivateStorage, random_upload_name
from berdaya.core.money import positive_rupiah
from berdaya.organisations.models import Organisation

from . import choices as c


def rupiah_field() -> models.BigIntegerField:
    """An optional amount in whole Rupiah, more than zero (commitments and contributions count funds alike)."""
    return models.BigIntegerField(
        _("nilai (Rp)"),
        null=True,
        blank=True,
        validators=[positive_rupiah],
    )


def quantity_field() -> models.DecimalField:
    """An optional quantity of a unit (tonnes, sessions...), never negative."""
    return models.DecimalField(
        _("jumlah"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, _("Jumlah tidak boleh negatif."))],
    )


def _agreement_storage() -> FileSystemStorage:
    return PrivateStorage("agreements")


def _agreement_document_path(instance: AgreementDocument, filename: str) -> str:
    return random_upload_name(filename)


class Agreement(models.Model):
    """A memorandum of understanding (MoU) or cooperation agreement (PKS) between partners, usually with the
    regency government (Pemkab). Its status moves only through services.agreement_transition."""

    kind = models.CharField(_("jenis perjanjian"), max_length=10, choices=c.AgreementKind.choices)
    number = models.CharField(_("nomor perjanjian"), max_length=100, blank=True)
    title = models.CharField(_("judul"), max_length=200)
    parties = models.ManyToManyField(Organisation, verbose_name=_("para pihak"), related_name="agreements")
    # The regency government signs most agreements itself (the Bupati), not through one office.
    pemkab_is_party = models.BooleanField(_("Pemerintah kabupaten/kota ikut menandatangani"), default=True)
    start_date = models.DateField(_("tanggal mulai berlaku"))
    end_date = models.DateField(_("tanggal berakhir"))
    scope = models.TextField(_("ruang lingkup"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.AgreementStatus.choices, default=c.AgreementStatus.DRAFT
    )
    signed_on = models.DateField(_("tanggal ditandatangani"), null=True, blank=True)
    ended_on = models.DateField(_("tanggal diakhiri"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    # Not stored: the days left (negative once ended) and days overdue of a reminder (selectors.agreement_reminders).
    left: int
    overdue: int

    class Meta:
        verbose_name = _("perjanjian kerja sama")
        verbose_name_plural = _("perjanjian kerja sama")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="agreement_period_valid",
                violation_error_message=_("Tanggal berakhir tidak boleh sebelum tanggal mulai berlaku."),
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"], name="agreement_status_end_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Tanggal berakhir tidak boleh sebelum tanggal mulai berlaku.")})

    def days_left(self, today=None) -> int:
        return (self.end_date - (today or timezone.localdate())).days


class AgreementDocument(models.Model):
    """A signed copy, annex or minutes of an agreement (PDF, image or office document), under a random name."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("berkas"), upload_to=_agreement_document_path, storage=_agreement_storage, max_length=200)
    title = models.CharField(_("judul dokumen"), max_length=150)
    original_name = models.CharField(_("nama berkas asli"), max_length=200, blank=True)
    content_type = models.CharField(_("jenis berkas"), max_length=100)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("dokumen perjanjian")
        verbose_name_plural = _("dokumen perjanjian")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    """What a partner promised: funds (Rp), trainings, trainers, equipment, market access (a buyer's purchase of a
    commodity at a price or premium) or internships and jobs, for a period, often for named programmes."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisasi"), on_delete=models.PROTECT, related_name="commitments"
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("perjanjian"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    kind = models.CharField(_("jenis komitmen"), max_length=20, choices=c.CommitmentKind.choices)
    description = models.CharField(_("uraian"), max_length=300)
    # Funds are counted in integer Rupiah (amount); everything else in a quantity of a unit (tonnes, sessions...).
    amount = rupiah_field()
    quantity = quantity_field()
    unit = models.CharField(_("satuan"), max_length=30, blank=True)
    commodity = models.CharField(_("komoditas"), max_length=60, blank=True)
    price_per_kg = models.BigIntegerField(_("harga beli (Rp/kg)"), null=True, blank=True, validators=[positive_rupiah])
    premium_per_kg = models.BigIntegerField(
        _("premi di atas harga pasar (Rp/kg)"), null=True, blank=True, validators=[positive_rupiah]
    )
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("sampai"))
    programmes = models.ManyToManyField(
        "programmes.Programme", verbose_name=_("program terkait"), blank=True, related_name="commitments"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("komitmen mitra")
        verbose_name_plural = _("komitmen mitra")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="commitment_period_valid",
                violation_error_message=_("Tanggal akhir komitmen tidak boleh sebelum tanggal mulai."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="commitment_amount_or_quantity",
                violation_error_message=_("Isi nilai Rupiah atau jumlah yang dijanjikan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    @property
    def target(self):
        return self.amount if self.kind == c.CommitmentKind.FUNDS else self.quantity

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = [_("Tanggal akhir komitmen tidak boleh sebelum tanggal mulai.")]
        if self.kind == c.CommitmentKind.FUNDS:
            if self.amount is None:
                errors["amount"] = [_("Komitmen dana harus menyebut nilai Rupiah.")]
        elif self.kind and not self.quantity:
            errors["quantity"] = [_("Isi jumlah yang dijanjikan (lebih dari nol).")]
        if self.kind == c.CommitmentKind.MARKET_ACCESS:
            if not self.commodity.strip():
                errors["commodity"] = [_("Akses pasar harus menyebut komoditas yang dibeli.")]
            if self.price_per_kg is None and self.premium_per_kg is None:
                errors["price_per_kg"] = [_("Isi harga beli atau premi per kg yang dijanjikan pembeli.")]
        if (
            self.organisation_id
            and self.agreement is not None
            and not self.agreement.parties.filter(pk=self.organisation_id).exists()
        ):
            errors["agreement"] = [_("Organisasi ini bukan pihak dalam perjanjian yang dipilih.")]
        if errors:
            raise ValidationError(errors)


class Contribution(models.Model):
    """What a partner delivered against a commitment, linked to a programme (and to one of its assistance rows
    where the contribution is that assistance). Funds and trainings are also derived from programme records
    (selectors.commitment_progress), so these rows are for what the records cannot show."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("komitmen"), on_delete=models.PROTECT, related_name="contributions"
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    assistance = models.ForeignKey(
        "programmes.Assistance",
        verbose_name=_("bantuan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    date = models.DateField(_("tanggal"))
    amount = rupiah_field()
    quantity = quantity_field()
    description = models.CharField(_("uraian"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("realisasi komitmen")
        verbose_name_plural = _("realisasi komitmen")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(quantity__isnull=False),
                name="contribution_amount_or_quantity",
                violation_error_message=_("Isi nilai Rupiah atau jumlah yang direalisasikan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} @ {self.date}"

    @property
    def value(self):
        return self.amount if self.commitment.kind == c.CommitmentKind.FUNDS else self.quantity

    def clean(self) -> None:
        errors: dict[str, list] = {}
        commitment = self.commitment if self.commitment_id else None
        if commitment is not None:
            if commitment.kind == c.CommitmentKind.FUNDS and self.amount is None:
                errors["amount"] = [_("Realisasi dana harus menyebut nilai Rupiah.")]
            if commitment.kind != c.CommitmentKind.FUNDS and not self.quantity:
                errors["quantity"] = [_("Isi jumlah yang direalisasikan (lebih dari nol).")]
            if self.programme is not None and not is_part_of(commitment.organisation_id, self.programme):
                errors["programme"] = [
                    _(
                        "%(org)s bukan penyelenggara atau penyandang dana program %(programme)s: realisasi hanya "
                        "dapat dicatat pada program yang diikuti mitra ini. Tambahkan dulu sebagai penyandang dana "
                        "di halaman program."
                    )
                    % {"org": commitment.organisation.name, "programme": self.programme.name}
                ]
        if self.assistance is not None and self.assistance.programme_id != self.programme_id:
            errors.setdefault("assistance", []).append(_("Bantuan yang dipilih bukan bagian dari program ini."))
        if errors:
            raise ValidationError(errors)


def is_part_of(organisation_id: int | None, programme) -> bool:
    """An organisation takes part in a programme when it organises or funds it."""
    if organisation_id is None:
        return False
    return programme.organiser_id == organisation_id or programme.funders.filter(pk=organisation_id).exists()
