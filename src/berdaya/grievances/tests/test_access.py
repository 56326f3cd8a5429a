"""Who reads which grievance: restricted ones only by named handlers; facilitators in their villages; partner
staff for their organisation's programmes; viewers none."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from berdaya.core.models import AuditEvent
from berdaya.grievances import choices as c
from berdaya.grievances import services
from berdaya.grievances.access import can_handle, grievances_visible_to
from berdaya.grievances.models import GrievanceHandler
from berdaya.testing import factories
from berdaya.testing import programmes as tp
from berdaya.testing.clients import client_for


def _public(**data):
    base = {"category": "service_quality", "description": "Petugas desa meminta uang.", "anonymous": True}
    return services.grievance_submit_public(data={**base, **data})


def test_a_restricted_grievance_is_read_by_its_named_handlers_only(officer, admin_user, handler, supervisor):
    g = _public(sensitivity=c.Sensitivity.SEXUAL_HARASSMENT, description="Saya dilecehkan oleh pendamping.")
    # Neither an officer, an administrator, a grievance handler nor the supervisor who is not named reads it.
    for user in (officer, admin_user, handler, supervisor):
        assert client_for(user).get(f"/pengaduan/{g.pk}/").status_code == 404
        assert not grievances_visible_to(user).filter(pk=g.pk).exists()
    # The supervisor sees that it exists, without content, to name a handler.
    listing = client_for(supervisor).get("/pengaduan/").content.decode()
    assert g.code in listing and "dilecehkan" not in listing and "terbatas" in listing
    with pytest.raises(ValidationError, match="alasan"):
        services.grievance_assign(actor=supervisor, grievance=g, user=handler)
    response = client_for(supervisor).post(
        f"/pengaduan/{g.pk}/tunjuk/", {"user": handler.pk, "reason": "Petugas perempuan"}
    )
    assert response.status_code == 302
    page = client_for(handler).get(f"/pengaduan/{g.pk}/")
    assert page.status_code == 200 and "dilecehkan" in page.content.decode()
    assert AuditEvent.objects.filter(actor=handler, action="view", object_id=str(g.pk)).exists()
    assert client_for(admin_user).get(f"/pengaduan/{g.pk}/").status_code == 404
    assert can_handle(handler, g) and not can_handle(officer, g)


def test_illegal_fees_are_restricted_as_misconduct(officer):
    g = _public(category=c.Category.ILLEGAL_FEE)
    assert g.sensitivity == c.Sensitivity.MISCONDUCT
    assert client_for(officer).get(f"/pengaduan/{g.pk}/").status_code == 404


def test_a_facilitator_sees_grievances_of_their_village_only(officer, facilitator, resident):
    other = factories.user("facilitator", villages=["15.02.02.1010"])
    g = services.grievance_record(
        actor=officer, data={"category": "data_correction", "description": "Nama salah eja.", "person_id": resident.pk}
    )
    assert g.village_id == "15.02.01.2001" and g.household_id == resident.household_id
    assert client_for(facilitator).get(f"/pengaduan/{g.pk}/").status_code == 200
    assert client_for(other).get(f"/pengaduan/{g.pk}/").status_code == 404
    assert g.code not in client_for(other).get("/pengaduan/").content.decode()
    # Nor can they link someone outside their villages.
    with pytest.raises(ValidationError, match="di luar wilayah"):
        services.grievance_record(
            actor=other,
            data={"category": "data_correction", "description": "x", "person_id": resident.pk},
            channel=c.Channel.FACILITATOR,
        )


def test_a_facilitator_records_on_someones_behalf(facilitator, resident):
    g = services.grievance_record(
        actor=facilitator,
        data={"category": "accessibility", "description": "Balai desa tanpa ramp.", "person_id": resident.pk},
        channel=c.Channel.FACILITATOR,
    )
    assert g.channel == c.Channel.FACILITATOR and g.created_by == facilitator
    # Recording is not handling: no handler capability.
    with pytest.raises(PermissionDenied):
        services.grievance_forward(actor=facilitator, grievance=g, to_unit="Dinas PUPR")


def test_partner_staff_see_grievances_about_their_organisations_programmes_only(officer, areas):
    org_a = factories.organisation("LSM Pelita")
    org_b = factories.organisation("LSM Lain")
    partner_a = factories.user("partner", org=org_a)
    partner_b = factories.user("partner", org=org_b)
    programme = tp.programme(officer, organiser=org_a)
    g = services.grievance_record(
        actor=officer,
        data={
            "category": "service_quality",
            "description": "Pelatihan batal tanpa kabar.",
            "programme_id": programme.pk,
        },
    )
    assert client_for(partner_a).get(f"/pengaduan/{g.pk}/").status_code == 200
    assert client_for(partner_b).get(f"/pengaduan/{g.pk}/").status_code == 404
    assert g.code not in client_for(partner_b).get("/pengaduan/").content.decode()


def test_a_viewer_reads_no_grievance(viewer, officer):
    services.grievance_record(actor=officer, data={"category": "other", "description": "x"})
    assert client_for(viewer).get("/pengaduan/").status_code == 403
    assert not grievances_visible_to(viewer).exists()


def test_only_an_admin_makes_handlers(officer, admin_user):
    with pytest.raises(PermissionDenied):
        services.grievance_handler_set(actor=officer, user=officer)
    services.grievance_handler_set(actor=admin_user, user=officer, is_supervisor=True)
    assert GrievanceHandler.objects.get(user=officer).is_supervisor


def test_the_desk_form_records_and_shows_the_code(officer, resident):
    response = client_for(officer).post(
        "/pengaduan/baru/",
        {
            "channel": "desk",
            "category": "targeting_objection",
            "objection_kind": "left_off",
            "sensitivity": "normal",
            "description": "Keluarga miskin tidak masuk daftar.",
            "person": resident.pk,
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Kode lacak" in page
    response = client_for(officer).post(
        "/pengaduan/baru/",
        {"channel": "desk", "category": "targeting_objection", "sensitivity": "normal", "description": "x"},
    )
    assert "Pilih: seharusnya" in response.content.decode()


def test_a_named_handler_outside_the_persons_village_reads_the_text_but_not_the_person(officer, supervisor, resident):
    far = factories.user("facilitator", villages=["15.02.02.1010"])
    GrievanceHandler.objects.create(user=far)
    g = services.grievance_record(
        actor=officer,
        data={
            "category": "service_quality",
            "sensitivity": c.Sensitivity.MISCONDUCT,
            "description": "Petugas meminta imbalan.",
            "person_id": resident.pk,
        },
    )
    services.grievance_assign(actor=supervisor, grievance=g, user=far, reason="Petugas dari kecamatan lain")
    page = client_for(far).get(f"/pengaduan/{g.pk}/").content.decode()
    assert "Petugas meminta imbalan" in page and resident.full_name not in page
