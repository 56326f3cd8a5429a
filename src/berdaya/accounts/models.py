"""Users and their role. What a role may see is decided in berdaya.core.scoping, nowhere else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: an officer, partner staff, a field facilitator, a viewer or an admin."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        OFFICER = "officer", _("Petugas dinas (seluruh kabupaten)")
        PARTNER = "partner", _("Staf mitra")
        FACILITATOR = "facilitator", _("Pendamping lapangan")
        VIEWER = "viewer", _("Pemantau (hanya agregat)")

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    districts = models.ManyToManyField(
        "areas.District", verbose_name=_("kecamatan tugas"), blank=True, related_name="+"
    )
    villages = models.ManyToManyField("areas.Village", verbose_name=_("desa tugas"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="partner") | models.Q(organisation__isnull=False),
                name="partner_staff_has_organisation",
                violation_error_message=_("Staf mitra harus terhubung ke sebuah organisasi."),
            )
        ]

    def save(self, *args, **kwargs):
        # Superusers act as admins in the app too, so scoping has one rule for them.
        if self.is_superuser:
            self.role = self.Role.ADMIN
        super().save(*args, **kwargs)
