"""Issue 14 (import integrity) and issue 13 item 4: families are never merged or duplicated, nothing is imported
from outside the deployment, and a scoped importer learns nothing about records outside their scope."""

from __future__ import annotations

import datetime as dt

import pytest

from berdaya.areas.models import Village
from berdaya.core.spreadsheet import ImportFileError
from berdaya.imports.pipeline import import_households
from berdaya.jobs.progress import Progress
from berdaya.registry import choices as c
from berdaya.registry.models import Household, KKNumber, LifeEvent, Person
from berdaya.testing import factories

from .helpers import person_row, write_csv

pytestmark = pytest.mark.django_db

KK1 = "1502011201150003"
KK2 = "1502011201150004"


def _parents_and_son() -> list[dict[str, str]]:
    """A KK-grouped file (no household code, as DTKS extracts come): father, mother and their son."""
    common = {"hh_key": "", "kk_number": KK1, "address": "Jl. Orang Tua"}
    return [
        person_row(**common, _serial=10, full_name="Bapak Tua"),
        person_row(
            **common,
            _serial=11,
            _birth=dt.date(1960, 5, 2),
            sex="P",
            full_name="Ibu Tua",
            relationship="Istri/suami",
        ),
        person_row(**common, _serial=12, _birth=dt.date(1995, 8, 9), full_name="Anak Lelaki", relationship="Anak"),
    ]


def _son_with_wife() -> list[dict[str, str]]:
    common = {"hh_key": "", "kk_number": KK2, "address": "Jl. Anak", "rt": "007"}
    son = person_row(**common, _serial=12, _birth=dt.date(1995, 8, 9), full_name="Anak Lelaki")
    wife = person_row(
        **common, _serial=13, _birth=dt.date(1997, 1, 20), sex="P", full_name="Menantu", relationship="Istri/suami"
    )
    return [son, wife]


def _heads(household: Household) -> list[str]:
    return list(
        household.members.filter(relationship=c.Relationship.HEAD, status=c.PersonStatus.ACTIVE).values_list(
            "full_name", flat=True
        )
    )


def _footprint() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Person.history.count(),
        Household.history.count(),
        KKNumber.objects.count(),
        LifeEvent.objects.count(),
    )


# --- 14.1 pecah KK ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_parents", [False, True], ids=["son-only", "whole-family"])
def test_a_split_family_card_moves_the_son_and_keeps_the_parents_household(officer, tmp_path, with_parents):
    first = import_households(path=write_csv(tmp_path / "a.csv", _parents_and_son()), actor=officer, dry_run=False)
    assert first.new == 3 and first.invalid == 0
    parents = Household.objects.get()
    rows = (_parents_and_son()[:2] if with_parents else []) + _son_with_wife()
    path = write_csv(tmp_path / "b.csv", rows)

    check = import_households(path=path, actor=officer, dry_run=True)
    assert check.invalid == 0, check.first_errors()
    assert (check.new, check.updated, check.households_new, check.households_updated) == (1, 1, 1, 0)

    import_households(path=path, actor=officer, dry_run=False)
    parents.refresh_from_db()
    assert (parents.kk_number, parents.address, parents.rt) == (KK1, "Jl. Orang Tua", "003")
    assert _heads(parents) == ["Bapak Tua"]
    son = Person.objects.get(full_name="Anak Lelaki")
    new = son.household
    assert new.pk != parents.pk and (new.kk_number, new.address) == (KK2, "Jl. Anak")
    assert _heads(new) == ["Anak Lelaki"]
    assert set(new.members.values_list("full_name", flat=True)) == {"Anak Lelaki", "Menantu"}
    assert list(parents.members.values_list("full_name", flat=True).order_by("id")) == ["Bapak Tua", "Ibu Tua"]
    event = LifeEvent.objects.get(kind=c.LifeEventKind.SPLIT)
    assert (event.household_id, event.person_id, event.new_household_id) == (parents.pk, son.pk, new.pk)
    assert list(KKNumber.objects.filter(household=parents).values_list("number", flat=True)) == [KK1]
    # Every household ends with exactly one head.
    for hh in Household.objects.all():
        assert len(_heads(hh)) == 1

    # Re-importing the same file changes nothing: no KK swap, no new event, no history row.
    before = _footprint()
    again = import_households(path=path, actor=officer, dry_run=False)
    assert (again.new, again.updated, again.households_updated, again.invalid) == (0, 0, 0, 0)
    assert again.unchanged == len(rows)
    assert _footprint() == before
    parents.refresh_from_db()
    assert parents.kk_number == KK1


def test_a_head_appearing_as_a_member_elsewhere_is_left_for_a_person_to_decide(officer, tmp_path):
    import_households(path=write_csv(tmp_path / "a.csv", _parents_and_son()), actor=officer, dry_run=False)
    before = _footprint()
    # The father now appears as a member of his son's new card: a move, a merge or a typing error?
    rows = _son_with_wife()
    father = _parents_and_son()[0]
    rows.append(
        {**father, "hh_key": "", "kk_number": KK2, "address": "Jl. Anak", "rt": "007", "relationship": "Orang tua"}
    )
    path = write_csv(tmp_path / "b.csv", rows)
    check = import_households(path=path, actor=officer, dry_run=True)
    message = check.errors[4][0][1]
    assert "kepala keluarga" in message and "periksa" in message.lower()
    assert check.errors[2][0][1].startswith("Dilewati")
    import_households(path=path, actor=officer, dry_run=False)
    assert _footprint() == before


def test_two_file_households_claiming_one_registered_household_are_reported(officer, tmp_path):
    import_households(path=write_csv(tmp_path / "a.csv", _parents_and_son()), actor=officer, dry_run=False)
    # The registered head heads a "new" card while the old card also comes back with another head.
    rows = _parents_and_son()
    rows[0].update(kk_number=KK2, address="Jl. Lain")  # the father alone under a new number
    rows[1].update(relationship="Kepala keluarga")  # the mother now heads KK1
    rows[2]["relationship"] = "Anak"
    check = import_households(path=write_csv(tmp_path / "b.csv", rows), actor=officer, dry_run=True)
    assert check.invalid == 3, check.first_errors()
    assert any("periksa" in m.lower() for errs in check.errors.values() for _c, m in errs)


# --- 14.2 people without NIK or KK ------------------------------------------------------------------------------


def _no_nik_households(n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        rows.append(
            person_row(
                hh_key=f"BARU-{i}",
                kk_number="",
                nik="",
                nik_missing_reason="Belum pernah terdaftar",
                full_name=f"Warga Tanpa NIK {i}",
                _birth=dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
            )
        )
    return rows


def test_people_without_nik_or_kk_are_not_duplicated_by_re_import(officer, tmp_path):
    path = write_csv(tmp_path / "a.csv", _no_nik_households(12))
    first = import_households(path=path, actor=officer, dry_run=False)
    assert first.new == 12 and first.invalid == 0, first.first_errors()
    before = _footprint()
    for _ in range(2):
        again = import_households(path=path, actor=officer, dry_run=False)
        assert (again.new, again.updated, again.unchanged, again.households_new) == (0, 0, 12, 0)
    assert _footprint() == before


def test_near_matches_without_nik_are_reported_for_review(officer, tmp_path):
    import_households(path=write_csv(tmp_path / "a.csv", _no_nik_households(3)), actor=officer, dry_run=False)
    rows = _no_nik_households(3)
    rows[1]["birth_date"] = "03/03/1975"  # same name, same village, another birth date
    rows[2]["full_name"] = rows[2]["full_name"].upper()  # only the case differs: the same person, renamed
    check = import_households(path=write_csv(tmp_path / "b.csv", rows), actor=officer, dry_run=True)
    assert (check.unchanged, check.updated, check.new, check.invalid) == (1, 1, 0, 1)
    assert "mirip" in check.errors[3][0][1].lower()


# --- 13.4 existence is not revealed --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner", "facilitator"])
def test_a_scoped_dry_run_does_not_reveal_records_outside_scope(role, partner, facilitator, tmp_path):
    actor = {"partner": partner, "facilitator": facilitator}[role]
    elsewhere = factories.household(village="15.02.02.1010", kk_number=KK2)
    hidden = factories.person(hh=elsewhere, name="Orang Lain", sex="M", birth_date=dt.date(1985, 3, 14))
    taken = person_row(hh_key="A", nik=hidden.nik, kk_number=KK1)
    fresh = person_row(hh_key="B", kk_number=KK2, _serial=30)
    result = import_households(path=write_csv(tmp_path / "a.csv", [taken, fresh]), actor=actor, dry_run=True)
    messages = [m for errs in result.errors.values() for _c, m in errs]
    assert len(messages) == 2
    text = " ".join(messages)
    for leak in ("sudah terdaftar", "di luar wilayah", f"#{elsewhere.pk}", f"#{hidden.pk}", "rumah tangga lain"):
        assert leak not in text
    # The same words whether the NIK or the KK number matched something hidden.
    assert messages[0] == messages[1]
    # A household matched by KK number alone does not name its registered head either.
    alone = import_households(path=write_csv(tmp_path / "b.csv", [fresh]), actor=actor, dry_run=True)
    assert [m for errs in alone.errors.values() for _c, m in errs] == [messages[0]]


# --- 14.6 files that crashed it ---------------------------------------------------------------------------------


def test_a_csv_with_headers_only_says_it_has_no_rows(officer, tmp_path):
    with pytest.raises(ImportFileError, match="tidak ada baris data"):
        import_households(path=write_csv(tmp_path / "a.csv", []), actor=officer, dry_run=True)


def test_an_xlsx_with_headers_only_says_it_has_no_rows(officer, tmp_path):
    from berdaya.core.spreadsheet import xlsx_bytes
    from berdaya.imports.columns import TEMPLATE_HEADERS

    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes([("Data", TEMPLATE_HEADERS, [])]))
    with pytest.raises(ImportFileError, match="tidak ada baris data"):
        import_households(path=path, actor=officer, dry_run=True)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_untouched_template_imports_nobody(officer, tmp_path, fmt):
    from berdaya.imports.templates_files import template_csv, template_xlsx

    path = tmp_path / f"templat.{fmt}"
    path.write_bytes(template_xlsx() if fmt == "xlsx" else template_csv())
    result = import_households(path=path, actor=officer, dry_run=False)
    assert result.examples == 2 and result.new == 0 and result.total == 0
    assert Person.objects.count() == 0


# --- 14.8 another regency's households ----------------------------------------------------------------------


def _outside_village() -> str:
    Village.objects.get_or_create(
        code="31.71.01.1001", defaults={"district_id": "31.71.01", "name": "Desa Luar", "kind": "kelurahan"}
    )
    return "31.71.01.1001"


def test_villages_outside_the_deployments_regency_are_refused(officer, tmp_path, settings):
    code = _outside_village()
    rows = [person_row(hh_key="A"), person_row(hh_key="B", village_id=code, kk_number=KK2, _serial=20)]
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert result.new == 1 and Person.objects.count() == 1
    message = result.errors[3][0][1]
    assert code in message and "Kabupaten Merangin" in message

    settings.BERDAYA = {**settings.BERDAYA, "REGENCIES": ["15.02", "31.71"]}
    allowed = import_households(path=write_csv(tmp_path / "b.csv", rows), actor=officer, dry_run=True)
    assert allowed.invalid == 0, allowed.first_errors()


def test_uploading_headers_only_says_so_at_once(client, officer, tmp_path, settings):
    from django.urls import reverse

    from berdaya.imports.models import ImportRun

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer)
    with open(write_csv(tmp_path / "a.csv", []), "rb") as fh:
        response = client.post(reverse("imports:index"), {"file": fh})
    assert response.status_code == 200
    assert "tidak ada baris data" in response.content.decode()
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_a_commit_that_wrote_nothing_says_what_happened(client, officer, tmp_path, settings):
    from django.urls import reverse

    from berdaya.imports.models import ImportRun

    run = ImportRun.objects.create(
        original_name="a.csv",
        checksum="0" * 64,
        created_by=officer,
        status=ImportRun.Status.IMPORTED,
        result={"total": 4, "new": 0, "updated": 0, "unchanged": 4, "invalid": 0},
    )
    client.force_login(officer)
    page = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert "tidak ada perubahan: 4 baris sudah sama dengan registri" in page
    run.result = {"total": 3, "new": 0, "updated": 0, "unchanged": 0, "invalid": 3}
    run.save()
    listing = client.get(reverse("imports:index")).content.decode()
    assert "tidak ada yang ditulis: 3 baris tidak sah" in listing


class PauseWhileWriting(Progress):
    """Holds the import inside its write transaction until the test lets it go."""

    def __init__(self, inside, go):
        super().__init__()
        self.inside, self.go = inside, go

    def check_cancelled(self, *, now: bool = False):
        if self.message.startswith("Menulis") and not self.inside.is_set():
            self.inside.set()
            assert self.go.wait(30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_of_the_same_file_write_one_after_the_other(tmp_path):
    import threading

    from django.db import connection

    factories.make_areas()
    officer = factories.user("officer")
    path = write_csv(tmp_path / "a.csv", _no_nik_households(5) + _parents_and_son())
    inside, go = threading.Event(), threading.Event()
    results = {}

    def run(name, progress):
        try:
            results[name] = import_households(path=path, actor=officer, dry_run=False, progress=progress)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first", PauseWhileWriting(inside, go)))
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=run, args=("second", Progress()))
    second.start()
    second.join(1.5)
    assert second.is_alive()  # waiting for the first import, not comparing with a registry about to change
    go.set()
    first.join(30)
    second.join(30)
    assert results["first"].new == 8
    assert (results["second"].new, results["second"].unchanged) == (0, 8)
    assert Person.objects.count() == 8


# --- 14.9 small things ----------------------------------------------------------------------------------------


def test_nik_full_width_digits_and_grouping_spaces_are_normalised(officer, tmp_path):
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = [person_row(hh_key="A", _serial=1), person_row(hh_key="B", _serial=2, kk_number=KK2)]
    rows.append(person_row(hh_key="C", _serial=3, kk_number="1502011201150005"))
    rows.append(person_row(hh_key="D", _serial=4, kk_number="1502011201150006"))
    expected = [r["nik"] for r in rows]
    rows[0]["nik"] = rows[0]["nik"].translate(full_width)
    n = rows[1]["nik"]
    rows[1]["nik"] = f"{n[:4]}\u00a0{n[4:8]}\u00a0{n[8:12]}\u00a0{n[12:]}"  # non-breaking spaces
    n = rows[2]["nik"]
    rows[2]["nik"] = f"{n[:6]} {n[6:12]} {n[12:]}"
    rows[3]["nik"] = rows[3]["nik"][:5] + "O" + rows[3]["nik"][6:]  # a letter O among 16 characters
    rows[0]["phone"], rows[1]["phone"], rows[2]["phone"] = "0812-3456-7890", "+62 812 3456 7891", "6281234567892"
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert result.new == 3, result.first_errors()
    assert sorted(Person.objects.values_list("nik", flat=True)) == sorted(expected[:3])
    assert sorted(Person.objects.values_list("phone", flat=True)) == [
        "+6281234567890",
        "+6281234567891",
        "+6281234567892",
    ]
    message = result.errors[5][0][1]
    assert message == "NIK hanya boleh berisi angka 0-9 (tertulis “O”)."


def test_the_registry_keeps_one_form_of_nik_and_phone():
    from berdaya.core.phone import normalise_phone
    from berdaya.registry.identity import normalise_identity

    assert normalise_identity(" '1502\u00a00114\u202f0385 0002 ") == "1502011403850002"
    assert normalise_identity("１５０２０１１４０３８５０００２") == "1502011403850002"
    assert normalise_phone("0812 3456 7890") == normalise_phone("+62-812-3456-7890") == "+6281234567890"
    with pytest.raises(ValueError):
        normalise_phone("12345")


def test_a_phone_number_in_an_export_is_not_treated_as_a_formula():
    from berdaya.core.spreadsheet import safe_cell

    assert safe_cell("+6281234567890") == "+6281234567890"
    assert safe_cell("+1+1") == "'+1+1" and safe_cell("=1+1") == "'=1+1" and safe_cell("-5") == "'-5"


def test_a_person_saved_through_the_registry_gets_the_normalised_numbers(officer):
    person = factories.person(nik="", with_nik=False, phone="0812 3456 7890")
    person.nik = "１５０２０１５４０３８５０００１".replace("５４０３８５", "１４０３８５")
    person.sex, person.birth_date = "M", dt.date(1985, 3, 14)
    person.full_clean()
    assert person.nik == "1502011403850001" and person.phone == "+6281234567890"


# --- 14.5 the error-file round trip -------------------------------------------------------------------------------


def _error_sheet(run):
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(run.errors_file.read())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_corrected_error_file_imports_cleanly(officer, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from berdaya.core.spreadsheet import xlsx_bytes
    from berdaya.imports.services import import_execute, import_run_create

    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [
        # Another name than household B's head: the same name, birth date and village would be a likely duplicate.
        person_row(hh_key="A", _serial=1, full_name="Budi Hartono"),
        person_row(
            hh_key="A",
            _serial=2,
            sex="X",
            birth_date="31/02/1990",
            relationship="Istri/suami",
            full_name="Dewi Lestari",
        ),
        person_row(hh_key="B", _serial=5, kk_number=KK2),
    ]
    path = write_csv(tmp_path / "a.csv", rows)
    upload = SimpleUploadedFile("a.csv", path.read_bytes())
    run = import_run_create(actor=officer, uploaded=upload)
    result = import_execute(run=run, dry_run=False, mode="valid-only")
    assert result.new == 1 and result.invalid == 2
    lines = _error_sheet(run)
    header, body = lines[0], lines[1:]
    assert [line[0] for line in body] == [2, 3]  # one line per source row
    assert "Jenis kelamin" in body[1][1] and "Tanggal lahir" in body[1][1]
    assert "X" in body[1][2] and "kalender" in body[1][2]

    # The officer fixes row 3 in the downloaded file and imports it as it is.
    fixed = [list(line) for line in body]
    position = {name: i for i, name in enumerate(header)}
    fixed[1][position["Jenis kelamin"]] = "P"
    fixed[1][position["Tanggal lahir"]] = "02/06/1988"
    fixed[1][position["NIK"]] = factories.nik(birth_date=dt.date(1988, 6, 2), sex="F")
    corrected = SimpleUploadedFile("kesalahan.xlsx", xlsx_bytes([("Kesalahan", header, fixed)]))
    again = import_execute(run=import_run_create(actor=officer, uploaded=corrected), dry_run=False, mode="valid-only")
    assert (again.invalid, again.new) == (0, 2), again.first_errors()
    assert Person.objects.count() == 3


def test_a_truncated_error_file_says_so(officer, tmp_path, settings, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from berdaya.imports import services
    from berdaya.imports.services import import_execute, import_run_create

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "ERROR_FILE_MAX_ROWS", 2)
    rows = [person_row(hh_key=f"H{i}", sex="X", _serial=i + 1) for i in range(5)]
    upload = SimpleUploadedFile("a.csv", write_csv(tmp_path / "a.csv", rows).read_bytes())
    run = import_run_create(actor=officer, uploaded=upload)
    import_execute(run=run, dry_run=True, mode="valid-only")
    lines = _error_sheet(run)
    assert len(lines) == 4 and "dipotong: 3 baris" in lines[3][2]


# --- 14.10 readers are not blocked -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_registry_tables_stay_readable_during_a_large_first_load(tmp_path, monkeypatch):
    """On PostgreSQL a first load used to drop the registry tables' indexes inside its transaction, which locks
    readers out until it commits. SQLite readers see the last commit (WAL) and are not concerned."""
    import threading

    from django.db import connection, connections

    from berdaya.imports import bulk

    if connection.vendor != "postgresql":
        pytest.skip("SQLite readers are never blocked by a writer in WAL mode")
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)  # this small file is a "large first load"
    factories.make_areas()
    officer = factories.user("officer")
    path = write_csv(tmp_path / "a.csv", _parents_and_son() + _no_nik_households(4))
    inside, go = threading.Event(), threading.Event()
    outcome = {}

    def run():
        try:
            outcome["result"] = import_households(
                path=path, actor=officer, dry_run=False, progress=PauseWhileWriting(inside, go)
            )
        finally:
            connection.close()

    writer = threading.Thread(target=run)
    writer.start()
    try:
        assert inside.wait(30)
        reader = connections.create_connection("default")
        try:
            with reader.cursor() as cur:
                cur.execute("SET lock_timeout = '2s'")
                cur.execute("SELECT count(*) FROM registry_person")
                assert cur.fetchone()[0] == 0  # the import has not committed yet
                cur.execute(
                    "SELECT count(*) FROM registry_household h JOIN registry_kknumber k ON k.household_id = h.id"
                )
                cur.execute("SELECT count(*) FROM accounts_user")  # every page reads its user
        finally:
            reader.close()
    finally:
        go.set()
        writer.join(30)
    assert outcome["result"].new == 7 and Person.objects.count() == 7
