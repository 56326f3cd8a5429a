"""Users and their role. What a role may do is decided by the access kernel (berdaya.core.access) and each app's
own access.py, nowhere else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from berdaya.core.roles import Role


class User(AbstractUser):
    """A person who logs in: an officer, partner staff, a field facilitator, a viewer or an admin."""

    # The roles are the kernel's (berdaya.core.roles); `User.Role.OFFICER` keeps working.
    Role = Role

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
                condition=~models.Q(role=Role.PARTNER) | models.Q(organisation__isnull=False),
                name="partner_staff_has_organisation",
                violation_error_message=_("Staf mitra harus terhubung ke sebuah organisasi."),
            )
        ]

    def save(self, *args, **kwargs):
        # Superusers act as admins in the app too, so the access rules have one rule for them.
        if self.is_superuser:
            self.role = self.Role.ADMIN
        super().save(*args, **kwargs)
