"""How two records of one person merge in programmes (registry.merge): one enrolment per programme, one attendance
per session, every need once. Registered from ProgrammesConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.registry.merge import MergeContext, register_merge_handler

from . import choices as c
from .models import Attendance, Enrolment, PersonNeed

# The further an enrolment got, the more of the person's record it carries (a certificate hangs on a completed one).
_PROGRESS: dict[str, int] = {
    c.EnrolmentStatus.PROPOSED: 0,
    c.EnrolmentStatus.ENROLLED: 1,
    c.EnrolmentStatus.ACTIVE: 2,
    c.EnrolmentStatus.COMPLETED: 3,
}


def merge_enrolments(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """Both records open in one programme: the enrolment that got further stands for both (the survivor's on a
    tie); the other becomes "merged", which holds no seat and is counted nowhere. Then every enrolment of the
    duplicate moves to the survivor; attendance is kept per person and session (merge_attendance), so nothing is
    counted twice."""
    survivor_open = {
        e.programme_id: e for e in Enrolment.objects.filter(person=ctx.survivor, status__in=c.OPEN_STATUSES)
    }
    for duplicate in rows.filter(status__in=c.OPEN_STATUSES, programme__in=list(survivor_open)):
        own = survivor_open[duplicate.programme_id]
        loser = own if _PROGRESS[duplicate.status] > _PROGRESS[own.status] else duplicate
        keeper = duplicate if loser is own else own
        ctx.change(
            Enrolment.objects.filter(pk=loser.pk),
            status=c.EnrolmentStatus.MERGED,
            reason=_("Data ganda: digabung ke pendaftaran #%(id)s.") % {"id": keeper.pk},
        )
    ctx.move(rows, "person")


def merge_attendance(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """One row per person and session: where both records have one, the survivor's stands (present if either
    was) and the duplicate's stays with the alias; the rest move."""
    survivor_sessions = Attendance.objects.filter(person=ctx.survivor).values("session")
    clash = list(rows.filter(session__in=survivor_sessions).values_list("pk", flat=True))
    present_elsewhere = rows.filter(pk__in=clash, present=True).values("session")
    ctx.change(
        Attendance.objects.filter(person=ctx.survivor, present=False, session__in=present_elsewhere), present=True
    )
    ctx.move(rows.exclude(pk__in=clash), "person")


def merge_needs(ctx: MergeContext, rows: QuerySet[Any]) -> None:
    """A need recorded for both stays once, the survivor's; the duplicate's copy stays with the alias."""
    clash = rows.filter(need__in=PersonNeed.objects.filter(person=ctx.survivor).values("need"))
    ctx.move(rows.exclude(pk__in=list(clash.values_list("pk", flat=True))), "person")


def register() -> None:
    register_merge_handler("programmes.Enrolment", "person", merge_enrolments)
    register_merge_handler("programmes.Attendance", "person", merge_attendance)
    register_merge_handler("programmes.PersonNeed", "person", merge_needs)
