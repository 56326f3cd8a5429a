"""The public form (no login, honeypot, time check, rate limit per address) and the status page (status only)."""

import re

from django.core import signing

from berdaya.grievances import choices as c
from berdaya.grievances import services
from berdaya.grievances.forms import PUBLIC_SIGNER_SALT, PublicGrievanceForm
from berdaya.grievances.models import Grievance


def _post(client, **data):
    form = {
        "category": "aid_not_received",
        "description": "Bantuan PKH bulan lalu dipotong Rp50.000 oleh ketua kelompok.",
        "t": PublicGrievanceForm.stamp(),
        **data,
    }
    return client.post("/pengaduan/kirim/", form, REMOTE_ADDR=data.pop("ip", "10.0.0.1"))


def test_anyone_submits_anonymously_and_gets_a_tracking_code(client, areas):
    page = client.get("/pengaduan/kirim/")
    assert page.status_code == 200 and b"<script" not in page.content
    response = _post(client, anonymous="on", complainant_name="Budi", village="15.02.01.2001")
    assert response.status_code == 200
    g = Grievance.objects.get()
    assert g.anonymous and g.complainant_name == "" and g.channel == c.Channel.WEB and g.created_by is None
    assert g.village_id == "15.02.01.2001"
    assert re.fullmatch(r"[2-9B-Z]{4}-[2-9B-Z]{4}", g.code) and not set(g.code) & set("AEIOU01L")
    assert g.code in response.content.decode()


def test_the_status_page_shows_the_status_and_nothing_personal(client, officer, resident):
    g = services.grievance_record(
        actor=officer,
        data={
            "category": "aid_not_received",
            "description": "Beras tidak sampai ke rumah Siti.",
            "complainant_name": "Siti Aminah",
            "complainant_phone": "081234567890",
            "reply_channel": "sms",
            "person_id": resident.pk,
        },
    )
    services.grievance_forward(actor=officer, grievance=g, to_unit="Dinas Sosial Kabupaten")
    for url in (f"/pengaduan/lacak/{g.code}/", f"/pengaduan/lacak/?kode={g.code.lower().replace('-', ' ')}"):
        page = client.get(url).content.decode()
        assert "Sedang ditangani unit terkait" in page and g.code in page
        for secret in (
            "Siti",
            "Aminah",
            "Beras",
            "081234567890",
            "+6281234567890",
            "4567890",
            "Jangkat",
            "Dinas Sosial",
            resident.nik or "NIK",
            "Bantuan tidak diterima",
        ):
            assert secret not in page, secret
    assert "tidak ditemukan" in client.get("/pengaduan/lacak/ZZZZ-ZZZZ/").content.decode()


def test_the_honeypot_and_a_too_quick_form_are_refused(client, areas, settings):
    assert _post(client, website="http://spam.example").status_code == 400
    assert _post(client, t="forged").status_code == 400
    settings.BERDAYA = {**settings.BERDAYA, "GRIEVANCE_FORM_MIN_SECONDS": 30}
    assert _post(client).status_code == 400
    old = signing.TimestampSigner(salt=PUBLIC_SIGNER_SALT)
    # A stamp from a minute ago passes.
    import time
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=time.time() - 60):
        stamp = old.sign("f")
    assert _post(client, t=stamp).status_code == 200
    assert Grievance.objects.count() == 1


def test_submissions_are_rate_limited_per_address(client, areas):
    for _i in range(5):
        assert _post(client, ip="10.0.0.7").status_code == 200
    refused = _post(client, ip="10.0.0.7")
    assert refused.status_code == 429 and "Terlalu banyak" in refused.content.decode()
    # Another address is not affected.
    assert _post(client, ip="10.0.0.8").status_code == 200
    assert Grievance.objects.count() == 6


def test_bad_input_is_shown_in_indonesian(client, areas):
    page = _post(client, description="").content.decode()
    assert 'class="err"' in page
    page = _post(client, category="targeting_objection", description="Saya tidak masuk daftar.").content.decode()
    assert "Pilih: seharusnya masuk daftar" in page
    page = _post(client, complainant_phone="12345", reply_channel="sms").content.decode()
    assert "Nomor HP tidak sah" in page
    assert not Grievance.objects.exists()
