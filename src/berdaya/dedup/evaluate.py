# SQL here quotes the file's column names as identifiers (_q) and its path as a literal; values stay in DuckDB.
# ruff: noqa: S608
"""`berdaya dedup evaluate`: the same pipeline on any labelled CSV, scored against its truth column.

Every field is optional. The file's columns are mapped onto the pipeline's (first_name and last_name are joined into
the full name, village is the area); birth_date is ISO (yyyy-mm-dd); sex accepts L/P, M/F, laki-laki/perempuan,
male/female, 1/2. A NIK or KK that fails the Indonesian checks is still compared, as a plain identifier (exactly, or
within one or two typed characters), never dropped; other_id is any other identifier, compared the same way.

A cell longer than its field's cap (MAX_CHARS) is left out as empty, and counted in a warning: the string
comparisons take time in the product of two values' lengths, so one crafted megabyte-long name would hold the run for
hours; no real name, address or identifier comes near the caps. A line may be up to MAX_LINE_BYTES long (DuckDB's
reader stops at 2 MB by default), so such a cell reaches that rule rather than failing the file; a longer line is
refused in words. A birth date is read as ISO (yyyy-mm-dd) with a year from FIRST_BIRTH_YEAR to this year; any other
(1990-02-30, 0000-01-01, 99999-01-01, -1990-01-01, which DuckDB reads as dates BC or far ahead) is left out and
counted in a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from berdaya.core.duckpaths import literal_path

from . import linkage
from .metrics import scores

MAP_KEYS = ("first_name", "last_name", "birth_date", "sex", "address", "village", "nik", "kk", "phone", "other_id")
SEX_SQL = """CASE
    WHEN lower(trim({c})) IN ('l', 'm', 'male', 'laki-laki', 'laki laki', 'lk', 'pria', '1') THEN 'M'
    WHEN lower(trim({c})) IN ('p', 'f', 'female', 'perempuan', 'pr', 'wanita', '2') THEN 'F'
    ELSE NULLIF(upper(trim({c})), '') END"""
# Characters a mapped cell may hold before it is left out (see the module's docstring). Names and the address allow
# more than the registry's own fields (150 and 255) for a foreign file's titles and spellings; the rest are codes.
MAX_CHARS = {"first_name": 255, "last_name": 255, "address": 255}
MAX_CODE_CHARS = 64
TEXT_KEYS = ("first_name", "last_name", "address", "village", "nik", "kk", "phone", "other_id")
# The longest line the CSV reader takes (bytes): room for a crafted cell of a few megabytes, which the caps above then
# leave out, while a file that is one endless line (a quote left open, a binary file) still stops with a message.
MAX_LINE_BYTES = 64 * 1024 * 1024
FIRST_BIRTH_YEAR = 1800  # birth dates before it, or after this year, are impossible and left out


def max_chars(key: str) -> int:
    return MAX_CHARS.get(key, MAX_CODE_CHARS)


class EvaluateError(ValueError):
    pass


def parse_map(text: str) -> dict[str, str]:
    """ "first_name=COL,birth_date=COL" → {"first_name": "COL", ...}; unknown keys are refused."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in (text or "").split(","))):
        key, sep, col = item.partition("=")
        key = key.strip()
        if not sep or not col.strip():
            raise EvaluateError(f"Pemetaan tidak lengkap: {item!r} (tulis kunci=KOLOM).")
        if key not in MAP_KEYS:
            raise EvaluateError(f"Kunci pemetaan tidak dikenal: {key!r}. Yang dikenal: {', '.join(MAP_KEYS)}.")
        if key in out:
            # The last one would silently win: say so rather than guess which the user meant.
            raise EvaluateError(_("Kunci pemetaan %(key)s disebut lebih dari sekali.") % {"key": key})
        out[key] = col.strip()
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def evaluate(
    path: Path, *, id_col: str, truth_col: str, mapping: dict[str, str], threshold: float = 0.6, chunks: int = 1
) -> dict[str, Any]:
    if not path.exists():
        raise EvaluateError(f"File tidak ditemukan: {path}")
    if not path.is_file():
        # DuckDB would read a folder as a glob of the files in it.
        raise EvaluateError(_("%(path)s bukan file (mungkin folder): sebutkan satu file CSV.") % {"path": path})
    if not 0 < threshold < 1:
        raise EvaluateError("Ambang harus di antara 0 dan 1.")
    if chunks < 1:
        raise EvaluateError(_("--chunks harus 1 atau lebih (diberikan: %(chunks)s).") % {"chunks": chunks})
    if truth_col == id_col:
        # Every row would be its own cluster: nothing to find, and perfect scores that mean nothing.
        raise EvaluateError(_("Kolom --truth tidak boleh sama dengan kolom --id (%(col)s).") % {"col": id_col})
    answers = sorted(key for key, col in mapping.items() if col == truth_col)
    if answers:
        # Comparing the answer key itself would score the pipeline on the answers.
        raise EvaluateError(
            _("Kolom --truth (%(col)s) tidak boleh dipetakan sebagai kolom pembanding (%(keys)s).")
            % {"col": truth_col, "keys": ", ".join(answers)}
        )
    if _is_blank(path):
        raise EvaluateError(_("File kosong: %(name)s tidak berisi baris nama kolom maupun data.") % {"name": path.name})
    started = time.perf_counter()
    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="berdaya-evaluate-") as workdir:
            read = literal_path(path, Path(workdir))  # never a glob: `daftar[1].csv` is that file
            literal = "'" + str(read).replace("'", "''") + "'"
            con.execute(
                f"CREATE TABLE src AS SELECT * FROM read_csv({literal}, all_varchar=true, header=true, "
                f"max_line_size={MAX_LINE_BYTES})"
            )
    except duckdb.Error as exc:
        raise EvaluateError(_unreadable(exc)) from exc
    columns = {r[0] for r in con.execute("DESCRIBE src").fetchall()}
    missing = [c for c in (id_col, truth_col, *mapping.values()) if c not in columns]
    if missing:
        raise EvaluateError(f"Kolom tidak ada di file: {', '.join(missing)}")
    if not mapping:
        raise EvaluateError("Petakan setidaknya satu kolom (--map).")

    def col(key: str) -> str:
        if key not in mapping:
            return "NULL"
        c = _q(mapping[key])
        if key in TEXT_KEYS:
            return f"CASE WHEN length(trim({c})) <= {max_chars(key)} THEN NULLIF(trim({c}), '') END"
        return f"NULLIF(trim({c}), '')"

    name_parts = [col(k) for k in ("first_name", "last_name") if k in mapping]
    full_name = f"NULLIF(concat_ws(' ', {', '.join(name_parts)}), '')" if name_parts else "NULL"
    sex = SEX_SQL.format(c=_q(mapping["sex"])) if "sex" in mapping else "NULL"
    birth = f"CAST({birth_date_sql(col('birth_date'))} AS VARCHAR)" if "birth_date" in mapping else "NULL"
    con.execute(
        f"""CREATE TABLE raw AS SELECT row_number() OVER () AS unique_id, {_q(id_col)} AS source_id,
            {_q(truth_col)} AS truth, {full_name} AS full_name, {birth} AS birth_date, {sex} AS sex,
            upper({col("village")}) AS village_id, {col("address")} AS address, {col("nik")} AS nik,
            {col("kk")} AS kk_number, {col("phone")} AS phone, {col("other_id")} AS other_id FROM src"""
    )
    records = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    if records < 2:
        raise EvaluateError("File harus berisi setidaknya dua baris data (selain baris nama kolom).")
    warnings = _warnings(con, mapping, id_col, truth_col)
    present = linkage.prepare(con)
    # A small file has too few pairs to train on (as a small registry): the shipped model scores it when it compares
    # every field the file has (linkage.shipped_model_for); otherwise it is trained, and a failure is said in words.
    shipped = linkage.shipped_model_for(records, present)
    small = records < linkage.TRAIN_MIN_PEOPLE
    lk = linkage.Linkage(con=con, columns=present, model=shipped)
    try:
        lk.build()
        if shipped is None:
            lk.train()
        lk.predict(threshold=threshold, chunks=chunks)
        lk.cluster(threshold)
    except Exception as exc:
        if not small:
            raise
        raise EvaluateError(
            f"Model tidak dapat dilatih pada file sekecil ini ({records} baris; petakan kolom nama, tanggal lahir, "
            "jenis kelamin, desa, NIK, KK atau HP saja agar model bawaan dipakai, atau pakai file yang lebih besar)."
        ) from exc
    result = scores(con, truth="raw", pairs="scored", clusters="clusters")
    con.close()
    return {
        "file": path.name,
        "records": records,
        "fields": sorted(present - {"unique_id"}),
        "threshold": threshold,
        "model": "dilatih" if shipped is None else "bawaan",
        "pairs": result["pairs"],
        "clusters": result["clusters"],
        "true_pairs": result["true_pairs"],
        "comparisons": lk.comparisons,
        "warnings": warnings,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def birth_date_sql(value: str, today: dt.date | None = None) -> str:
    """The birth date of `value` (SQL text), NULL unless it is an ISO date with a year from FIRST_BIRTH_YEAR to this
    year: DuckDB reads 0000-01-01 and -1990-01-01 as dates BC and 99999-01-01 as a date 98,000 years ahead."""
    year = (today or dt.date.today()).year
    parsed = f"TRY_CAST({value} AS DATE)"
    return f"CASE WHEN year({parsed}) BETWEEN {FIRST_BIRTH_YEAR} AND {year} THEN {parsed} END"


def _unreadable(exc: duckdb.Error) -> str:
    """DuckDB's refusal of a file, in words: its first line alone would drop the cause (a file not in UTF-8, a line
    longer than the reader takes), which DuckDB says on the lines after."""
    text = str(exc)
    if "not utf-8 encoded" in text.lower() or "invalid unicode" in text.lower():
        return _(
            "File tidak dapat dibaca sebagai CSV: file ini bukan UTF-8 (mis. disimpan sebagai Latin-1/ANSI atau "
            "UTF-16). Simpan ulang sebagai CSV UTF-8 (di spreadsheet: Simpan sebagai → CSV UTF-8), lalu ulangi."
        )
    if re.search(r"Maximum line size of \d+ bytes exceeded", text):
        return _(
            "File tidak dapat dibaca sebagai CSV: sebuah baris lebih panjang dari %(mb)d MB, batas yang dibaca. Tidak "
            "ada data sungguhan sepanjang itu: periksa file (mis. tanda kutip yang tidak ditutup)."
        ) % {"mb": MAX_LINE_BYTES // (1024 * 1024)}
    reason = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
    return f"File tidak dapat dibaca sebagai CSV (UTF-8, baris pertama nama kolom): {reason}"


def _is_blank(path: Path) -> bool:
    """Nothing but white space (or a byte-order mark): DuckDB would read it as one unnamed column."""
    with path.open("rb") as fh:
        while block := fh.read(1 << 16):
            if block.replace(b"\xef\xbb\xbf", b"").strip():
                return False
    return True


def _warnings(con: duckdb.DuckDBPyConnection, mapping: dict[str, str], id_col: str, truth_col: str) -> list[str]:
    """What the file holds that the pipeline cannot use, in words (Indonesian): cells left out as unreadable, rows
    without a truth, ids given twice. The figures are still computed; these say how far to trust them."""
    checks = [
        (f"count(*) FILTER (WHERE NULLIF(trim({_q(id_col)}), '') IS NULL)", "baris tanpa id"),
        (f"count({_q(id_col)}) - count(DISTINCT {_q(id_col)})", "id yang muncul lebih dari sekali"),
        (f"count(*) FILTER (WHERE NULLIF(trim({_q(truth_col)}), '') IS NULL)", "baris tanpa kunci jawaban (--truth)"),
    ]
    if "birth_date" in mapping:
        c = _q(mapping["birth_date"])
        checks.append(
            (
                f"count(*) FILTER (WHERE NULLIF(trim({c}), '') IS NOT NULL AND {birth_date_sql(f'trim({c})')} IS NULL)",
                _(
                    "tanggal lahir yang bukan tanggal ISO (yyyy-mm-dd) atau tahunnya di luar %(first)d–%(last)d "
                    "dan diabaikan"
                )
                % {"first": FIRST_BIRTH_YEAR, "last": dt.date.today().year},
            )
        )
    if "sex" in mapping:
        c = _q(mapping["sex"])
        checks.append(
            (
                f"count(*) FILTER (WHERE NULLIF(trim({c}), '') IS NOT NULL AND ({SEX_SQL.format(c=c)}) NOT IN ('M', 'F'))",
                "jenis kelamin yang tidak dikenal dan dibandingkan apa adanya",
            )
        )
    for key in TEXT_KEYS:
        if key in mapping:
            c, cap = _q(mapping[key]), max_chars(key)
            checks.append(
                (
                    f"count(*) FILTER (WHERE length(trim({c})) > {cap})",
                    _("isian kolom %(col)s yang lebih dari %(cap)d karakter dan diabaikan")
                    % {"col": mapping[key], "cap": cap},
                )
            )
    counts = con.execute(f"SELECT {', '.join(sql for sql, _w in checks)} FROM src").fetchall()[0]
    return [f"{n} {what}" for n, (_sql, what) in zip(counts, checks, strict=True) if n]
