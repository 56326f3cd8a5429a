"""Hypothesis feeds malformed rows: the importer never crashes, reports every bad row, and exports neutralise
spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berdaya.core.spreadsheet import csv_stream, safe_cell
from berdaya.imports.columns import TEMPLATE_HEADERS
from berdaya.imports.pipeline import import_households
from berdaya.registry.models import Person

from .helpers import household

pytestmark = pytest.mark.django_db

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=5),
    st.sampled_from(['=HYPERLINK("http://x","klik")', "+1+1", "-2", "@SUM(A1)", "\t=1", "1,50201E+15", "31/02/2020"]),
    st.text(min_size=200, max_size=300),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)


def _encode(rows: list[list[str]], encodings: list[str]) -> bytes:
    out = io.BytesIO()
    for row, enc in zip(rows, encodings, strict=True):
        buf = io.StringIO()
        csv.writer(buf, delimiter=";").writerow(row)
        out.write(buf.getvalue().encode(enc, errors="replace"))
    return out.getvalue()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    garbage=st.lists(st.lists(nasty_text, min_size=0, max_size=len(TEMPLATE_HEADERS) + 3), min_size=1, max_size=6),
    encodings=st.lists(st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16-le"]), min_size=12, max_size=12),
)
def test_it_never_crashes_and_reports_every_bad_row(officer, tmp_path_factory, garbage, encodings):
    good = household("OK", 10)
    header_and_good = [TEMPLATE_HEADERS, *([r.get(k, "") for k in _keys()] for r in good)]
    rows = header_and_good + garbage
    data = _encode(rows, (["utf-8"] * len(header_and_good) + encodings)[: len(rows)])
    path = tmp_path_factory.mktemp("h") / "x.csv"
    path.write_bytes(data)
    before = Person.objects.count()
    try:
        result = import_households(path=path, actor=officer, dry_run=False, mode="all-or-nothing")
    except Exception as exc:  # only a whole-file read error is allowed, with a message for the user
        from berdaya.core.spreadsheet import ImportFileError

        assert isinstance(exc, ImportFileError), exc
        assert Person.objects.count() == before
        return
    # Every row is accounted for: new + updated + unchanged + invalid == total.
    assert result.new + result.updated + result.unchanged + result.invalid == result.total
    if result.invalid:
        assert result.rejected and not result.written
        assert Person.objects.count() == before
    for row_no, problems in result.errors.items():
        assert row_no >= 2 and problems and all(isinstance(m, str) and m for _c, m in problems)


def _keys():
    from berdaya.imports.columns import COLUMNS

    return [c.key for c in COLUMNS]


@given(st.text(max_size=30))
def test_exported_cells_never_start_a_formula(value):
    cell = safe_cell(value)
    assert not (isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"))
    text = b"".join(csv_stream(["a"], [[value]])).decode("utf-8-sig")
    for record in csv.reader(io.StringIO(text)):
        for field in record:
            assert field[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_a_file_name_with_glob_characters_is_that_file_not_a_pattern(officer, tmp_path):
    """DuckDB reads `*`, `?` and `[...]` in a path as a glob: `daftar[1].csv` beside a `daftar1.csv` would import
    the other file's people, without a word."""
    from .helpers import write_csv

    write_csv(tmp_path / "daftar1.csv", household("LAIN", 40, size=3))
    path = write_csv(tmp_path / "daftar[1].csv", household("BENAR", 10, size=2))
    result = import_households(path=path, actor=officer, dry_run=False)
    assert (result.total, result.new, result.invalid) == (2, 2, 0)
    assert set(Person.objects.values_list("full_name", flat=True)) == {"Ahmad Saputra", "Anggota 1"}


def test_the_copy_into_postgresql_never_asks_the_database_whether_to_stop(officer, tmp_path):
    """While rows stream into PostgreSQL by COPY on the work's own connection, a question on that connection would
    wait for the COPY it is inside of, forever (a job run without its monitor, as in a test's transaction, asked every
    half second). The loop reads the cancel request as last seen (`cancel_seen`), which the worker's monitor keeps
    fresh from its own connection."""
    from django.db import connection
    from psycopg import pq

    from berdaya.jobs.progress import Progress

    if connection.vendor != "postgresql":
        pytest.skip("COPY FROM STDIN: PostgreSQL")

    class Watching(Progress):
        seen = 0

        def cancel_requested(self) -> bool:
            # ACTIVE: a statement (the COPY) is running on the connection; asking now would wait for it.
            if connection.connection.info.transaction_status == pq.TransactionStatus.ACTIVE:
                raise AssertionError("the database was asked during the COPY")
            return False

        def cancel_seen(self) -> bool:
            Watching.seen += 1
            return False

    from .helpers import write_csv

    path = write_csv(tmp_path / "daftar.csv", household("A", 10, size=3))
    result = import_households(path=path, actor=officer, dry_run=False, progress=Watching())
    assert (result.new, result.invalid) == (3, 0) and Watching.seen > 0


def test_a_unicode_text_file_from_excel_is_read(officer, tmp_path):
    """Excel's "Teks Unicode" is UTF-16 with a byte-order mark, separated by tabs: read as the text it is, not
    refused as binary data (half its bytes are zero)."""
    from .helpers import write_csv

    plain = write_csv(
        tmp_path / "plain.csv", household("U16", 10, size=2, address="Jl. Sungai Tembesi"), delimiter="\t"
    )
    path = tmp_path / "teks-unicode.txt"
    path.write_bytes(plain.read_text(encoding="utf-8").encode("utf-16"))  # BOM, little-endian, as Excel saves it
    assert path.read_bytes()[:2] == b"\xff\xfe"
    result = import_households(path=path, actor=officer, dry_run=False)
    assert (result.total, result.new, result.invalid) == (2, 2, 0), result.errors
    assert set(Person.objects.values_list("household__address", flat=True)) == {"Jl. Sungai Tembesi"}
