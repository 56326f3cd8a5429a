"""The paths of the DuckDB engine that small template files do not take: XLSX, the Python fallback reader,
a large first load on PostgreSQL, and households matched outside the user's scope."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from django.db import connection
from openpyxl import Workbook

from berdaya.imports import bulk, transport
from berdaya.imports.columns import BY_KEY, TEMPLATE_HEADERS
from berdaya.imports.pipeline import import_households
from berdaya.imports.source import _clean_utf8
from berdaya.jobs.progress import JobCancelled, Progress
from berdaya.registry.models import Household, KKNumber, Person
from berdaya.testing import factories

from .helpers import household, write_csv

pytestmark = pytest.mark.django_db
KEYS = [next(k for k, col in BY_KEY.items() if col.header == h) for h in TEMPLATE_HEADERS]


def _indexes() -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('registry_person', 'registry_household', "
            "'registry_historicalperson', 'registry_kknumber')"
        )
        names = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'registry_person'::regclass")
        return names | {row[0] for row in cur.fetchall()}


def test_it_reads_xlsx_with_typed_cells(officer, tmp_path):
    rows = household("A", 10) + household("B", 20, kk_number="1502011201150004")
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(TEMPLATE_HEADERS)
    for i, row in enumerate(rows):
        values = [row.get(k, "") for k in KEYS]
        if i == 0:
            d, m, y = row["birth_date"].split("/")
            values[KEYS.index("birth_date")] = dt.datetime(int(y), int(m), int(d))  # a real Excel date
        if i < 2:
            values[KEYS.index("rt")] = 3  # a number in a text column, the same in both rows of the household
        if i == 3:
            values[KEYS.index("nik")] = float(row["nik"])  # Excel turned the NIK into a number
        sheet.append(values)
    path = tmp_path / "a.xlsx"
    book.save(path)
    result = import_households(path=path, actor=officer, dry_run=False)
    assert result.new == 2 and result.invalid == 2, result.first_errors()
    assert "Excel" in result.errors[5][0][1] and result.errors[4][0][1].startswith("Dilewati")
    assert Person.objects.get(relationship="head", household__rt="3").birth_date == dt.date(1985, 3, 14)


def test_blank_lines_and_ragged_rows_keep_spreadsheet_row_numbers(officer, tmp_path):
    rows = household("A", 10) + household("B", 20, kk_number="1502011201150004")
    rows[3]["sex"] = "X"
    path = write_csv(tmp_path / "a.csv", rows, delimiter=";")
    lines = path.read_text(encoding="utf-8").splitlines()
    # A blank line after row 3 (Excel still numbers it) and a short row at the end.
    path.write_text("\n".join([*lines[:2], "", *lines[2:], "1;2"]) + "\n", encoding="utf-8")
    assert not _clean_utf8(path)[0]
    result = import_households(path=path, actor=officer, dry_run=True)
    assert sorted(result.errors) == [5, 6, 7]  # household B: rows 5-6 (row 4 is the blank line), the short row
    assert "tidak dikenal" in result.errors[6][0][1] and result.errors[5][0][1].startswith("Dilewati")
    assert result.total == 5 and result.new == 2


def test_a_clean_file_is_read_in_place(tmp_path):
    path = write_csv(tmp_path / "a.csv", household("A", 10))
    assert _clean_utf8(path)[0]
    path.write_bytes(path.read_bytes() + b"\n\n")  # trailing blank lines do not move any row number
    assert _clean_utf8(path)[0]
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r", 1))
    assert not _clean_utf8(path)[0]


def _bulk_mode(monkeypatch) -> list[list[str]]:
    """Make any import a "large first load" and record the statements that restore the indexes."""
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(bulk, "exclusive_load", lambda: True)
    calls: list[list[str]] = []
    original = bulk.begin_bulk_load

    def spy(run, cur, tables):
        calls.append(original(run, cur, tables))
        return calls[-1]

    monkeypatch.setattr(bulk, "begin_bulk_load", spy)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # The fixtures' own deferred checks would make ALTER TABLE refuse (as it would in a caller's transaction).
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return calls


def test_a_large_first_load_rebuilds_indexes_and_keeps_them(officer, tmp_path, monkeypatch):
    calls = _bulk_mode(monkeypatch)
    before = _indexes() if connection.vendor == "postgresql" else set()
    rows = household("A", 10, 3) + household("B", 20, 2, kk_number="1502011201150004")
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert result.new == 5 and Person.history.count() == 5 and KKNumber.objects.count() == 2
    if connection.vendor == "postgresql":
        assert _indexes() == before and "person_name_trgm" in before
        assert any("person_name_trgm" in statement for statement in calls[0])
    again = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert (again.new, again.unchanged) == (0, 5)


class CancelWhileWriting(Progress):
    def check_cancelled(self, *, now: bool = False):
        if self.message.startswith("Menulis") and Person.objects.exists():
            raise JobCancelled("batal")


def test_cancel_during_a_bulk_load_restores_everything(officer, tmp_path, monkeypatch):
    calls = _bulk_mode(monkeypatch)
    before = _indexes() if connection.vendor == "postgresql" else set()
    rows = household("A", 10, 3)
    with pytest.raises(JobCancelled):
        import_households(
            path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False, progress=CancelWhileWriting()
        )
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    if connection.vendor == "postgresql":
        assert calls and _indexes() == before


def test_it_refuses_households_registered_outside_the_users_scope(facilitator, tmp_path):
    factories.household(village="15.02.01.2002", kk_number="1502011201150004")
    rows = household("A", 10, kk_number="1502011201150004")
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=facilitator, dry_run=True)
    assert "hak akses Anda" in result.errors[2][0][1] and result.invalid == 2


def _column_defaults() -> dict[str, str | None]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name || '.' || column_name, column_default FROM information_schema.columns "
            "WHERE table_name IN ('registry_person', 'registry_household') AND column_name IN ('created_at', "
            "'updated_at')"
        )
        return dict(cur.fetchall())


def test_a_large_first_load_stamps_rows_and_leaves_no_column_default(officer, tmp_path, monkeypatch):
    _bulk_mode(monkeypatch)
    before = _column_defaults() if connection.vendor == "postgresql" else {}
    rows = household("A", 10, 3) + household("B", 20, 2, kk_number="1502011201150004")
    result = import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert result.new == 5
    stamps = set(Person.objects.values_list("created_at", "updated_at"))
    stamps |= set(Household.objects.values_list("created_at", "updated_at"))
    assert len(stamps) == 1 and None not in next(iter(stamps))  # one moment for the whole file
    if connection.vendor == "postgresql":
        assert _column_defaults() == before  # the default lived only inside the import's transaction


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DuckDB-to-COPY pipe is PostgreSQL's path")
def test_a_duckdb_failure_inside_the_pipe_ends_the_import_cleanly(officer, tmp_path, monkeypatch):
    _bulk_mode(monkeypatch)
    original = transport.PostgresTransport.stream

    def broken(self, cur, table, names, select, on_rows=None):
        if table == "registry_person":
            # DuckDB raises on the third row, while it is writing rows into the pipe.
            select = f"SELECT * REPLACE (CASE WHEN id % 3 = 0 THEN error('rusak') ELSE id END AS id) FROM ({select})"  # noqa: S608
        return original(self, cur, table, names, select, on_rows)

    monkeypatch.setattr(transport.PostgresTransport, "stream", broken)
    rows = household("A", 10, 3) + household("B", 20, 2, kk_number="1502011201150004")
    with pytest.raises(duckdb.Error, match="rusak"):
        import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert Person.objects.count() == 0 and Household.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DuckDB-to-COPY pipe is PostgreSQL's path")
def test_a_database_failure_inside_the_pipe_does_not_hang(officer, tmp_path, monkeypatch):
    _bulk_mode(monkeypatch)
    original = transport.PostgresTransport.stream

    def clashing(self, cur, table, names, select, on_rows=None):
        if table == "registry_person":
            # Every row gets the same id: PostgreSQL refuses the second while DuckDB is still writing.
            select = f"SELECT s.* REPLACE (CAST(1 AS BIGINT) AS id) FROM ({select}) s, range(2000) r"  # noqa: S608
        return original(self, cur, table, names, select, on_rows)

    monkeypatch.setattr(transport.PostgresTransport, "stream", clashing)
    rows = household("A", 10, 3)
    import psycopg

    with pytest.raises(psycopg.errors.UniqueViolation):
        import_households(path=write_csv(tmp_path / "a.csv", rows), actor=officer, dry_run=False)
    assert Person.objects.count() == 0 and Household.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DuckDB-to-COPY pipe is PostgreSQL's path")
@pytest.mark.parametrize(
    "select",
    [
        "SELECT no_such_column FROM range(10)",  # DuckDB fails before it opens the pipe
        "SELECT CASE WHEN i = 5 THEN error('rusak') ELSE i END FROM range(10) r(i)",  # in the first block
        "SELECT CASE WHEN i = 250000 THEN error('rusak') ELSE i END FROM range(300000) r(i)",  # after many blocks
    ],
)
def test_the_pipe_ends_on_a_duckdb_failure_at_any_point(officer, select, tmp_path):
    from django.db import transaction

    duck = duckdb.connect()
    pipe = transport.PostgresTransport(duck=duck, workdir=tmp_path, progress=Progress())
    try:
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE pipe_target (i bigint)")
            for _attempt in range(5):  # the race between the two ends differs from run to run
                with pytest.raises(duckdb.Error), transaction.atomic():
                    pipe._pipe(cur, "pipe_target", "i", select)
            assert pipe._pipe(cur, "pipe_target", "i", "SELECT i FROM range(100000) r(i)") > 0
            cur.execute("SELECT count(*) FROM pipe_target")
            assert cur.fetchone()[0] == 100000
    finally:
        duck.close()
