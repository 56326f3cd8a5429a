"""Organisations that run or fund programmes. Minimal here; the Partners issue extends it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A government office (OPD), NGO, company, cooperative, university or community organisation."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Perangkat daerah (OPD)")
        NGO = "ngo", _("LSM / organisasi nonpemerintah")
        COMPANY = "company", _("Perusahaan swasta")
        COOPERATIVE = "cooperative", _("Koperasi / BUMDes")
        UNIVERSITY = "university", _("Perguruan tinggi")
        DISABILITY_ORG = "disability_org", _("Organisasi penyandang disabilitas")
        COMMUNITY = "community", _("Organisasi keagamaan / kemasyarakatan")
        FINANCIAL = "financial", _("Lembaga keuangan")

    name = models.CharField(_("nama"), max_length=200, unique=True)
    short_name = models.CharField(_("singkatan"), max_length=40, blank=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("aktif"), default=True)
    # A disability organisation registered as a Group (its members in the registry) can organise programmes like any
    # partner: this links the two, so the group page shows the programmes it runs.
    group = models.OneToOneField(
        "registry.Group",
        verbose_name=_("kelompok di registri"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisation",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisasi")
        verbose_name_plural = _("organisasi")
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True) | Q(kind="disability_org"),
                name="organisation_group_is_disability_org",
                violation_error_message=_(
                    "Hanya organisasi penyandang disabilitas yang dapat dihubungkan ke kelompok."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        if self.group_id is None:
            return
        if self.kind != self.Kind.DISABILITY_ORG:
            raise ValidationError(
                {"kind": _("Hanya organisasi penyandang disabilitas yang dapat dihubungkan ke kelompok.")}
            )
        if self.group.kind != "disability_org":
            raise ValidationError({"group": _("Kelompok ini bukan organisasi penyandang disabilitas.")})
