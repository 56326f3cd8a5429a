import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from berdaya.core.models import AuditEvent
from berdaya.musdes import dtsen, selectors, services
from berdaya.musdes.models import ExportColumn
from berdaya.targeting.models import HouseholdWelfare
from berdaya.testing import factories as f
from berdaya.testing.clients import client_for

from .helpers import OTHER, VILLAGE, farmers, held, meeting_for, run_for


@pytest.fixture
def applied(officer, media):
    people = farmers()
    run = run_for(officer)
    meeting = held(officer, meeting_for(officer, run))
    services.decision_set(
        actor=officer, meeting=meeting, person=people[VILLAGE][0], decision="removed", reason="Pindah"
    )
    services.decision_set(actor=officer, meeting=meeting, person=people[VILLAGE][6], decision="added", reason="Sakit")
    services.meeting_apply(actor=officer, meeting=meeting)
    return people, run, meeting


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_siksng_csv_lists_the_outcome_in_the_national_layout(officer, applied):
    people, _run, _meeting = applied
    response = client_for(officer).get("/musdes/usulan-siksng/", {"village": VILLAGE, "month": "2026-03", "fmt": "csv"})
    assert response.status_code == 200 and "usulan-siksng-1502012001-2026-03.csv" in response["Content-Disposition"]
    rows = _csv(response)
    header = rows[0]
    assert header[:4] == ["NIK", "NO_KK", "NAMA", "JENIS_KELAMIN"] and "JENIS_USULAN" in header
    by_name = {r[header.index("NAMA")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert len(by_name) == 5
    removed, added = by_name[people[VILLAGE][0].full_name], by_name[people[VILLAGE][6].full_name]
    assert removed["JENIS_USULAN"] == "HAPUS" and removed["ALASAN"] == "Pindah"
    assert added["JENIS_USULAN"] == "BARU" and added["NIK"] == people[VILLAGE][6].nik  # officers see the NIK
    assert by_name[people[VILLAGE][1].full_name]["JENIS_USULAN"] == "TETAP"
    assert removed["JENIS_KELAMIN"] == "1" and by_name[people[VILLAGE][1].full_name]["JENIS_KELAMIN"] == "2"
    assert removed["KODE_DESA"] == "1502012001" and removed["KODE_KECAMATAN"] == "150201"
    assert removed["KODE_KABUPATEN"] == "1502" and removed["TANGGAL_MUSDES"] == "2026-03-10"
    assert removed["NO_BERITA_ACARA"] == "BA/03/2026"
    assert all(p.full_name not in by_name for p in people[OTHER])
    event = AuditEvent.objects.get(action="export", detail__event="musdes.siksng")
    assert event.detail["rows"] == 5 and event.detail["village"] == VILLAGE


def test_the_siksng_xlsx_has_the_minutes_sheet(officer, applied):
    _people, _run, meeting = applied
    response = client_for(officer).get(
        "/musdes/usulan-siksng/", {"village": VILLAGE, "month": "2026-03", "fmt": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Usulan", "Berita acara"]
    assert len(list(book["Usulan"].iter_rows(values_only=True))) == 6
    minutes = list(book["Berita acara"].iter_rows(values_only=True))
    assert minutes[1][0] == meeting.pk and minutes[1][6] == 20 and minutes[1][7] == 18 and minutes[1][-1] == "BA"


def test_an_edited_layout_changes_the_file_without_code(officer, applied):
    ExportColumn.objects.filter(layout="siks-ng", header="NAMA").update(header="NAMA_LENGKAP")
    ExportColumn.objects.filter(layout="siks-ng", header="PROGRAM").update(active=False)
    ExportColumn.objects.create(layout="siks-ng", position=99, header="SUMBER", source="fixed", fixed="BERDAYA")
    rows = _csv(
        client_for(officer).get("/musdes/usulan-siksng/", {"village": VILLAGE, "month": "2026-03", "fmt": "csv"})
    )
    assert "NAMA_LENGKAP" in rows[0] and "PROGRAM" not in rows[0] and rows[0][-1] == "SUMBER"
    assert {r[-1] for r in rows[1:]} == {"BERDAYA"}


def test_another_month_or_village_has_no_rows(officer, applied):
    for params in ({"village": VILLAGE, "month": "2026-04"}, {"village": OTHER, "month": "2026-03"}):
        rows = _csv(client_for(officer).get("/musdes/usulan-siksng/", {**params, "fmt": "csv"}))
        assert len(rows) == 1


def test_a_bad_month_is_refused_in_indonesian(officer, applied):
    response = client_for(officer).get(
        "/musdes/usulan-siksng/", {"village": VILLAGE, "month": "Maret", "fmt": "csv"}, follow=True
    )
    assert "TTTT-BB" in response.content.decode()


# --- DTSEN deciles -----------------------------------------------------------------------------------------------


def _file(tmp_path, text: str, name: str = "desil.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_official_deciles_are_imported_by_kk_or_nik(officer, tmp_path):
    hh1 = f.household(kk_number=f.kk_number())
    hh2 = f.household()
    person = f.person(hh=hh2)
    path = _file(tmp_path, f"no_kk,nik,desil\n{hh1.kk_number},,3\n,{person.nik},7\n{'9' * 16},,2\n")
    result = dtsen.import_deciles(actor=officer, path=path, source="DTSEN 2025")
    assert (result.rows, result.written, result.unmatched) == (3, 2, 1)
    assert HouseholdWelfare.objects.get(household=hh1).official_decile == 3
    assert HouseholdWelfare.objects.get(household=hh2).official_source == "DTSEN 2025"


@pytest.mark.parametrize(
    "text,message",
    [
        ("nama,alamat\nA,B\n", "Kolom wajib tidak ditemukan"),
        ("no_kk,desil\n", "Berkas kosong"),
        ("no_kk,desil\n{kk},3\n{kk},11\n", "Baris 3: desil “11” tidak sah"),
        ("no_kk,desil\n{kk},tiga\n", "Baris 2: desil “tiga” tidak sah"),
        ("no_kk,desil\n12345,3\n", "Baris 2: nomor KK atau NIK harus 16 angka"),
    ],
)
def test_a_bad_deciles_file_is_refused_whole(officer, tmp_path, text, message):
    hh = f.household(kk_number=f.kk_number())
    path = _file(tmp_path, text.format(kk=hh.kk_number))
    with pytest.raises(ValidationError) as exc:
        dtsen.import_deciles(actor=officer, path=path, source="DTSEN 2025")
    assert any(message in m for m in exc.value.messages)
    assert not HouseholdWelfare.objects.filter(official_decile__isnull=False).exists()


def test_a_binary_file_is_refused(officer, tmp_path):
    path = tmp_path / "desil.csv"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 50)
    with pytest.raises(ValidationError):
        dtsen.import_deciles(actor=officer, path=path, source="DTSEN")


def test_the_command_imports_and_reports_errors(officer, tmp_path, capsys):
    hh = f.household(kk_number=f.kk_number())
    call_command("dtsen_deciles", str(_file(tmp_path, f"no_kk,desil\n{hh.kk_number},2\n")), "--source", "DTSEN 2025")
    assert "1 rumah tangga diperbarui" in capsys.readouterr().out
    with pytest.raises(CommandError, match="desil"):
        call_command("dtsen_deciles", str(_file(tmp_path, f"no_kk,desil\n{hh.kk_number},0\n", "b.csv")))
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("dtsen_deciles", str(tmp_path / "tidak-ada.csv"))
    assert HouseholdWelfare.objects.get(household=hh).official_decile == 2


def test_the_import_page_shows_errors_and_writes_nothing(officer, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hh = f.household(kk_number=f.kk_number())
    client = client_for(officer)
    assert client.get("/musdes/dtsen/impor/").status_code == 200
    bad = SimpleUploadedFile("desil.csv", f"no_kk,desil\n{hh.kk_number},12\n".encode())
    page = client.post("/musdes/dtsen/impor/", {"source": "DTSEN 2025", "file": bad}).content.decode()
    assert "tidak ada yang disimpan" in page and "desil “12” tidak sah" in page
    assert not HouseholdWelfare.objects.filter(household=hh).exists()
    good = SimpleUploadedFile("desil.csv", f"no_kk,desil\n{hh.kk_number},4\n".encode())
    client.post("/musdes/dtsen/impor/", {"source": "DTSEN 2025", "file": good})
    assert HouseholdWelfare.objects.get(household=hh).official_decile == 4


def test_only_officers_import_deciles(facilitator, partner):
    for user in (facilitator, partner):
        assert client_for(user).get("/musdes/dtsen/impor/").status_code == 403


# --- reconciliation ----------------------------------------------------------------------------------------------


def _welfare(village, local, official, name="Kepala"):
    hh = f.household(village=village, kk_number=f.kk_number())
    f.person(hh=hh, name=name)
    HouseholdWelfare.objects.create(
        household=hh, local_decile=local, official_decile=official, official_source="DTSEN" if official else ""
    )
    return hh


def test_the_reconciliation_counts_per_village(officer, facilitator):
    # VILLAGE: both poor x2, Berdaya only x3 (one not in DTSEN at all), DTSEN only x1, neither x1.
    for local, official in [(1, 2), (4, 4), (2, 6), (3, None), (4, 5), (7, 1), (8, 9)]:
        _welfare(VILLAGE, local, official)
    # OTHER: DTSEN only x2 (one never scored by Berdaya).
    for local, official in [(5, 3), (None, 1)]:
        _welfare(OTHER, local, official)
    rows = {r["village_id"]: r for r in selectors.reconciliation(actor=officer)}
    assert (rows[VILLAGE]["both"], rows[VILLAGE]["berdaya_only"], rows[VILLAGE]["dtsen_only"]) == (2, 3, 1)
    assert (rows[OTHER]["both"], rows[OTHER]["berdaya_only"], rows[OTHER]["dtsen_only"]) == (0, 0, 2)
    # A facilitator of VILLAGE sees only it.
    assert [r["village_id"] for r in selectors.reconciliation(actor=facilitator)] == [VILLAGE]
    households = list(selectors.reconciliation_households(actor=officer))
    assert len(households) == 3 + 1 + 2


def test_the_reconciliation_download_is_scoped_masked_and_audited(partner, officer):
    hh = _welfare(VILLAGE, 2, None, name="Orang Mitra")
    hh.registered_by_organisation = partner.organisation
    hh.save()
    _welfare(VILLAGE, 2, None, name="Orang Lain")
    rows = _csv(client_for(partner).get("/musdes/dtsen/rekonsiliasi.csv"))
    assert [r[4] for r in rows[1:]] == ["Orang Mitra"]
    assert rows[1][3] != hh.kk_number and hh.kk_number not in "".join(rows[1])
    officer_rows = _csv(client_for(officer).get("/musdes/dtsen/rekonsiliasi.csv", {"desa": VILLAGE}))
    assert {r[4] for r in officer_rows[1:]} == {"Orang Mitra", "Orang Lain"} and hh.kk_number in officer_rows[1][
        3
    ] + officer_rows[2][3]
    assert AuditEvent.objects.filter(action="export", detail__event="musdes.reconciliation").count() == 2
    page = client_for(officer).get("/musdes/dtsen/rekonsiliasi/").content.decode()
    assert "Hanya menurut Berdaya" in page
