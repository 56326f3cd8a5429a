import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from berdaya.core.models import AuditEvent
from berdaya.odk import services
from berdaya.odk.choices import Origin
from berdaya.registry.models import Household
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

from . import payloads as p

pytestmark = pytest.mark.django_db


def queued_household(world, *, village="15.02.01.2001", by=None):
    fields = p.household_fields(village=village)
    good = fields["members"][0]["nik"]
    fields["members"][0]["nik"] = "12345"
    _state, submission = services.submission_receive(
        kind="household", payload=p.central(fields), origin=Origin.UPLOAD, received_by=by or world["officer"]
    )
    assert submission.state == "queued"
    return submission, good


def test_the_forms_page_offers_every_form_and_the_download_is_an_audited_xlsx(world):
    client = client_for(world["facilitator"])
    page = client.get(reverse("odk:home"))
    assert page.status_code == 200
    assert reverse("odk:form_download", args=["attendance"]) in page.content.decode()
    response = client.get(reverse("odk:form_download", args=["household"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="berdaya_household.xlsx"'
    assert response.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export", object_type="odk.form", actor=world["facilitator"]).exists()
    assert client.get(reverse("odk:form_download", args=["nothing"])).status_code == 404


def test_a_viewer_may_not_download_forms_or_see_the_queue(world):
    client = client_for(f.user("viewer"))
    assert client.get(reverse("odk:home")).status_code == 403
    assert client.get(reverse("odk:form_download", args=["household"])).status_code == 403
    assert client.get(reverse("odk:submission_list")).status_code == 403


def test_a_facilitator_of_another_village_cannot_see_or_fix_a_queued_submission(world):
    submission, good = queued_household(world)
    mine = client_for(world["facilitator"])
    assert (
        submission.instance_id
        not in client_for(world["other_facilitator"]).get(reverse("odk:submission_list")).content.decode()
    )
    url = reverse("odk:submission_detail", args=[submission.pk])
    assert mine.get(url).status_code == 200
    other = client_for(world["other_facilitator"])
    assert other.get(url).status_code == 404
    assert other.post(url, {"f:members.0.nik": good}).status_code == 404
    submission.refresh_from_db()
    assert submission.state == "queued" and submission.attempts == 1


def test_a_partner_of_another_organisation_cannot_see_or_fix_it(world):
    partner = world["partner"]
    submission, _good = queued_household(world, by=partner)
    assert submission.organisation_id == partner.organisation_id
    url = reverse("odk:submission_detail", args=[submission.pk])
    assert client_for(partner).get(url).status_code == 200
    other = client_for(world["other_partner"])
    assert other.get(url).status_code == 404
    assert other.post(url, {"f:address": "x"}).status_code == 404


def test_the_facilitator_fixes_it_on_the_page_and_it_is_written(world):
    submission, good = queued_household(world)
    client = client_for(world["facilitator"])
    url = reverse("odk:submission_detail", args=[submission.pk])
    page = client.get(url).content.decode()
    assert "16 digit" in page  # the error, in Indonesian, beside the field
    assert AuditEvent.objects.filter(action="view", object_type="odk.submission", object_id=str(submission.pk)).exists()
    response = client.post(url, {"f:members.0.nik": good})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == "ingested", submission.errors
    assert Household.objects.filter(pk=submission.result["household"], village_id="15.02.01.2001").exists()


def test_identifiers_are_masked_for_a_partner_and_the_raw_payload_hidden(world):
    partner = world["partner"]
    submission, _good = queued_household(world, by=partner)
    kk = submission.data["kk_number"]
    phone = submission.data["members"][0]["phone"]
    page = client_for(partner).get(reverse("odk:submission_detail", args=[submission.pk])).content.decode()
    assert kk not in page and phone not in page and "Jl. Kebun Karet" not in page
    assert "Kiriman asli" not in page
    officer_page = (
        client_for(world["officer"]).get(reverse("odk:submission_detail", args=[submission.pk])).content.decode()
    )
    assert kk in officer_page and "Kiriman asli" in officer_page


def test_a_partner_cannot_change_identifiers_through_a_crafted_post(world):
    partner = world["partner"]
    submission, _good = queued_household(world, by=partner)
    client_for(partner).post(
        reverse("odk:submission_detail", args=[submission.pk]),
        {"f:kk_number": "9999999999999999", "f:members.0.nik": "1"},
    )
    submission.refresh_from_db()
    assert submission.data["kk_number"] != "9999999999999999"
    assert submission.data["members"][0]["nik"] == "12345"


def test_uploading_a_kobo_export_ingests_it(world):
    export = {"count": 1, "next": None, "results": [p.kobo(p.sale_fields(world["farmer"]))]}
    upload = SimpleUploadedFile("ekspor.json", json.dumps(export).encode(), content_type="application/json")
    response = client_for(world["facilitator"]).post(reverse("odk:upload"), {"kind": "sale", "file": upload})
    assert response.status_code == 302
    assert world["farmer"].sales.count() == 1


def test_an_upload_that_is_not_json_is_refused_with_a_message(world):
    upload = SimpleUploadedFile("ekspor.json", b"not json")
    response = client_for(world["officer"]).post(reverse("odk:upload"), {"kind": "sale", "file": upload}, follow=True)
    assert "bukan JSON" in response.content.decode()


def test_only_regency_staff_manage_sources(world):
    assert client_for(world["officer"]).get(reverse("odk:source_list")).status_code == 200
    assert client_for(world["facilitator"]).get(reverse("odk:source_list")).status_code == 403
    assert client_for(world["partner"]).post(reverse("odk:source_pull")).status_code == 403


def test_the_uploader_sees_and_can_fix_a_submission_whose_village_could_not_be_read(world):
    """A facilitator's own upload that waits for a fix is theirs to see, even with a village no one's scope holds;
    another village's facilitator still cannot see it."""
    fields = p.household_fields(village="15.02.99.9999")
    export = {"count": 1, "next": None, "results": [p.kobo(fields)]}
    upload = SimpleUploadedFile("ekspor.json", json.dumps(export).encode(), content_type="application/json")
    client_for(world["facilitator"]).post(reverse("odk:upload"), {"kind": "household", "file": upload})
    from berdaya.odk.models import Submission

    queued = Submission.objects.get(received_by=world["facilitator"])
    assert queued.state == "queued"
    assert client_for(world["facilitator"]).get(reverse("odk:submission_detail", args=[queued.pk])).status_code == 200
    stranger = f.user("facilitator", villages=["15.02.02.2004"])
    assert client_for(stranger).get(reverse("odk:submission_detail", args=[queued.pk])).status_code == 404
