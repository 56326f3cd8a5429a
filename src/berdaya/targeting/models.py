"""Targeting: the welfare score and deciles, eligibility rule sets, targeting runs and their candidate lists.

Everything about a run is kept so an auditor can check it later: the rule version it used (immutable once used),
the score configuration version, every candidate with the reasons in plain Indonesian, and every review decision.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import choices as c

decile_validators = [MinValueValidator(1), MaxValueValidator(10)]


class ScoreConfig(models.Model):
    """One version of the welfare-score weights (a proxy-means-style points table). Exactly one is active.

    Versions are never edited once saved: a change is a new version, so every stored score names the weights that
    produced it.
    """

    version = models.PositiveIntegerField(_("versi"), unique=True)
    weights = models.JSONField(_("bobot"))
    note = models.CharField(_("catatan perubahan"), max_length=300, blank=True)
    active = models.BooleanField(_("aktif"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("konfigurasi skor kesejahteraan")
        verbose_name_plural = _("konfigurasi skor kesejahteraan")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="scoreconfig_one_active")
        ]

    def __str__(self) -> str:
        return _("Skor versi %(v)s") % {"v": self.version}

    def clean(self) -> None:
        from .scoring import weight_errors

        errors = weight_errors(self.weights)
        if errors:
            raise ValidationError({"weights": errors})


class HouseholdWelfare(models.Model):
    """The welfare score and deciles of one household: the local score, an imported official decile and a field
    verification. The effective decile is the verified one, else the official one, else the local one."""

    household = models.OneToOneField(
        "registry.Household",
        verbose_name=_("rumah tangga"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="welfare",
    )
    score = models.IntegerField(_("skor kesejahteraan"), null=True, blank=True)
    local_decile = models.PositiveSmallIntegerField(
        _("desil lokal"), null=True, blank=True, validators=decile_validators
    )
    config_version = models.PositiveIntegerField(_("versi skor"), null=True, blank=True)
    computed_at = models.DateTimeField(_("dihitung"), null=True, blank=True)

    official_decile = models.PositiveSmallIntegerField(
        _("desil resmi"), null=True, blank=True, validators=decile_validators
    )
    official_source = models.CharField(_("sumber desil resmi"), max_length=60, blank=True)
    imported_at = models.DateTimeField(_("diimpor"), null=True, blank=True)

    verified_decile = models.PositiveSmallIntegerField(
        _("desil hasil verifikasi lapangan"), null=True, blank=True, validators=decile_validators
    )
    verified_reason = models.CharField(_("alasan verifikasi"), max_length=300, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diverifikasi oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)

    class Meta:
        verbose_name = _("kesejahteraan rumah tangga")
        verbose_name_plural = _("kesejahteraan rumah tangga")
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_decile__isnull=True) | ~Q(verified_reason=""),
                name="welfare_verification_has_reason",
                violation_error_message=_("Verifikasi desil harus disertai alasan."),
            ),
            models.CheckConstraint(
                condition=Q(official_decile__isnull=True) | ~Q(official_source=""),
                name="welfare_official_has_source",
                violation_error_message=_("Desil resmi harus menyebut sumbernya, mis. DTSEN 2025."),
            ),
        ]
        # The cut points a newly scored household is placed against (scoring.cut_points): one index probe per
        # decile, on every registration, instead of a read of the whole table.
        indexes = [models.Index(fields=["config_version", "local_decile", "score"], name="welfare_decile_score")]

    def __str__(self) -> str:
        return _("Kesejahteraan rumah tangga %(id)s") % {"id": self.household_id}

    @property
    def effective_decile(self) -> int | None:
        return self.verified_decile or self.official_decile or self.local_decile

    @property
    def decile_source(self) -> str:
        if self.verified_decile:
            return str(_("verifikasi lapangan"))
        if self.official_decile:
            return self.official_source
        if self.local_decile:
            return str(_("skor lokal"))
        return ""


class HouseholdFacts(models.Model):
    """Facts about a household that come from its living members, one row per household with at least one: how
    many there are and whether one of them is a female head. A database view (migration 0003), never written.

    Rules join it once (person -> household -> facts), so a rule that asks for "female-headed" or "household of at
    most N" in its conditions, its reasons and its priority costs one aggregate over the registry, not one per
    mention. Note for registry migrations: PostgreSQL refuses to change the type of a column a view reads
    (registry_person.household_id, status, relationship, sex); drop the view first and let this migration's SQL
    re-create it.
    """

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="targeting_facts",
    )
    size = models.IntegerField(_("anggota yang tinggal"))
    female_head = models.IntegerField(_("dikepalai perempuan"))

    class Meta:
        managed = False
        db_table = "targeting_householdfacts"
        verbose_name = _("fakta rumah tangga")
        verbose_name_plural = _("fakta rumah tangga")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.size}"


class RuleSet(models.Model):
    """Eligibility criteria for a programme (or a stand-alone list), built in a form. The content lives in
    versions; a run records the version it used."""

    name = models.CharField(_("nama aturan"), max_length=150)
    description = models.TextField(_("uraian"), blank=True)
    # The programme whose candidates this rule set selects (berdaya.programmes), kept as a plain id (from when
    # targeting could stand without that app); integrations.py reads the programme.
    programme_id = models.PositiveBigIntegerField(_("program"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    # Not stored: the programme's name on the rule set list (views.index).
    programme_name: str

    class Meta:
        verbose_name = _("aturan kelayakan")
        verbose_name_plural = _("aturan kelayakan")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> RuleSetVersion | None:
        return self.versions.order_by("-number").first()


class RuleSetVersion(models.Model):
    """One version of a rule set: the condition tree, the priority order, quotas and capacity. Immutable once a
    run has used it (`locked`): editing then makes a new version."""

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("aturan"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("versi"))
    rules = models.JSONField(_("kriteria"))
    priority = models.JSONField(_("urutan prioritas"), default=list, blank=True)
    quotas = models.JSONField(_("kuota"), default=dict, blank=True)
    capacity = models.PositiveIntegerField(_("kapasitas"), null=True, blank=True)
    near_miss_limit = models.PositiveIntegerField(_("batas daftar hampir memenuhi"), default=200)
    confirmed_empty = models.BooleanField(_("sengaja tanpa syarat"), default=False)
    locked = models.BooleanField(_("terkunci (sudah dipakai)"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("versi aturan kelayakan")
        verbose_name_plural = _("versi aturan kelayakan")
        ordering = ["ruleset", "-number"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "number"], name="rulesetversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.ruleset} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk and RuleSetVersion.objects.filter(pk=self.pk, locked=True).exists():
            raise ValidationError(_("Versi aturan yang sudah dipakai proses penetapan tidak boleh diubah."))
        super().save(*args, **kwargs)


class TargetingRun(models.Model):
    """One evaluation of a rule-set version over the whole registry, producing a candidate list to review."""

    ruleset = models.ForeignKey(RuleSet, verbose_name=_("aturan"), on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("versi aturan"), on_delete=models.PROTECT, related_name="runs"
    )
    programme_id = models.PositiveBigIntegerField(_("program"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=c.RunStatus.choices, default=c.RunStatus.QUEUED)
    as_of = models.DateField(_("tanggal acuan umur"))
    score_version = models.PositiveIntegerField(_("versi skor"), null=True, blank=True)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("tugas"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    eligible_count = models.PositiveIntegerField(_("memenuhi syarat"), default=0)
    selected_count = models.PositiveIntegerField(_("terpilih"), default=0)
    near_miss_count = models.PositiveIntegerField(_("hampir memenuhi"), default=0)
    error = models.TextField(_("galat"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dijalankan oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disetujui oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("disetujui"), null=True, blank=True)

    # Not stored: the counts a run table shows its viewer (selectors.runs_with_counts: within their scope).
    shown_eligible: int
    shown_selected: int

    class Meta:
        verbose_name = _("proses penetapan sasaran")
        verbose_name_plural = _("proses penetapan sasaran")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database itself refuses a second concurrent run for the same rule set.
            models.UniqueConstraint(
                fields=["ruleset"],
                condition=Q(status__in=list(c.ACTIVE_RUN_STATUSES)),
                name="targetingrun_one_active_per_ruleset",
                violation_error_message=_("Masih ada proses penetapan sasaran yang berjalan untuk aturan ini."),
            )
        ]

    def __str__(self) -> str:
        return _("Proses #%(id)s · %(name)s") % {"id": self.pk, "name": self.ruleset.name}

    @property
    def is_active(self) -> bool:
        return self.status in c.ACTIVE_RUN_STATUSES


class Candidate(models.Model):
    """One person on a run's candidate list: selected, in reserve, a near miss, or added by the officer."""

    # A candidate list is a snapshot that only the engine writes, in one INSERT ... SELECT from rows it reads in the
    # same statement, so both references hold by construction. The database does not check them row by row: those
    # checks (a locking lookup per row at commit) cost as much as evaluating the rules over the whole registry
    # (docs/decisions.md). The ORM still cascades a deleted run and protects a person who is on a list, and
    # (run, person) is unique and indexed, which also serves every lookup by run.
    run = models.ForeignKey(
        TargetingRun, on_delete=models.CASCADE, related_name="candidates", db_constraint=False, db_index=False
    )
    # No index of its own: lists are read by run, and people are never deleted by the application (the ORM's PROTECT
    # check on an admin delete scans this table instead).
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    household_id = models.BigIntegerField(_("rumah tangga"))
    village_id = models.CharField(_("desa"), max_length=13)
    district_code = models.CharField(_("kecamatan"), max_length=8)
    status = models.CharField(_("hasil"), max_length=12, choices=c.CandidateStatus.choices)
    rank = models.PositiveIntegerField(_("peringkat"), null=True, blank=True)
    decile = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True)
    reasons = models.TextField(_("alasan"), blank=True)
    failed = models.TextField(_("syarat yang tidak terpenuhi"), blank=True)
    review = models.CharField(_("tinjauan"), max_length=10, choices=c.Review.choices, blank=True, default="")
    review_reason = models.CharField(_("alasan tinjauan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("calon penerima")
        verbose_name_plural = _("daftar calon penerima")
        ordering = ["run", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="candidate_unique_person")]
        indexes = [models.Index(fields=["run", "status", "rank"], name="candidate_run_status_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id} ({self.status})"


class ReviewLog(models.Model):
    """Every review decision on a candidate list: who excluded or added whom, and why (UU PDP: a person may
    object to automated profiling, so a person's decision is recorded beside the machine's)."""

    run = models.ForeignKey(TargetingRun, on_delete=models.CASCADE, related_name="review_log")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="log")
    action = models.CharField(_("tindakan"), max_length=10, choices=c.ReviewAction.choices)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    # Where the decision came from: the officer's own review, a village meeting (musdes, ref = its id) or a grievance
    # (ref = its tracking code), so every change to a final list can be traced to its source.
    source_kind = models.CharField(
        _("sumber keputusan"), max_length=10, choices=c.ReviewSource.choices, default=c.ReviewSource.OFFICER
    )
    source_ref = models.CharField(_("rujukan sumber"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("catatan tinjauan")
        verbose_name_plural = _("catatan tinjauan")
        ordering = ["-at", "-id"]

        indexes = [models.Index(fields=["source_kind", "source_ref"], name="reviewlog_source_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.run_id}"

    @property
    def source(self) -> str:
        """The source as written by a caller ("musdes:12", "grievance:ADU-...") or "" for an officer's review."""
        return f"{self.source_kind}:{self.source_ref}" if self.source_kind != c.ReviewSource.OFFICER else ""
