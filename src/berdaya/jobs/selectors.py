from __future__ import annotations

from django.db.models import QuerySet

from berdaya.core.scoping import capabilities

from .models import Job


def jobs_visible_to(user) -> QuerySet[Job]:
    """A user sees the jobs they started; an admin sees all."""
    if not capabilities(user).authenticated:
        return Job.objects.none()
    if capabilities(user).is_admin:
        return Job.objects.all()
    return Job.objects.filter(created_by=user)
