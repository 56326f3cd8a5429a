import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from berdaya.farming.models import Harvest, Plot, Sale
from berdaya.markets.models import PriceObservation
from berdaya.odk import services
from berdaya.odk.choices import Origin, SubmissionState
from berdaya.odk.models import Submission
from berdaya.programmes.models import Attendance
from berdaya.registry.models import ConsentRecord, GroupMembership, Household, Person
from berdaya.testing import factories as f

from . import payloads as p

pytestmark = pytest.mark.django_db


def receive(kind, payload, actor):
    return services.submission_receive(kind=kind, payload=payload, origin=Origin.UPLOAD, received_by=actor)


@pytest.mark.parametrize("shape", [p.central, p.kobo])
def test_a_household_submission_registers_the_household_members_wgss_consent_and_group(world, shape):
    officer, group = world["officer"], world["group"]
    fields = p.household_fields(group=group.pk)
    head_nik = fields["members"][0]["nik"]
    state, submission = receive("household", shape(fields), officer)
    assert state == SubmissionState.INGESTED, submission.errors
    household = Household.objects.get(pk=submission.result["household"])
    assert household.village_id == "15.02.01.2001"
    assert household.land_operated_ha == Decimal("1.25")
    assert household.asset_motorcycle and household.asset_smartphone and not household.asset_car
    assert household.latitude == Decimal("-2.300000") and household.longitude == Decimal("101.900000")
    head = household.members.get(relationship="head")
    child = household.members.get(relationship="child")
    assert head.nik == head_nik and head.phone == "+6281234567890"
    assert head.wgss_walking == 3
    assert child.nik is None and child.nik_missing_reason == "never_registered"
    assert ConsentRecord.objects.get(person=head).given_by == "self"
    assert ConsentRecord.objects.get(person=child).given_by == "parent"
    assert GroupMembership.objects.filter(group=group, person=head).exists()
    assert submission.village_id == "15.02.01.2001"
    assert household.kk_numbers.count() == 1


def test_a_plot_submission_creates_the_plot(world):
    state, submission = receive("plot", p.kobo(p.plot_fields(world["farmer"])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    plot = Plot.objects.get(pk=submission.result["plot"])
    assert plot.farmer == world["farmer"] and plot.commodity.code == "kopi_biji"
    assert plot.area_ha == Decimal("0.750") and plot.planting_year == 2015
    assert plot.latitude == Decimal("-2.310000")


def test_a_harvest_submission_goes_on_the_farmers_only_plot_of_that_crop(world):
    state, submission = receive("harvest", p.central(p.harvest_fields(world["farmer"])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    harvest = Harvest.objects.get(pk=submission.result["harvest"])
    assert harvest.plot == world["plot"] and harvest.quantity_kg == Decimal("300.00")


def test_a_sale_submission_records_the_sale(world):
    state, submission = receive("sale", p.kobo(p.sale_fields(world["farmer"])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    sale = Sale.objects.get(pk=submission.result["sale"])
    assert sale.farmer == world["farmer"] and sale.price_per_kg == 11000 and sale.channel == "uppb"
    assert sale.amount == 1_100_000


def test_an_attendance_submission_marks_the_ticked_present_and_the_rest_absent(world):
    session, farmer, other = world["session"], world["farmer"], world["other"]
    state, submission = receive("attendance", p.central(p.attendance_fields(session, [farmer.pk])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    assert Attendance.objects.get(session=session, person=farmer).present
    assert not Attendance.objects.get(session=session, person=other).present


def test_a_price_submission_records_each_price(world):
    state, submission = receive("prices", p.kobo(p.prices_fields(world["point"])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    observations = PriceObservation.objects.filter(pk__in=submission.result["observations"])
    assert sorted(observations.values_list("commodity__code", "price_per_kg")) == [
        ("karet", 11000),
        ("kopi_biji", 45000),
    ]


def test_an_outcome_submission_becomes_an_outcome_survey(world):
    from berdaya.outcomes.models import OutcomeSurvey

    state, submission = receive("outcome", p.central(p.outcome_fields(world["farmer"])), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    survey = OutcomeSurvey.objects.get(pk=submission.result["outcome_survey"])
    assert (survey.person, survey.round, survey.source) == (world["farmer"], "baseline", "odk")
    assert survey.total_income == 2_700_000 and survey.savings == 500_000 and survey.wellbeing == 6
    assert survey.business_running is True and survey.yield_kg_ha == 800


def test_an_outcome_follow_up_is_tied_to_the_programme_and_a_bad_one_waits_with_indonesian_errors(world):
    programme_id = world["session"].programme_id
    fields = {**p.outcome_fields(world["farmer"]), "round": "follow_up", "round_month": 6, "programme": programme_id}
    state, submission = receive("outcome", p.central(fields), world["officer"])
    assert state == SubmissionState.INGESTED, submission.errors
    fields = {**p.outcome_fields(world["other"]), "round": "follow_up", "programme": programme_id}
    state, submission = receive("outcome", p.central(fields), world["officer"])
    assert state == SubmissionState.QUEUED
    assert "Tindak lanjut bulan ke berapa? Isi 1 sampai 120." in str(submission.errors)


def test_an_invalid_household_waits_in_the_queue_with_indonesian_errors_and_writes_nothing(world):
    fields = p.household_fields()
    fields["members"][0]["nik"] = "1502011234"  # too short
    fields["members"][1]["relationship"] = "head"  # two heads
    before = Household.objects.count()
    state, submission = receive("household", p.central(fields), world["officer"])
    assert state == SubmissionState.QUEUED
    assert Household.objects.count() == before
    by_field = {e["field"]: e["message"] for e in submission.errors}
    assert by_field["members.0.nik"] == "Harus 16 digit angka (tertulis 10)." or "16 digit" in by_field["members.0.nik"]
    assert any("tepat satu kepala keluarga" in e["message"] for e in submission.errors)
    assert submission.payload["members"][0]["nik"] == "1502011234"  # the raw payload is kept as received


def test_a_queued_submission_can_be_fixed_and_retried(world):
    officer = world["officer"]
    fields = p.household_fields()
    good_nik = fields["members"][0]["nik"]
    fields["members"][0]["nik"] = "1502011234"
    _state, submission = receive("household", p.kobo(fields), officer)
    assert submission.state == SubmissionState.QUEUED
    data = dict(submission.data)
    data["members"] = [dict(m) for m in data["members"]]
    data["members"][0]["nik"] = good_nik
    fixed = services.submission_retry(actor=officer, submission=submission, data=data)
    assert fixed.state == SubmissionState.INGESTED and fixed.errors == []
    assert Person.objects.filter(nik=good_nik).exists()
    assert fixed.attempts == 2
    with pytest.raises(Exception, match="sudah tersimpan"):
        services.submission_retry(actor=officer, submission=fixed, data=data)


def test_an_unusual_harvest_waits_for_confirmation(world):
    fields = p.harvest_fields(world["farmer"], quantity=900000)
    _state, submission = receive("harvest", p.central(fields), world["officer"])
    assert submission.state == SubmissionState.QUEUED
    assert [e["field"] for e in submission.errors] == ["confirmed"]
    assert not Harvest.objects.exists()
    fixed = services.submission_retry(actor=world["officer"], submission=submission, confirm=True)
    assert fixed.state == SubmissionState.INGESTED
    assert Harvest.objects.get().warning


def test_an_unknown_farmer_waits_in_the_queue(world):
    fields = p.sale_fields(world["farmer"])
    fields["farmer_nik"] = f.nik(birth_date=world["farmer"].birth_date, sex="F")
    _state, submission = receive("sale", p.kobo(fields), world["officer"])
    assert submission.state == SubmissionState.QUEUED
    assert submission.errors[0]["field"] == "farmer_nik"


def test_a_submission_received_twice_is_written_once(world):
    payload = p.central(p.household_fields())
    first, _ = receive("household", payload, world["officer"])
    second, again = receive("household", payload, world["officer"])
    assert (first, second, again) == ("ingested", "duplicate", None)
    assert Submission.objects.filter(instance_id=payload["__id"]).count() == 1
    assert Household.objects.filter(address="Jl. Kebun Karet 3").count() == 1


def test_a_receive_racing_another_is_refused_by_the_constraint(world, monkeypatch):
    payload = p.kobo(p.household_fields())
    receive("household", payload, world["officer"])
    # The second process passed the cheap check before the first committed: the unique constraint stops it.
    monkeypatch.setattr(services, "already_received", lambda instance_id: False)
    outcome, submission = receive("household", payload, world["officer"])
    assert (outcome, submission) == ("duplicate", None)
    assert Household.objects.filter(address="Jl. Kebun Karet 3").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_concurrent_receives_of_one_instance_write_once(areas):
    from django.db import connections

    officer = f.user("officer")
    payload = p.central(p.household_fields())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(receive("household", payload, officer)[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate", "ingested"]
    assert Household.objects.filter(address="Jl. Kebun Karet 3").count() == 1


def test_a_collector_known_by_username_writes_with_their_own_scope(world):
    facilitator = world["facilitator"]  # 15.02.01.2001 only
    from berdaya.odk.models import FieldSource

    source = FieldSource.objects.create(
        name="Central",
        kind="central",
        form_kind="household",
        base_url="http://127.0.0.1",
        project_id="1",
        form_id="berdaya_household",
        run_as=world["officer"],
    )
    outside = p.central(p.household_fields(village="15.02.02.2004"), submitter=facilitator.username)
    outcome, submission = services.submission_receive(
        kind="household", payload=outside, origin=Origin.PULL, received_by=world["officer"], source=source
    )
    assert outcome == SubmissionState.QUEUED
    assert submission.submitter == facilitator
    assert "desa ini" in submission.errors[0]["message"]


def test_others_cannot_retry_a_submission_outside_their_scope(world):
    fields = p.household_fields()
    fields["members"][0]["nik"] = "123"
    _state, submission = receive("household", p.central(fields), world["officer"])
    for outsider in (world["other_facilitator"], world["other_partner"], f.user("viewer")):
        with pytest.raises(PermissionDenied):
            services.submission_retry(actor=outsider, submission=submission, data=submission.data)
    submission.refresh_from_db()
    assert submission.attempts == 1


def test_purge_empties_old_ingested_payloads_but_keeps_the_instance(world):
    from django.utils import timezone

    payload = p.central(p.household_fields())
    _state, submission = receive("household", payload, world["officer"])
    with pytest.raises(PermissionDenied):
        services.submission_purge(actor=world["officer"], before=timezone.now())
    admin = f.user("admin")
    assert services.submission_purge(actor=admin, before=timezone.now()) == 1
    submission.refresh_from_db()
    assert submission.payload == {} and submission.data == {} and submission.purged_at
    assert receive("household", payload, world["officer"])[0] == "duplicate"


def test_a_collector_name_in_an_uploaded_file_lends_no_authority(world):
    # A partner uploads a file claiming an officer collected it: it is still written with the partner's authority.
    partner = world["other_partner"]
    fields = p.household_fields()
    payload = p.kobo(fields, submitter=world["officer"].username)
    state, submission = receive("household", payload, partner)
    assert state == SubmissionState.INGESTED
    assert submission.submitter is None
    household = Household.objects.get(pk=submission.result["household"])
    assert household.registered_by_organisation_id == partner.organisation_id
