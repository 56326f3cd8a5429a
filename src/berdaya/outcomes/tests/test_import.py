"""Importing outcome surveys from a file: dry run, all or nothing, errors per row and as an error file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from berdaya.outcomes import importer
from berdaya.outcomes.models import OutcomeSurvey
from berdaya.testing import factories as f
from berdaya.testing import programmes as tp

from .helpers import enrolment

pytestmark = pytest.mark.django_db

HEADER = "nik,program_id,putaran,bulan_ke,tanggal_wawancara,jumlah_art,pendapatan_tani,pendapatan_upah,bekerja,jam_kerja,kesejahteraan\n"


def _write(tmp_path, body: str):
    path = tmp_path / "survei.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_dry_run_checks_everything_and_writes_nothing_then_the_import_writes_all(tmp_path, officer):
    programme = tp.programme(officer)
    a, b = f.person(name="Ani"), f.person(name="Budi")
    enrolment(programme, a, officer)
    path = _write(
        tmp_path,
        f"{a.nik},{programme.pk},tindak_lanjut,6,2025-07-15,4,1.500.000,0,ya,40,7\n"
        f"{b.nik},,baseline,,15-01-2025,3,900000,100000,tidak,,4\n",
    )

    checked = importer.surveys_import(actor=officer, path=path, dry_run=True)
    assert (checked.rows, checked.errors, OutcomeSurvey.objects.count()) == (2, [], 0)
    done = importer.surveys_import(actor=officer, path=path, dry_run=False)

    assert done.written == 2
    follow = OutcomeSurvey.objects.get(person=a)
    assert (follow.programme, follow.round_month, follow.income_farming, follow.source) == (
        programme,
        6,
        1_500_000,
        "import",
    )


def test_one_bad_row_refuses_the_file_with_row_errors_and_an_error_file(tmp_path, officer, facilitator):
    programme = tp.programme(officer)
    a = f.person(name="Ani")
    elsewhere = f.person(name="Jauh", hh=f.household(village="15.02.02.2004"))
    path = _write(
        tmp_path,
        f"{a.nik},,baseline,,2025-01-15,4,1000000,0,ya,40,7\n"
        f"{a.nik},{programme.pk},tindak_lanjut,6,2025-07-15,4,1000000,0,ya,40,12\n"
        f"{elsewhere.nik},,baseline,,2025-01-15,4,abc,0,ya,40,5\n",
    )

    result = importer.surveys_import(actor=facilitator, path=path, dry_run=False)

    assert OutcomeSurvey.objects.count() == 0
    messages = "\n".join(f"Baris {row}: {m}" for row, m in result.errors)
    assert "Baris 3: program_id: penduduk ini bukan peserta program tersebut." in messages
    assert "Baris 3: wellbeing: Tangga kesejahteraan diisi 0 sampai 10." in messages
    assert "Baris 4: nik: tidak ada penduduk hidup" in messages  # outside the facilitator's village
    assert "Baris 4: pendapatan" not in messages and "income_farming: “abc” tidak dapat dibaca." in messages
    error_file = result.error_file.decode("utf-8-sig")
    assert error_file.splitlines()[0].endswith(",kesalahan") and len(error_file.splitlines()) == 3


def test_the_import_page_offers_the_template_and_the_error_file(client, officer):
    client.force_login(officer)
    assert b"putaran" in client.get(reverse("outcomes:import_template")).content
    upload = ("bad.csv", HEADER.encode() + b"1502010101010001,,baseline,,2025-01-15,4,1,0,ya,4,5\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(reverse("outcomes:import"), {"file": SimpleUploadedFile(*upload), "dry_run": "on"})

    assert "Tidak ada yang disimpan" in page.content.decode()
    assert b"kesalahan" in client.get(reverse("outcomes:import_errors")).content
