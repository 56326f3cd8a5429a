from django.db import models
from django.utils.translation import gettext_lazy as _


class Tenure(models.TextChoices):
    OWN = "own", _("Milik sendiri")
    RENT = "rent", _("Sewa")
    SHARECROP = "sharecrop", _("Bagi hasil/garap")
    CUSTOMARY = "customary", _("Tanah adat/ulayat")


class GroupClass(models.TextChoices):
    PEMULA = "pemula", _("Pemula")
    LANJUT = "lanjut", _("Lanjut")
    MADYA = "madya", _("Madya")
    UTAMA = "utama", _("Utama")
