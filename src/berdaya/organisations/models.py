"""Organisations: government offices (OPD), NGOs, companies, cooperatives, universities and community
organisations. Users, registry records, programmes, agreements, import mappings and market actors all point to one,
so the model sits low in the layers, below the registry, and imports none of the apps that use it.

One link goes the other way: a disability organisation can be a registry Group (Organisation.group). It is named by
its label ("registry.Group"), not imported, so only the migrations know of it.
"""

from __future__ import annotations

from django.conf import settings
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
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    email = models.EmailField(_("surel"), blank=True)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    legal_registration = models.CharField(
        _("nomor badan hukum"),
        max_length=100,
        blank=True,
        help_text=_("Mis. nomor SK AHU (yayasan/perkumpulan), NIB (perusahaan, koperasi) atau nomor Perda/SOTK (OPD)."),
    )
    districts = models.ManyToManyField(
        "areas.District", verbose_name=_("kecamatan tempat aktif"), blank=True, related_name="+"
    )
    focal_name = models.CharField(_("narahubung"), max_length=150, blank=True)
    focal_contact = models.CharField(_("kontak narahubung (HP / surel)"), max_length=150, blank=True)
    # When the focal person has a Berdaya login: the name and contact then come from the account.
    focal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("narahubung (pengguna Berdaya)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        # The table kept its name when the model moved here from partners (no data moved, no table rebuilt).
        db_table = "partners_organisation"
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
        focal = self.focal_user
        if focal is not None and focal.organisation_id not in {None, self.pk}:
            raise ValidationError({"focal_user": _("Narahubung adalah staf organisasi lain.")})
        if self.group_id is None:
            return
        if self.kind != self.Kind.DISABILITY_ORG:
            raise ValidationError(
                {"kind": _("Hanya organisasi penyandang disabilitas yang dapat dihubungkan ke kelompok.")}
            )
        if self.group is not None and self.group.kind != "disability_org":
            raise ValidationError({"group": _("Kelompok ini bukan organisasi penyandang disabilitas.")})

    @property
    def focal_display(self) -> str:
        if self.focal_user is not None:
            return self.focal_user.get_full_name() or self.focal_user.username
        return self.focal_name
