import datetime as dt

import pytest
from django.utils import timezone

from berdaya.markets import choices as c
from berdaya.markets import services
from berdaya.markets.models import OutboxMessage, SubscriberConsent
from berdaya.markets.senders import SendError

pytestmark = pytest.mark.django_db


class FlakySender:
    """Fails the first `failures` sends, then accepts; remembers what it sent."""

    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[str] = []

    def send(self, message):
        if self.failures > 0:
            self.failures -= 1
            raise SendError("gateway 503")
        self.sent.append(message.body)


def _message(**kw) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind=c.MessageKind.BULLETIN, channel=c.MessageChannel.SMS, to="081234567890", body="Karet 7.500", **kw
    )


def test_it_retries_with_growing_delays_then_sends(settings):
    settings.BERDAYA = {**settings.BERDAYA, "OUTBOX_RETRY_BASE_SECONDS": 60, "OUTBOX_MAX_ATTEMPTS": 5}
    msg = _message()
    sender = FlakySender(failures=2)
    now = timezone.now()

    assert services.outbox_process(now=now, sender=sender) == {"sent": 0, "retry": 1, "failed": 0}
    msg.refresh_from_db()
    assert (msg.status, msg.attempts, msg.last_error) == ("queued", 1, "gateway 503")
    assert msg.next_attempt_at == now + dt.timedelta(seconds=60)

    # Not due yet: nothing happens.
    assert services.outbox_process(now=now + dt.timedelta(seconds=30), sender=sender)["retry"] == 0

    now += dt.timedelta(seconds=60)
    services.outbox_process(now=now, sender=sender)
    msg.refresh_from_db()
    assert msg.attempts == 2
    assert msg.next_attempt_at == now + dt.timedelta(seconds=120)

    services.outbox_process(now=now + dt.timedelta(seconds=120), sender=sender)
    msg.refresh_from_db()
    assert (msg.status, msg.attempts, msg.last_error) == ("sent", 3, "")
    assert sender.sent == ["Karet 7.500"]


def test_it_gives_up_after_the_last_attempt(settings):
    settings.BERDAYA = {**settings.BERDAYA, "OUTBOX_RETRY_BASE_SECONDS": 1, "OUTBOX_MAX_ATTEMPTS": 3}
    msg = _message()
    sender = FlakySender(failures=99)
    now = timezone.now()
    for _ in range(5):
        services.outbox_process(now=now, sender=sender)
        now += dt.timedelta(hours=1)
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == ("failed", 3)


def test_a_sent_message_is_never_sent_again():
    _message()
    sender = FlakySender(failures=0)
    services.outbox_process(sender=sender)
    services.outbox_process(sender=sender, now=timezone.now() + dt.timedelta(days=1))
    assert len(sender.sent) == 1


def test_the_outbox_job_runs_through_the_jobs_app(settings, tmp_path):
    from berdaya.jobs.models import Job
    from berdaya.jobs.services import job_run

    settings.BERDAYA = {**settings.BERDAYA, "SMS_SENDER": "file"}
    settings.DATA_DIR = tmp_path
    _message()
    job = Job.objects.create(kind="markets.outbox", handler="berdaya.markets.services.outbox_job")
    job = job_run(job.pk)
    assert job.status == "succeeded"
    assert job.result == {"sent": 1, "retry": 0, "failed": 0}
    assert "Karet 7.500" in (tmp_path / "outbox.log").read_text()


def test_withdrawing_consent_cancels_queued_messages(areas, officer):
    sub = SubscriberConsent.objects.create(phone="081234567890", district_id="15.02.01")
    msg = _message(subscriber=sub)
    services.subscriber_withdraw(actor=officer, subscriber=sub)
    msg.refresh_from_db()
    assert msg.status == "failed"
    assert services.active_subscribers().count() == 0
