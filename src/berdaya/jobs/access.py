"""Who may see and manage background jobs, on the access kernel (berdaya.core.access): a job is its starter's (an
import, a targeting run, a report); admins see and manage every job."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from berdaya.core.access import AnyUser, capabilities

from .models import Job


def jobs_visible_to(user: AnyUser) -> QuerySet[Job]:
    """A user sees the jobs they started; an admin sees all."""
    caps = capabilities(user)
    if user is None or not caps.authenticated:
        return Job.objects.none()
    if caps.is_admin:
        return Job.objects.all()
    return Job.objects.filter(created_by_id=user.pk)


def ensure_can_manage_job(user: AnyUser, job: Job) -> None:
    """Cancel or retry: the job's starter, or an admin."""
    if job.created_by_id != getattr(user, "pk", None) and not capabilities(user).is_admin:
        raise PermissionDenied(_("Hanya pembuat tugas atau admin yang boleh membatalkannya."))


def ensure_can_manage_schedule(user: AnyUser) -> None:
    """The schedule of recurring work is the administrator's."""
    if not capabilities(user).is_admin:
        raise PermissionDenied(_("Hanya admin yang boleh melihat dan mengubah jadwal tugas."))
