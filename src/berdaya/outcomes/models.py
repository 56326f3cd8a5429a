"""Outcome surveys and the programme's outcome plan.

A survey is one interview of one person about their household's month: income by source (integer Rupiah), work,
the main crop's yield and price obtained, savings, a self-reported well-being step. A baseline is taken before or at
enrolment, follow-ups at the months the programme's plan names (6 and 12 by default), ad-hoc surveys any time. People
who never took part are surveyed the same way: they are the comparison group of the impact estimate (impact.py).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from . import choices as c

non_negative_rupiah = MinValueValidator(0, message=_("Tidak boleh negatif."))


def default_follow_ups() -> list[int]:
    return list(c.DEFAULT_FOLLOW_UP_MONTHS)


class OutcomePlan(models.Model):
    """What a programme measures after it: when its follow-ups fall, and when a participant counts as graduated
    ("lebih mandiri"). Criteria are data (graduation.py validates them), never code."""

    programme = models.OneToOneField(
        "programmes.Programme", verbose_name=_("program"), on_delete=models.CASCADE, related_name="outcome_plan"
    )
    follow_up_months = models.JSONField(_("tindak lanjut (bulan setelah terdaftar)"), default=default_follow_ups)
    graduation_criteria = models.JSONField(_("kriteria graduasi"), default=dict, blank=True)
    poverty_line = models.PositiveIntegerField(
        _("garis kemiskinan (Rp/kapita/bulan)"),
        null=True,
        blank=True,
        help_text=_("Kosongkan untuk memakai garis kemiskinan kabupaten dari pengaturan."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("rencana pemantauan hasil")
        verbose_name_plural = _("rencana pemantauan hasil")

    def __str__(self) -> str:
        return str(self.programme)


class OutcomeSurvey(models.Model):
    """One outcome interview of a person (about their household's last month)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.PROTECT, related_name="outcome_surveys"
    )
    # The household at the time of the interview (a person may move later); scope follows the person's household.
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("rumah tangga"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_surveys",
    )
    round = models.CharField(_("putaran"), max_length=12, choices=c.Round.choices)
    # For a follow-up: the month after enrolment it stands for (6, 12...); 0 for a baseline.
    round_month = models.PositiveSmallIntegerField(_("bulan ke-"), default=0)
    interview_date = models.DateField(_("tanggal wawancara"))
    household_size = models.PositiveSmallIntegerField(
        _("jumlah anggota rumah tangga"), validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    income_farming = models.BigIntegerField(_("usaha tani/kebun"), default=0, validators=[non_negative_rupiah])
    income_wages = models.BigIntegerField(_("upah/gaji"), default=0, validators=[non_negative_rupiah])
    income_business = models.BigIntegerField(_("usaha non-tani"), default=0, validators=[non_negative_rupiah])
    income_remittances = models.BigIntegerField(
        _("kiriman keluarga (termasuk pekerja migran)"), default=0, validators=[non_negative_rupiah]
    )
    income_transfers = models.BigIntegerField(_("bantuan pemerintah"), default=0, validators=[non_negative_rupiah])
    income_other = models.BigIntegerField(_("lainnya"), default=0, validators=[non_negative_rupiah])
    employed = models.BooleanField(_("bekerja dalam seminggu terakhir"), default=False)
    hours_worked = models.PositiveSmallIntegerField(
        _("jam kerja seminggu terakhir"), null=True, blank=True, validators=[MaxValueValidator(112)]
    )
    business_running = models.BooleanField(_("usaha masih berjalan"), null=True, blank=True)
    commodity = models.ForeignKey(
        "markets.Commodity",
        verbose_name=_("komoditas utama"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    yield_kg = models.DecimalField(
        _("hasil musim terakhir (kg)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    area_ha = models.DecimalField(
        _("luas yang dipanen (ha)"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    price_obtained = models.PositiveIntegerField(_("harga jual yang diperoleh (Rp/kg)"), null=True, blank=True)
    savings = models.BigIntegerField(_("jumlah tabungan (Rp)"), default=0, validators=[non_negative_rupiah])
    wellbeing = models.PositiveSmallIntegerField(
        _("tangga kesejahteraan (0-10)"),
        validators=[MinValueValidator(c.WELLBEING_MIN), MaxValueValidator(c.WELLBEING_MAX)],
    )
    source = models.CharField(_("sumber"), max_length=8, choices=c.Source.choices, default=c.Source.WEB)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("survei hasil")
        verbose_name_plural = _("survei hasil")
        ordering = ["person_id", "interview_date", "id"]
        indexes = [
            models.Index(fields=["person", "interview_date"], name="outcome_person_date"),
            models.Index(fields=["programme", "round"], name="outcome_programme_round"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(round="follow_up", round_month__gt=0)
                | Q(round="baseline", round_month=0)
                | Q(round="adhoc"),
                name="outcome_round_month_fits_round",
            ),
            models.CheckConstraint(
                condition=Q(yield_kg__isnull=True) | Q(commodity__isnull=False),
                name="outcome_yield_has_commodity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_round_display()} {date_format(self.interview_date)}"

    @property
    def total_income(self) -> int:
        return sum(getattr(self, name) or 0 for name in c.INCOME_FIELDS)

    @property
    def income_per_capita(self) -> int:
        return self.total_income // max(self.household_size or 1, 1)

    @property
    def yield_kg_ha(self) -> Decimal | None:
        if self.yield_kg is None or not self.area_ha:
            return None
        return (self.yield_kg / self.area_ha).quantize(Decimal("0.1"))


class Graduation(models.Model):
    """A participant who met their programme's graduation criteria, kept so that a later survey below them shows
    as "fell back" (monitoring after graduation) instead of the graduation silently disappearing."""

    enrolment = models.OneToOneField(
        "programmes.Enrolment", verbose_name=_("pendaftaran"), on_delete=models.CASCADE, related_name="graduation"
    )
    graduated_on = models.DateField(_("tanggal graduasi"))
    fell_back_on = models.DateField(_("tanggal kembali rentan"), null=True, blank=True)
    checked_on = models.DateField(_("terakhir diperiksa"))

    class Meta:
        verbose_name = _("graduasi")
        verbose_name_plural = _("graduasi")

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.graduated_on}"
