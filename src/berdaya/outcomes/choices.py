"""Controlled lists of outcome surveys. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Round(models.TextChoices):
    BASELINE = "baseline", _("Data awal (baseline)")
    FOLLOW_UP = "follow_up", _("Tindak lanjut")
    ADHOC = "adhoc", _("Survei sewaktu-waktu")


class Source(models.TextChoices):
    WEB = "web", _("Formulir web")
    IMPORT = "import", _("Impor berkas")
    ODK = "odk", _("Formulir lapangan (ODK)")


# The income sources asked (monthly Rupiah of the household), in the order of the forms: (field, label).
INCOME_FIELDS = (
    "income_farming",
    "income_wages",
    "income_business",
    "income_remittances",
    "income_transfers",
    "income_other",
)

# The Cantril ladder of the field form: 0 (worst possible life) to 10 (best).
WELLBEING_MIN, WELLBEING_MAX = 0, 10

# Follow-ups of a programme by default, in months after the person's enrolment.
DEFAULT_FOLLOW_UP_MONTHS = [6, 12]
# A follow-up is listed as due from this many days before its date, and stays due until done.
DUE_WINDOW_DAYS = 31
