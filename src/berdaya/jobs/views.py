from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from berdaya.core.access import get_visible_or_404

from . import schedule
from .access import ensure_can_manage_schedule, jobs_visible_to
from .models import ScheduleEntry, ScheduleFiring
from .progress import cancel_flag_exists
from .services import job_abandon, job_cancel, job_retry, worker_alive


def _current(request, pk: int):
    """The job as it is now; a running job whose worker is gone is ended here rather than shown running forever."""
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    if job.status == job.Status.RUNNING and not worker_alive(job):
        job_abandon(job)
        job.refresh_from_db()
    if not job.is_finished and cancel_flag_exists(job.pk):
        job.cancel_requested = True
    return job


@login_required
def job_list(request):
    jobs = jobs_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk: int):
    job = _current(request, pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@login_required
def job_progress(request, pk: int):
    """The progress fragment htmx polls every second until the job is finished."""
    job = _current(request, pk)
    return render(request, "jobs/_progress.html", {"job": job})


@login_required
@require_POST
def job_cancel_view(request, pk: int):
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    try:
        job = job_cancel(actor=request.user, job=job)
    except PermissionDenied:
        raise
    if request.htmx:
        return render(request, "jobs/_progress.html", {"job": job})
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_POST
def job_retry_view(request, pk: int):
    job = get_visible_or_404(jobs_visible_to(request.user), pk)
    new = job_retry(actor=request.user, job=job)
    return redirect("jobs:detail", pk=new.pk)


class ScheduleEntryForm(forms.ModelForm):
    class Meta:
        model = ScheduleEntry
        fields = ["cron", "enabled"]
        help_texts = {
            "cron": gettext_lazy(
                "Lima kolom: menit jam tanggal bulan hari-minggu, mis. '0 6 * * 1' = Senin pukul 06.00; "
                "'*/5 * * * *' = tiap 5 menit."
            )
        }

    def clean_cron(self) -> str:
        cron = " ".join(self.cleaned_data["cron"].split())
        try:
            schedule.cron_trigger(cron)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cron


@login_required
def schedule_list(request):
    ensure_can_manage_schedule(request.user)
    rows = []
    for entry in schedule.entries_sync():
        firings = list(ScheduleFiring.objects.filter(key=entry.key).select_related("job")[:5])
        rows.append(
            {"entry": entry, "item": schedule.get(entry.key), "next": schedule.next_fire(entry), "firings": firings}
        )
    return render(request, "jobs/schedule_list.html", {"rows": rows})


def _entry(request, key: str) -> ScheduleEntry:
    ensure_can_manage_schedule(request.user)
    schedule.entries_sync()
    entry = ScheduleEntry.objects.filter(key=key).first()
    if entry is None or schedule.get(key) is None:
        raise Http404
    return entry


@login_required
def schedule_edit(request, key: str):
    entry = _entry(request, key)
    form = ScheduleEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        entry.updated_by = request.user
        entry.save()
        messages.success(request, _("Jadwal disimpan; penjadwal memakainya dalam setengah menit."))
        return redirect("jobs:schedule")
    return render(request, "jobs/schedule_edit.html", {"entry": entry, "item": schedule.get(key), "form": form})


@login_required
@require_POST
def schedule_run_now(request, key: str):
    entry = _entry(request, key)
    job = schedule.run_now(entry.key)
    if job is None:
        raise Http404
    return redirect("jobs:detail", pk=job.pk)
