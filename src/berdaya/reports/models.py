"""Reports: a quarterly report per programme or of the whole regency, as a PDF and an XLSX file, made by a
background job and kept.

A report is visible for download only once both files are written and its row says `done` in the same transaction
that names them (services.report_build): a worker killed half-way leaves a row that is not done and, at most, files
no row names (removed by the job's own clean-up, never offered)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from berdaya.core.documents import PrivateStorage

from . import choices as c

report_storage = PrivateStorage("reports")


class Report(models.Model):
    """One report of one quarter: its kind, programme, whose figures (reach), whether small counts are suppressed,
    who asked and when, its job and its two files."""

    kind = models.CharField(_("jenis laporan"), max_length=10, choices=c.Kind.choices)
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("triwulan"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reach = models.CharField(_("cakupan angka"), max_length=10, choices=c.Reach.choices, default=c.Reach.REGENCY)
    # The organisation whose people an OWN report of a partner counts (its readers are that organisation's staff).
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    suppressed = models.BooleanField(_("angka kecil disamarkan"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=c.Status.choices, default=c.Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scheduled = models.BooleanField(_("terjadwal"), default=False)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("tugas"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(_("berkas PDF"), storage=report_storage, upload_to="pdf/%Y", blank=True)
    xlsx = models.FileField(_("berkas XLSX"), storage=report_storage, upload_to="xlsx/%Y", blank=True)
    summary = models.JSONField(_("ringkasan angka"), default=dict, blank=True)
    data_as_of = models.DateTimeField(_("data per"), null=True, blank=True)
    error = models.TextField(_("galat"), blank=True)
    created_at = models.DateTimeField(_("diminta"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("laporan")
        verbose_name_plural = _("laporan")
        ordering = ["-year", "-quarter", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=c.Kind.REGENCY, programme__isnull=True)
                | Q(kind=c.Kind.PROGRAMME, programme__isnull=False),
                name="report_programme_iff_programme_kind",
                violation_error_message=_("Laporan program harus menyebut programnya; laporan kabupaten tidak."),
            ),
            models.CheckConstraint(
                condition=~Q(status=c.Status.DONE) | (~Q(pdf="") & ~Q(xlsx="")),
                name="report_done_has_files",
                violation_error_message=_("Laporan selesai harus punya berkas PDF dan XLSX."),
            ),
        ]
        indexes = [models.Index(fields=["year", "quarter", "kind"], name="report_period_idx")]

    def __str__(self) -> str:
        what = self.programme.name if self.programme_id and self.programme else self.get_kind_display()
        return f"{what} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return _("Triwulan %(q)s %(y)s") % {"q": c.QUARTER_NAMES.get(self.quarter, self.quarter), "y": self.year}

    @property
    def period_code(self) -> str:
        return f"{self.year}-T{self.quarter}"

    @property
    def start(self) -> dt.date:
        return quarter_start(self.year, self.quarter)

    @property
    def end(self) -> dt.date:
        return quarter_end(self.year, self.quarter)

    @property
    def is_done(self) -> bool:
        return self.status == c.Status.DONE

    @property
    def is_active(self) -> bool:
        return self.status in {c.Status.QUEUED, c.Status.RUNNING}


def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> dt.date:
    if quarter == 4:
        return dt.date(year, 12, 31)
    return quarter_start(year, quarter + 1) - dt.timedelta(days=1)


def previous_quarter(today: dt.date) -> tuple[int, int]:
    """The last quarter that has ended by `today`."""
    quarter = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
