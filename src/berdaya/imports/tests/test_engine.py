from __future__ import annotations

import datetime as dt

import pytest

from berdaya.imports.models import ColumnMapping
from berdaya.imports.pipeline import import_households
from berdaya.jobs.progress import JobCancelled, Progress
from berdaya.registry.models import Household, KKNumber, Person
from berdaya.testing import factories

from .helpers import household, person_row, write_csv

pytestmark = pytest.mark.django_db


def test_it_imports_households_with_history(officer, tmp_path):
    path = write_csv(tmp_path / "a.csv", household("A", 10, 3) + household("B", 20, 2, kk_number="1502011201150004"))
    result = import_households(path=path, actor=officer, dry_run=False)
    assert (result.new, result.invalid, result.households_new) == (5, 0, 2)
    assert Person.objects.count() == 5 and Household.objects.count() == 2
    # Bulk writes still leave one history row per record, attributed to the importer.
    assert Person.history.filter(history_type="+", history_user=officer).count() == 5
    assert Household.history.count() == 2
    assert KKNumber.objects.count() == 2
    head = Person.objects.get(relationship="head", household__kk_number="1502011201150003")
    assert head.birth_date == dt.date(1985, 3, 14) and head.sex == "M"


def test_it_is_idempotent_and_detects_updates(officer, tmp_path):
    rows = household("A", 10, 3)
    path = write_csv(tmp_path / "a.csv", rows)
    import_households(path=path, actor=officer, dry_run=False)
    again = import_households(path=path, actor=officer, dry_run=False)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert Person.objects.count() == 3 and Person.history.count() == 3
    rows[2]["full_name"] = "Nama Baru"
    changed = import_households(path=write_csv(tmp_path / "b.csv", rows), actor=officer, dry_run=False)
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 2)
    assert Person.objects.filter(full_name="Nama Baru").count() == 1
    assert Person.history.filter(history_type="~").count() == 1


def test_dry_run_writes_nothing(officer, tmp_path):
    result = import_households(path=write_csv(tmp_path / "a.csv", household("A", 10)), actor=officer, dry_run=True)
    assert result.new == 2 and not result.written
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(";", "utf-8"), (",", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-8")]
)
def test_it_reads_real_world_files(officer, tmp_path, delimiter, encoding):
    rows = household("A", 10)
    rows[0]["full_name"] = "José Müller"  # representable in cp1252, not ASCII
    rows[1]["birth_date"] = "2-6-1988"  # d-m-yyyy
    rows[0]["birth_date"] = "1985-03-14"  # ISO
    path = write_csv(tmp_path / "a.csv", rows, delimiter=delimiter, encoding=encoding)
    result = import_households(path=path, actor=officer, dry_run=False)
    assert result.invalid == 0, result.first_errors()
    assert Person.objects.filter(full_name="José Müller").exists()


@pytest.mark.parametrize("mangled", ["1,50201E+15", "1.50201E+15", "1502011403850000.0"])
def test_it_refuses_excel_mangled_nik(officer, tmp_path, mangled):
    rows = household("A", 10)
    rows[1]["nik"] = mangled
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=True)
    errors = result.errors[3]
    assert errors[0][0] == "NIK" and "Excel" in errors[0][1]
    assert result.errors[2][0][1].startswith("Dilewati")  # the rest of the household is held back


def test_it_reports_cross_row_problems(officer, tmp_path):
    a = household("A", 10)
    b = household("B", 20)
    b[1]["nik"] = a[1]["nik"]  # the same NIK twice in the file
    c = household("C", 30)
    c[0]["relationship"] = "Anak"  # no head
    d = household("D", 40)
    d[1]["address"] = "Lain"  # household columns differ within the household
    result = import_households(path=write_csv(tmp_path / "a.csv", a + b + c + d), actor=officer, dry_run=True)
    messages = {row: [m for _c, m in errs] for row, errs in result.errors.items()}
    assert "baris 5" in messages[3][0] and "baris 3" in messages[5][0]
    assert "tepat satu kepala keluarga" in messages[6][0]
    assert "berbeda dengan baris 8" in messages[9][0]
    assert result.invalid == 8 and result.new == 0


def test_all_or_nothing_vs_valid_only(officer, tmp_path):
    rows = household("A", 10) + household("B", 20)
    rows[3]["sex"] = "X"
    path = write_csv(tmp_path / "a.csv", rows)
    strict = import_households(path=path, actor=officer, dry_run=False, mode="all-or-nothing")
    assert strict.rejected and not strict.written and Person.objects.count() == 0
    lenient = import_households(path=path, actor=officer, dry_run=False, mode="valid-only")
    assert lenient.written and Person.objects.count() == 2 and lenient.invalid == 2


def test_it_uses_a_saved_mapping(officer, tmp_path):
    headers = ["ID_RUTA", "NO_KK", "KODE_DESA", "NAMA_ART", "JNS_KEL", "TGL_LAHIR", "HUB_KRT", "NIK_ART"]
    mapping = ColumnMapping.objects.create(
        name="DTKS",
        columns={
            "hh_key": "ID_RUTA",
            "kk_number": "NO_KK",
            "village_id": "KODE_DESA",
            "full_name": "NAMA_ART",
            "sex": "JNS_KEL",
            "birth_date": "TGL_LAHIR",
            "relationship": "HUB_KRT",
            "nik": "NIK_ART",
        },
    )
    src = household("A", 10)
    keys = ["hh_key", "kk_number", "village_id", "full_name", "sex", "birth_date", "relationship", "nik"]
    rows = [dict(zip(headers, (r[k] for k in keys), strict=True)) for r in src]
    path = write_csv(tmp_path / "dtks.csv", rows, headers=headers)
    result = import_households(path=path, actor=officer, mapping=mapping.columns, dry_run=False)
    assert result.new == 2 and result.invalid == 0


def test_it_keeps_imports_inside_the_users_villages(facilitator, tmp_path):
    rows = household("A", 10) + household("B", 20, village_id="15.02.01.2002")
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=facilitator, dry_run=False)
    assert result.new == 2 and "tidak boleh mendaftarkan" in result.errors[4][0][1]


def test_it_refuses_a_nik_registered_in_another_household(officer, tmp_path):
    first = factories.person(name="Kepala Lama", sex="M", birth_date=dt.date(1985, 3, 14))
    other = factories.person(name="Di Rumah Lain", sex="F", birth_date=dt.date(1988, 6, 2))
    rows = household("A", 10)
    rows[0]["nik"], rows[1]["nik"] = first.nik, other.nik
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=True)
    assert "rumah tangga lain" in result.errors[3][0][1]


def test_viewer_cannot_import(viewer, tmp_path):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_households(path=write_csv(tmp_path / "a.csv", household("A", 10)), actor=viewer)


class CancelAfterLoad(Progress):
    def check_cancelled(self, *, now: bool = False):
        if self.message.startswith("Menulis"):
            raise JobCancelled("batal")


def test_cancel_mid_import_leaves_the_database_unchanged(officer, tmp_path):
    import_households(path=write_csv(tmp_path / "a.csv", household("A", 10)), actor=officer, dry_run=False)
    before = (Person.objects.count(), Household.objects.count(), Person.history.count(), KKNumber.objects.count())
    rows = household("A", 10) + household("B", 20, kk_number="1502011201150004")
    rows[0]["full_name"] = "Berubah"
    with pytest.raises(JobCancelled):
        import_households(
            path=write_csv(tmp_path / "b.csv", rows), actor=officer, dry_run=False, progress=CancelAfterLoad()
        )
    after = (Person.objects.count(), Household.objects.count(), Person.history.count(), KKNumber.objects.count())
    assert before == after
    assert not Person.objects.filter(full_name="Berubah").exists()


def test_person_row_helper_is_valid(officer, tmp_path):
    result = import_households(path=write_csv(tmp_path / "a.csv", [person_row()]), actor=officer, dry_run=True)
    assert result.invalid == 0, result.first_errors()
