"""Record linkage: runs of the Fellegi-Sunter pipeline (linkage.py), the pairs and clusters they found, the
decisions officers took on pairs, and the match keys the incremental check looks candidates up by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DedupRun(models.Model):
    """One run of the linkage pipeline over the whole registry, or over an import batch against the registry."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        SUCCEEDED = "succeeded", _("Selesai")
        FAILED = "failed", _("Gagal")
        CANCELLED = "cancelled", _("Dibatalkan")

    class Scope(models.TextChoices):
        REGISTRY = "registry", _("Seluruh registri")
        IMPORT = "import", _("Satu impor terhadap registri")

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("tugas"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(_("cakupan"), max_length=12, choices=Scope.choices, default=Scope.REGISTRY)
    # The imports app sits above dedup: its run is named by id only (never a foreign key into a higher app).
    import_id = models.PositiveBigIntegerField(_("impor"), null=True, blank=True)
    threshold = models.FloatField(_("ambang probabilitas"), default=0.9)
    people_count = models.PositiveIntegerField(_("jumlah penduduk"), default=0)
    comparisons = models.PositiveBigIntegerField(_("jumlah perbandingan"), default=0)
    pairs_count = models.PositiveIntegerField(_("pasangan di atas ambang"), default=0)
    clusters_count = models.PositiveIntegerField(_("kelompok (klaster)"), default=0)
    # The trained Splink settings (comparisons with their m and u, λ), reused by the incremental check.
    model = models.JSONField(_("model terlatih"), default=dict, blank=True)
    # Seconds per phase (read, train, predict, cluster, write).
    timings = models.JSONField(_("waktu per tahap"), default=dict, blank=True)
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

    class Meta:
        verbose_name = _("proses deduplikasi")
        verbose_name_plural = _("proses deduplikasi")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="registry", import_id__isnull=True) | Q(scope="import", import_id__isnull=False),
                name="dedup_run_scope_import",
            ),
            # One run over the whole registry queued or running at a time (dedup_run_create says so in words;
            # this holds against two clicks at once).
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(scope="registry", status__in=["queued", "running"]),
                name="dedup_one_active_registry_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} #{self.pk}"


class MatchPair(models.Model):
    """Two people a run scored as likely the same, lower id first, with the reasons (per-field match weights)."""

    run = models.ForeignKey(DedupRun, verbose_name=_("proses"), on_delete=models.CASCADE, related_name="pairs")
    person_low = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk A"), on_delete=models.CASCADE, related_name="+"
    )
    person_high = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk B"), on_delete=models.CASCADE, related_name="+"
    )
    match_probability = models.FloatField(_("probabilitas sama"))
    match_weight = models.FloatField(_("bobot kecocokan"))
    # [{"field": "name", "label": "Nama mirip", "weight": 4.2}, ...]: one entry per compared field.
    explanation = models.JSONField(_("alasan"), default=list, blank=True)
    # The run's cluster (connected component at the threshold): the smallest person id in it.
    cluster_id = models.PositiveBigIntegerField(_("klaster"), null=True, blank=True)

    class Meta:
        verbose_name = _("pasangan kemungkinan sama")
        verbose_name_plural = _("pasangan kemungkinan sama")
        ordering = ["-match_probability", "person_low_id", "person_high_id"]
        constraints = [
            models.CheckConstraint(condition=Q(person_low__lt=F("person_high")), name="dedup_pair_low_lt_high"),
            models.UniqueConstraint(fields=["run", "person_low", "person_high"], name="dedup_pair_unique_in_run"),
        ]
        indexes = [
            models.Index(fields=["run", "-match_probability"], name="dedup_pair_run_prob_idx"),
            models.Index(fields=["run", "cluster_id"], name="dedup_pair_run_cluster_idx"),
            models.Index(fields=["person_high"], name="dedup_pair_high_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_low_id}~{self.person_high_id} ({self.match_probability:.2f})"


class PairDecision(models.Model):
    """An officer's word on a pair: the same person, or different people. A pair decided "different" is never
    proposed again by any run (linkage.write_pairs filters it out)."""

    class Decision(models.TextChoices):
        SAME = "same", _("Orang yang sama")
        DIFFERENT = "different", _("Orang berbeda")

    person_low = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk A"), on_delete=models.CASCADE, related_name="+"
    )
    person_high = models.ForeignKey(
        "registry.Person", verbose_name=_("penduduk B"), on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(_("keputusan"), max_length=12, choices=Decision.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diputuskan oleh"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("keputusan pasangan")
        verbose_name_plural = _("keputusan pasangan")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(person_low__lt=F("person_high")), name="dedup_decision_low_lt_high"),
            models.UniqueConstraint(fields=["person_low", "person_high"], name="dedup_decision_unique_pair"),
        ]
        indexes = [models.Index(fields=["person_high"], name="dedup_decision_high_idx")]

    def __str__(self) -> str:
        return f"{self.person_low_id}~{self.person_high_id}: {self.decision}"


class PersonKey(models.Model):
    """A person's match keys (names.py), indexed, so the incremental check finds candidates by a few index lookups
    instead of reading the registry. Rebuilt set-based by each run; kept current for people saved one at a time."""

    person = models.OneToOneField(
        "registry.Person", verbose_name=_("penduduk"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The normalised name tokens, sorted: "HERMAWAN MUHAMMAD" for "Moch. Wawan" as for "Muhammad Hermawan".
    name_key = models.CharField(_("kunci nama"), max_length=150)
    first_token = models.CharField(_("nama depan baku"), max_length=60)
    birth_date = models.DateField(_("tanggal lahir"), null=True, blank=True)
    district_code = models.CharField(_("kecamatan"), max_length=20, blank=True)
    kk_number = models.CharField(_("nomor KK"), max_length=16, blank=True)
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("kunci pencocokan")
        verbose_name_plural = _("kunci pencocokan")
        indexes = [
            models.Index(fields=["name_key"], name="dedup_key_name_idx"),
            models.Index(fields=["district_code", "birth_date"], name="dedup_key_district_birth_idx"),
            models.Index(fields=["first_token", "birth_date"], name="dedup_key_first_birth_idx"),
            models.Index(fields=["kk_number"], name="dedup_key_kk_idx"),
            models.Index(fields=["phone"], name="dedup_key_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name_key
