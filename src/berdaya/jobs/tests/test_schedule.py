"""Scheduled work: registered items get an editable entry, fire as jobs once per minute whoever fires them, follow
an admin's changes, and only an admin sees or changes the schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.urls import reverse
from django.utils import timezone

from berdaya.jobs import schedule
from berdaya.jobs.management.commands.scheduler import RELOAD_ID, reload
from berdaya.jobs.models import Job, ScheduleEntry, ScheduleFiring
from berdaya.jobs.runner import job_run
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_every_app_registers_its_recurring_work_with_a_valid_default():
    keys = {item.key for item in schedule.registered()}
    assert {"markets.weekly", "markets.outbox", "jobs.housekeeping"} <= keys
    for entry in schedule.entries_sync():
        assert entry.cron == schedule.get(entry.key).cron
        assert schedule.next_fire(entry) > timezone.now()


def test_a_firing_starts_one_job_even_when_two_schedulers_reach_it():
    schedule.entries_sync()
    at = timezone.now().replace(second=5)
    first = schedule.fire("jobs.housekeeping", at)
    second = schedule.fire("jobs.housekeeping", at + dt.timedelta(seconds=20))
    assert first is not None and second is None
    assert Job.objects.filter(kind="schedule.jobs.housekeeping").count() == 1
    later = schedule.fire("jobs.housekeeping", at + dt.timedelta(minutes=1))
    assert later is not None and later.pk != first.pk


def test_the_job_runs_the_work_and_records_its_result():
    schedule.entries_sync()
    job = schedule.fire("jobs.housekeeping")
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert set(job.result) == {"recovered", "temp_removed"}
    assert ScheduleFiring.objects.get(job=job).key == "jobs.housekeeping"


def test_a_paused_or_unknown_entry_does_not_fire():
    schedule.entries_sync()
    ScheduleEntry.objects.filter(key="markets.outbox").update(enabled=False)
    assert schedule.fire("markets.outbox") is None
    assert schedule.fire("no.such.work") is None
    assert not Job.objects.exists()


def test_the_scheduler_follows_the_admins_changes():
    scheduler = BackgroundScheduler(timezone="Asia/Jakarta")
    scheduler.add_job(lambda: None, "interval", seconds=30, id=RELOAD_ID)
    wanted = reload(scheduler)
    assert wanted["markets.weekly"] == "0 6 * * 1"
    job = scheduler.get_job("markets.weekly")
    assert str(job.trigger.fields[4]) == "mon" or "mon" in str(job.trigger)
    ScheduleEntry.objects.filter(key="markets.weekly").update(cron="30 7 * * 2")
    ScheduleEntry.objects.filter(key="markets.outbox").update(enabled=False)
    reload(scheduler)
    assert scheduler.get_job("markets.outbox") is None
    moved = scheduler.get_job("markets.weekly")
    assert moved.kwargs["cron"] == "30 7 * * 2"
    assert "hour='7'" in str(moved.trigger) and "minute='30'" in str(moved.trigger)
    assert scheduler.get_job(RELOAD_ID) is not None


def test_an_invalid_time_is_refused_in_indonesian_and_nothing_changes():
    client = client_for(f.user("admin"))
    schedule.entries_sync()
    url = reverse("jobs:schedule_edit", args=["markets.weekly"])
    response = client.post(url, {"cron": "setiap senin", "enabled": "on"})
    assert response.status_code == 200
    assert "bukan baris crontab yang sah" in response.content.decode()
    assert ScheduleEntry.objects.get(key="markets.weekly").cron == "0 6 * * 1"
    response = client.post(url, {"cron": "0  5 * * 1", "enabled": "on"})
    assert response.status_code == 302
    entry = ScheduleEntry.objects.get(key="markets.weekly")
    assert entry.cron == "0 5 * * 1" and entry.updated_by is not None


@pytest.mark.parametrize("role", ["officer", "partner", "facilitator", "viewer"])
def test_only_an_admin_sees_or_changes_the_schedule(role):
    client = client_for(f.user(role, org=f.organisation() if role == "partner" else None))
    assert client.get(reverse("jobs:schedule")).status_code == 403
    assert client.post(reverse("jobs:schedule_edit", args=["markets.weekly"]), {"cron": "* * * * *"}).status_code == 403
    assert client.post(reverse("jobs:schedule_run", args=["markets.outbox"])).status_code == 403
    assert not Job.objects.exists()


def test_the_admin_sees_each_entry_and_can_run_one_now():
    client = client_for(f.user("admin"))
    page = client.get(reverse("jobs:schedule")).content.decode()
    assert "Buletin harga mingguan" in page and "0 6 * * 1" in page
    response = client.post(reverse("jobs:schedule_run", args=["jobs.housekeeping"]))
    job = Job.objects.get(kind="schedule.jobs.housekeeping")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert ScheduleFiring.objects.get(job=job).manual
