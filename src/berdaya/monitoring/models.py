"""Monitoring: the analytics tables the dashboard reads, the refreshes that rebuild them, and indicators with their
snapshots.

The analytics tables are derived data, rebuilt set-based by a background job (refresh.py, docs/monitoring.md): never
edited, never the source of a figure a person typed. `PersonFact` is one row per resident; `Cube` holds the counts
and sums of every measure per combination of the scope and breakdown dimensions, so a dashboard figure is one small
GROUP BY however large the registry is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonFact(models.Model):
    """One resident (a current person living in a household) with the dimensions every figure breaks down by, as of
    the last refresh. Not a copy to edit: rebuilt from the registry by the refresh job."""

    person = models.OneToOneField(
        "registry.Person",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # rebuilt wholesale; a person deleted since the last refresh must not block it
        related_name="analytics_fact",
    )
    household_id = models.BigIntegerField(_("rumah tangga"))
    village_code = models.CharField(_("desa"), max_length=13)
    district_code = models.CharField(_("kecamatan"), max_length=8)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=8)
    disabled = models.BooleanField(_("penyandang disabilitas"))
    flags = models.BigIntegerField(_("kerentanan (bit)"), default=0)
    household_rep = models.BooleanField(_("mewakili rumah tangga"), default=False)

    class Meta:
        verbose_name = _("fakta penduduk")
        verbose_name_plural = _("fakta penduduk")

    def __str__(self) -> str:
        return f"{self.person_id} {self.village_code}"


class PersonOrganisation(models.Model):
    """Which residents are in a partner organisation's person scope (registry.access.partner_people_q: the households
    it registered or reached through its programmes, less whoever withdrew consent to sharing with partners), so
    partner staff's figures are counted over the people they see only. `household_rep`: the person their household
    is counted by in their figures, chosen among the members they see (refresh.build_partner_scopes)."""

    fact = models.ForeignKey(PersonFact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    organisation_id = models.IntegerField(_("organisasi"))
    household_rep = models.BooleanField(_("mewakili rumah tangga"), default=False)

    class Meta:
        verbose_name = _("cakupan organisasi")
        verbose_name_plural = _("cakupan organisasi")
        # (organisation, person): the partner rows of the cube test each enrolment, assistance and reach row against
        # its organiser's scope (refresh._in_partner_scope); the organisation alone picked every row of a large one.
        indexes = [models.Index(fields=["organisation_id", "fact"], name="monitoring_personorg_org_fact")]

    def __str__(self) -> str:
        return f"{self.fact_id} @ {self.organisation_id}"


class Reach(models.Model):
    """A resident reached by a programme: enrolled (a seat status) or given assistance (disbursed or received), with
    the years the programme runs. A person is reached in a year by a programme that runs in it
    (partners.coordination.reached_q, the same rule in set form)."""

    fact = models.ForeignKey(PersonFact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    programme_id = models.IntegerField(_("program"))
    organisation_id = models.IntegerField(_("organisasi"))
    first_year = models.SmallIntegerField(_("tahun mulai"))
    last_year = models.SmallIntegerField(_("tahun selesai"))

    class Meta:
        verbose_name = _("jangkauan program")
        verbose_name_plural = _("jangkauan program")

    def __str__(self) -> str:
        return f"{self.fact_id} ← {self.programme_id}"


class Cube(models.Model):
    """The pre-aggregated figures: `value` of fact `fact` for one combination of dimensions.

    - `scope_org`: 0 for the whole regency, else the organisation whose staff may read the row (its people only).
    - `year`: 0 for a stock figure (registered people), else the year the fact belongs to.
    - `programme_id`/`organisation_id`: 0 = any; a distinct-people fact ("reached") has rows for any programme
      (0, 0), per programme (P, its organiser) and per organisation (0, O); an additive fact (enrolments, money) has
      one row per programme with its organiser.
    """

    fact = models.CharField(_("fakta"), max_length=16)
    year = models.SmallIntegerField(_("tahun"), default=0)
    scope_org = models.IntegerField(_("cakupan organisasi"), default=0)
    programme_id = models.IntegerField(_("program"), default=0)
    organisation_id = models.IntegerField(_("organisasi"), default=0)
    village_code = models.CharField(_("desa"), max_length=13)
    district_code = models.CharField(_("kecamatan"), max_length=8)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=8)
    disabled = models.BooleanField(_("penyandang disabilitas"))
    flags = models.BigIntegerField(_("kerentanan (bit)"), default=0)
    value = models.BigIntegerField(_("nilai"))

    class Meta:
        verbose_name = _("kubus agregat")
        verbose_name_plural = _("kubus agregat")
        indexes = [models.Index(fields=["fact", "scope_org", "year", "programme_id"], name="monitoring_cube_fact_idx")]

    def __str__(self) -> str:
        return f"{self.fact} {self.year} {self.village_code}: {self.value}"


class Refresh(models.Model):
    """One rebuild of the analytics tables. The dashboard says "data per <started_at>" of the last succeeded one:
    the tables show the records as they were when it started."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Berjalan")
        SUCCEEDED = "succeeded", _("Selesai")
        FAILED = "failed", _("Gagal")

    started_at = models.DateTimeField(_("mulai"))
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    as_of = models.DateField(_("tanggal acuan umur dan keterlambatan"))
    flag_bits = models.JSONField(_("bit kerentanan"), default=dict)  # flag code -> bit, as built
    rows = models.PositiveIntegerField(_("baris"), default=0)
    seconds = models.FloatField(_("lama (detik)"), default=0)
    error = models.CharField(_("galat"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pembaruan data analitik")
        verbose_name_plural = _("pembaruan data analitik")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Indicator(models.Model):
    """An indicator an administrator defines on a measure of the registry (measures.py): Berdaya computes it from the
    records, never from a typed-in total, and keeps a snapshot per period (IndicatorSnapshot)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama indikator"), max_length=200)
    definition = models.TextField(_("definisi operasional"), blank=True)
    unit = models.CharField(_("satuan"), max_length=40, blank=True)
    measure = models.CharField(_("ukuran"), max_length=40)
    filters = models.JSONField(_("penyaring"), default=dict, blank=True)
    disaggregations = models.JSONField(_("pemilahan"), default=list, blank=True)
    source = models.CharField(_("sumber data"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("indikator")
        verbose_name_plural = _("indikator")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(models.Model):
    """The target of an indicator for one year."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("tahun"))
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("target indikator")
        verbose_name_plural = _("target indikator")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_unique_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year}: {self.target}"


class IndicatorSnapshot(models.Model):
    """The value of an indicator for one period as computed at `taken_at`, with its disaggregations, kept so that a
    report of the period can be reproduced after the records change. A period is a month ("2026-11"): its value is the
    indicator for that month's year as it stood then."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshots")
    period = models.CharField(_("periode"), max_length=7)
    year = models.PositiveSmallIntegerField(_("tahun"))
    value = models.DecimalField(_("nilai"), max_digits=18, decimal_places=2, null=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, null=True)
    breakdowns = models.JSONField(_("pemilahan"), default=dict)  # dimension(s) -> [{dims..., "value": ...}]
    data_as_of = models.DateTimeField(_("data per"), null=True)
    taken_at = models.DateTimeField(_("diambil"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("potret indikator")
        verbose_name_plural = _("potret indikator")
        ordering = ["-period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="indicator_snapshot_unique_period")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}: {self.value}"
