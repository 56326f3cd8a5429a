"""Controlled lists shared by every case type (migrant-worker rights cases, grievances)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentAction(models.TextChoices):
    ASSIGN = "assign", _("ditugaskan")
    SELF_ASSIGN = "self_assign", _("menugaskan diri sendiri")
    UNASSIGN = "unassign", _("penugasan dicabut")


class SlaState(models.TextChoices):
    """Where an open case stands against the due date of its current stage (computed in SQL, never stored)."""

    ON_TRACK = "on_track", _("Sesuai jadwal")
    AT_RISK = "at_risk", _("Mendekati tenggat")
    BREACHED = "breached", _("Lewat tenggat")


class HolidayKind(models.TextChoices):
    NATIONAL = "national", _("Libur nasional")
    JOINT_LEAVE = "joint_leave", _("Cuti bersama")
    REGIONAL = "regional", _("Libur daerah")
