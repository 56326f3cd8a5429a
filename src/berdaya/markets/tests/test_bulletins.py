import datetime as dt

import pytest
from django.utils import timezone

from berdaya.markets import choices as c
from berdaya.markets import gsm, services
from berdaya.markets.models import OutboxMessage, PriceAlert, SubscriberConsent
from berdaya.testing.markets import commodity, observe, point


@pytest.fixture
def week(areas):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    collector = point("Pengepul Jangkat")
    uppb = point("UPPB Jangkat", channel=c.Channel.UPPB)
    observe(7000, at=collector, date=monday - dt.timedelta(days=6))
    observe(7700, at=collector, date=monday + dt.timedelta(days=1))  # +10%
    observe(11600, at=uppb, date=monday + dt.timedelta(days=2), price_type=c.PriceType.WHOLESALE)
    observe(2500, com="tbs", at=collector, date=monday - dt.timedelta(days=6))
    observe(2520, com="tbs", at=collector, date=monday + dt.timedelta(days=1))
    return monday


def _subscribe(phone, channel, codes, district="15.02.01", withdrawn=None):
    sub = SubscriberConsent.objects.create(
        phone=phone, channel=channel, district_id=district, consent_date=dt.date(2024, 1, 1), withdrawn_at=withdrawn
    )
    sub.commodities.set([commodity(code) for code in codes])
    return sub


def test_the_bulletin_has_three_versions(week, officer):
    bulletin = services.bulletin_generate(actor=officer, week_start=week)
    row = bulletin.data["rows"]["karet"]
    assert (row["farm_gate"], row["organised"], row["change_pct"]) == (7700, 11600, 10.0)
    assert all(len(p) <= 160 and gsm.is_gsm7(p) for p in bulletin.sms_parts)
    assert "Karet 7.700 (UPPB/pabrik 11.600) naik 10%" in bulletin.sms_parts[0]
    assert "pengepul Rp7.700, UPPB/koperasi/pabrik Rp11.600" in bulletin.text


def test_sending_goes_to_consenting_subscribers_by_commodity_and_district(week, officer, client):
    _subscribe("081200000001", "sms", ["karet"])
    _subscribe("081200000002", "whatsapp", ["tbs"])
    _subscribe("081200000003", "sms", ["kopi_biji"])  # nothing to say about coffee this week
    _subscribe("081200000004", "sms", ["karet"], withdrawn=dt.date(2024, 6, 1))
    _subscribe("081200000005", "sms", ["karet"], district="15.02.02")
    district_bulletin = services.bulletin_generate(
        actor=officer, week_start=week, district=point("Pengepul Jangkat").district
    )
    assert services.bulletin_send(actor=officer, bulletin=district_bulletin) == 2
    sms = OutboxMessage.objects.get(to="081200000001")
    assert "Karet" in sms.body and "TBS" not in sms.body
    wa = OutboxMessage.objects.get(to="081200000002")
    assert "Sawit (TBS)" in wa.body and "Karet" not in wa.body
    # The regency bulletin reaches districts without their own bulletin only.
    regency = services.bulletin_generate(actor=officer, week_start=week)
    assert services.bulletin_send(actor=officer, bulletin=regency) == 1
    assert OutboxMessage.objects.filter(to="081200000005").exists()
    client.force_login(officer)
    page = client.get(f"/harga/buletin/{district_bulletin.pk}/cetak/").content.decode()
    assert "Karet (bokar/slab)" in page and "11.600" in page


def test_a_move_above_the_threshold_raises_one_alert(week, settings):
    settings.BERDAYA = {**settings.BERDAYA, "PRICE_ALERT_PCT": 10.0}
    _subscribe("081200000001", "sms", ["karet", "tbs"])
    alerts = services.alerts_compute(week_start=week)
    assert [a.commodity.code for a in alerts] == ["karet"]  # TBS moved under 1%
    assert services.alerts_compute(week_start=week) == []  # once per commodity and week
    assert PriceAlert.objects.get().change_pct == 10
    msg = OutboxMessage.objects.get(kind="alert")
    assert gsm.is_gsm7(msg.body) and len(msg.body) <= 160
    assert "naik 10%" in msg.body


def test_a_week_without_prices_gives_a_clear_message(areas, officer):
    with pytest.raises(services.ValidationError, match="Belum ada harga"):
        services.bulletin_generate(actor=officer, week_start=dt.date(2020, 1, 6))


def test_sending_a_bulletin_asks_first_with_the_number_of_recipients(week, officer, client):
    _subscribe("081200000001", "sms", ["karet"])
    _subscribe("081200000002", "whatsapp", ["tbs"])
    bulletin = services.bulletin_generate(actor=officer, week_start=week, district=point("Pengepul Jangkat").district)
    client.force_login(officer)
    url = f"/harga/buletin/{bulletin.pk}/"
    page = client.post(url)
    assert page.status_code == 200
    assert "Ya, kirim ke 2 penerima" in page.content.decode()
    assert not OutboxMessage.objects.exists()
    client.post(url, {"confirmed": "yes"})
    assert OutboxMessage.objects.count() == 2


def test_the_scheduled_weekly_routine_queues_last_weeks_bulletins_once(week, officer):
    """The scheduler's weekly job (markets.weekly): last week's bulletins and alerts, queued to subscribers; a second
    run (a retry, a second scheduler, "run now") makes nothing new and sends nothing twice."""
    from berdaya.jobs import schedule
    from berdaya.jobs.runner import job_run
    from berdaya.markets.models import Bulletin
    from berdaya.testing import factories as f

    f.user("admin")
    _subscribe("081200000001", "sms", ["karet"])
    _subscribe("081200000005", "sms", ["karet"], district="15.02.02")
    schedule.entries_sync()
    job = job_run(schedule.run_now("markets.weekly").pk)
    assert job.status == job.Status.SUCCEEDED, job.error
    assert job.result["bulletins"] == Bulletin.objects.filter(week_start=week).count() >= 2
    queued = OutboxMessage.objects.filter(kind="bulletin").count()
    assert job.result["queued"] == queued > 0
    assert set(OutboxMessage.objects.values_list("to", flat=True)) == {"081200000001", "081200000005"}
    again = job_run(schedule.run_now("markets.weekly").pk)
    assert again.result["queued"] == 0
    assert OutboxMessage.objects.filter(kind="bulletin").count() == queued
