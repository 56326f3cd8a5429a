import pytest
from django.core.exceptions import PermissionDenied

from berdaya.musdes import access, services
from berdaya.programmes.models import Programme
from berdaya.targeting import services as tservices
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

from .helpers import OTHER, POOR_FARMERS, VILLAGE, farmers, held, meeting_for, run_for


@pytest.fixture
def meeting(officer, media):
    people = farmers()
    run = run_for(officer)
    return people, held(officer, meeting_for(officer, run))


def test_a_facilitator_of_another_village_sees_nothing(meeting):
    people, m = meeting
    stranger = f.user("facilitator", villages=[OTHER])
    client = client_for(stranger)
    for url in (f"/musdes/{m.pk}/", f"/musdes/{m.pk}/pengumuman.pdf", f"/musdes/{m.pk}/berita-acara/1/"):
        assert client.get(url).status_code == 404
    assert people[VILLAGE][0].full_name not in client.get("/musdes/").content.decode()
    response = client.post(
        f"/musdes/{m.pk}/keputusan/", {"person": people[VILLAGE][0].pk, "decision": "removed", "reason": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.decision_set(actor=stranger, meeting=m, person=people[VILLAGE][0], decision="removed", reason="x")
    # Their own village's meeting for the same run they may plan and prepare.
    own = meeting_for(stranger, m.run, OTHER)
    assert own.village_id == OTHER
    assert list(
        access.meeting_candidates(stranger, own).order_by().values_list("village_id", flat=True).distinct()
    ) == [OTHER]


def test_a_facilitator_cannot_plan_in_another_village(meeting, facilitator):
    _people, m = meeting
    with pytest.raises(PermissionDenied):
        meeting_for(facilitator, m.run, OTHER)


def test_a_partner_of_another_organisation_sees_no_meeting_and_no_candidate(meeting):
    people, m = meeting
    other_partner = f.user("partner", org=f.organisation("LSM Lain"))
    client = client_for(other_partner)
    assert client.get(f"/musdes/{m.pk}/").status_code == 404
    page = client.get("/musdes/").content.decode()
    assert people[VILLAGE][0].full_name not in page
    with pytest.raises(PermissionDenied):
        services.meeting_apply(actor=other_partner, meeting=m)
    services.meeting_apply(actor=f.user("officer"), meeting=m)
    body = b"".join(
        client.get("/musdes/usulan-siksng/", {"village": VILLAGE, "month": "2026-03", "fmt": "csv"}).streaming_content
    ).decode("utf-8-sig")
    assert body.count("\n") == 1  # the header only
    assert people[VILLAGE][1].full_name not in body


def test_a_partner_sees_only_its_own_people_on_its_programmes_meeting(officer, partner, media):
    from berdaya.testing.programmes import programme

    people = farmers()
    prog = programme(officer, organiser=partner.organisation, name="Program Mitra")
    own = people[VILLAGE][1]
    own.household.registered_by_organisation = partner.organisation
    own.household.save()
    version = tservices.ruleset_save(actor=officer, name="Mitra", rules_tree=POOR_FARMERS, programme_id=prog.pk)
    run = tservices.run_create(actor=officer, ruleset=version.ruleset)
    tservices.run_execute(run=run)
    m = held(officer, meeting_for(officer, run))
    assert Programme.objects.filter(pk=prog.pk).exists()
    page = client_for(partner).get(f"/musdes/{m.pk}/").content.decode()
    assert own.full_name in page
    assert people[VILLAGE][0].full_name not in page and people[VILLAGE][2].full_name not in page
    # Partners do not print the notice board or prepare the meeting.
    assert client_for(partner).get(f"/musdes/{m.pk}/pengumuman.pdf").status_code == 403
    services.meeting_apply(actor=officer, meeting=m)
    body = b"".join(
        client_for(partner)
        .get("/musdes/usulan-siksng/", {"village": VILLAGE, "month": "2026-03", "fmt": "csv"})
        .streaming_content
    ).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert len(lines) == 2 and own.full_name in lines[1]
    assert own.nik not in body  # partners do not see identity numbers


def test_viewers_see_no_musdes(viewer):
    assert client_for(viewer).get("/musdes/").status_code == 403


def test_the_pages_work_for_an_officer(officer, meeting):
    people, m = meeting
    client = client_for(officer)
    assert client.get("/musdes/").status_code == 200
    page = client.get(f"/musdes/{m.pk}/").content.decode()
    assert people[VILLAGE][0].full_name in page and "Terapkan hasil musyawarah" in page
    client.post(f"/musdes/{m.pk}/keputusan/", {"person": people[VILLAGE][0].pk, "decision": "removed", "reason": ""})
    assert not m.decisions.exists()  # a removal without a reason is refused
    client.post(f"/musdes/{m.pk}/tambah/", {"nik": people[VILLAGE][6].nik, "reason": "Janda, sakit"})
    assert m.decisions.get().decision == "added"
    client.post(f"/musdes/{m.pk}/terapkan/")
    m.refresh_from_db()
    assert m.is_applied
    pdf = client.get(f"/musdes/{m.pk}/pengumuman.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
