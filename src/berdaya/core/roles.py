"""The roles a user can hold. They live in the kernel so that access rules can name them without importing the
accounts app; `accounts.User.role` takes its choices from here (and keeps `User.Role` as an alias)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    OFFICER = "officer", _("Petugas dinas (seluruh kabupaten)")
    PARTNER = "partner", _("Staf mitra")
    FACILITATOR = "facilitator", _("Pendamping lapangan")
    VIEWER = "viewer", _("Pemantau (hanya agregat)")
