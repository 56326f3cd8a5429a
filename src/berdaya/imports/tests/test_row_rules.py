"""The import's two forms of the row rules agree: random rows, valid, at the limits and invalid, go through the Python
validator (validate.RowValidator.validate) and through the check SQL (checks.convert, in DuckDB), and come out with
the same verdict, the same messages in the same order, and the same values.

The generators reach every input a row rule reads: birth dates at and around MIN_BIRTH and today, land at 0 and at
the limit with and without a tenure, NIKs consistent or not with the birth date and sex (plain, grouped with spaces,
after an apostrophe, in full-width digits, too short, with a letter), KK numbers likewise, required cells left
empty, a household code or only a KK number, phone numbers in every accepted form and a few refused ones.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from berdaya.imports import checks
from berdaya.imports.columns import BY_KEY, HOUSEHOLD_KEYS, PERSON_KEYS, TEMPLATE_HEADERS, auto_mapping
from berdaya.imports.pipeline import MODE_VALID_ONLY, Import
from berdaya.imports.source import prepare
from berdaya.imports.validate import STAGE_KEYS, RowValidator
from berdaya.jobs.progress import Progress
from berdaya.registry import rules
from berdaya.registry.identity import make_nik

TODAY = dt.date(2025, 6, 15)
DISTRICTS = {"150201", "150202", "317101"}
VILLAGES = {"15.02.01.2001", "15.02.01.2002", "15.02.02.2003"}
REGENCIES = {"15.02": "Merangin"}
KEYS = [next(k for k, col in BY_KEY.items() if col.header == h) for h in TEMPLATE_HEADERS]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _validator() -> RowValidator:
    return RowValidator(
        mapping=auto_mapping(TEMPLATE_HEADERS),
        headers=TEMPLATE_HEADERS,
        known_villages=VILLAGES,
        allowed_villages=None,
        district_prefixes=DISTRICTS,
        today=TODAY,
        regencies=REGENCIES,
    )


def _dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _around(d: dt.date, days: int = 2) -> st.SearchStrategy[dt.date]:
    return st.integers(-days, days).map(lambda n: d + dt.timedelta(days=n))


def mostly(valid: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    """Usually a valid cell, sometimes another: a row with one thing wrong reaches the rules that read several
    cells (a row with ten things wrong stops at the first ones)."""
    return st.integers(0, 11).flatmap(lambda n: other if n == 0 else valid)


births = st.one_of(
    _around(rules.MIN_BIRTH),
    _around(TODAY),
    st.dates(min_value=dt.date(1899, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2024, 12, 31)),
)
birth_cells = mostly(
    st.one_of(births.map(_dmy), births.map(dt.date.isoformat), births.map(lambda d: f" {_dmy(d)} ")),
    st.sampled_from(["", "31/02/2000", "2000/13/01", "kemarin"]),
)


def _written(number: str) -> st.SearchStrategy[str]:
    """A 16-digit number as people write it into a file: mostly as it is, else grouped, quoted, in full-width
    digits, or mistyped."""
    return mostly(
        st.just(number),
        st.sampled_from(
            [
                f"{number[:4]} {number[4:8]} {number[8:12]} {number[12:]}",
                f"{number[:6]}\xa0{number[6:12]}\xa0{number[12:]}",
                f"'{number}",
                f" {number} ",
                number.translate(FULLWIDTH),
                number[:15],
                number[:15] + "O",
                number + "1",
                "1,50201E+15",
            ]
        ),
    )


@st.composite
def nik_cells(draw, birth: str, sex: str) -> str:
    try:
        born = dt.datetime.strptime(birth.strip(), "%d/%m/%Y").date()
    except ValueError:
        born = dt.date(1985, 3, 14)
    consistent = st.builds(
        lambda district, serial: make_nik(
            district_code=f"{district[:2]}.{district[2:4]}.{district[4:]}",
            birth_date=born,
            sex="F" if sex == "P" else "M",
            serial=serial,
        ),
        st.sampled_from(sorted(DISTRICTS)),
        st.integers(1, 9999),
    )
    inconsistent = st.one_of(
        consistent.map(lambda n: "999999" + n[6:]),  # unknown district
        consistent.map(lambda n: n[:12] + "0000"),  # serial 0000
        consistent.map(lambda n: n[:6] + f"{(int(n[6:8]) + 40) % 80:02d}" + n[8:]),  # the other sex
        st.builds(make_nik, district_code=st.just("15.02.01"), birth_date=births, sex=st.just("M"), serial=st.just(7)),
        st.text(st.sampled_from("0123456789"), min_size=16, max_size=16),
    )
    number = draw(mostly(consistent, inconsistent))
    return draw(mostly(_written(number), st.just("")))


kk_numbers = mostly(
    st.builds(
        lambda district, issued, serial: f"{district}{issued:%d%m%y}{serial:04d}",
        st.sampled_from(sorted(DISTRICTS)),
        st.one_of(_around(TODAY, 2), st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2024, 12, 31))),
        st.integers(1, 9999),
    ),
    st.one_of(
        st.builds(
            lambda district, issued, serial: f"{district}{issued:%d%m%y}{serial:04d}",
            st.sampled_from([*sorted(DISTRICTS), "999999"]),
            st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 1, 1)),
            st.integers(0, 9999),
        ),
        st.text(st.sampled_from("0123456789"), min_size=16, max_size=16),
    ),
)
lands = mostly(
    st.sampled_from(["", "0", "0", "0,5", "1.25", "10000", " 2 ", "9999,999"]),
    st.sampled_from(["10000,01", "-1", "abc", "1e3", "NaN", "Infinity"]),
)
tenures = mostly(st.sampled_from(["", "", "Milik sendiri", "Tidak mengelola lahan", "none", "sewa"]), st.just("?"))
phones = mostly(
    st.sampled_from(["", "", "081234567890", "8123456789", "+6281234567890", "6281234567890", "0812-3456-7890"]),
    st.sampled_from(["0812 345", "12ab", "0812\x013456789"]),
)
names = mostly(st.sampled_from(["Siti Aminah", " Budi ", "Ahmad"]), st.sampled_from(["", "a\x01b", "x" * 151]))


@st.composite
def rows(draw) -> dict[str, str]:
    sex = draw(mostly(st.sampled_from(["L", "P"]), st.sampled_from(["", "X"])))
    birth = draw(birth_cells)
    return {
        "hh_key": draw(mostly(st.sampled_from(["RT-1", "RT-2", "", " RT-3 "]), st.just("k" * 61))),
        "kk_number": draw(mostly(kk_numbers.flatmap(_written), st.just(""))),
        "village_id": draw(
            mostly(st.sampled_from([*sorted(VILLAGES), "1502012001"]), st.sampled_from(["15.03.01.2001", "99", ""]))
        ),
        "address": draw(st.sampled_from(["", "Jl. Lintas"]) | names),
        "rt": draw(mostly(st.sampled_from(["", "3", "003"]), st.sampled_from(["0003", "a"]))),
        "rw": draw(st.sampled_from(["", "1"])),
        "floor_material": draw(mostly(st.sampled_from(["", "Kayu/papan"]), st.just("marmer?"))),
        "floor_area_m2": draw(
            mostly(st.sampled_from(["", "0", "36", "5000"]), st.sampled_from(["5001", "12a", "-1", "1000000"]))
        ),
        "land_operated_ha": draw(lands),
        "land_tenure": draw(tenures),
        "asset_motorcycle": draw(mostly(st.sampled_from(["", "ya", "tidak"]), st.just("mungkin"))),
        "nik": draw(nik_cells(birth, sex)),
        "nik_missing_reason": draw(mostly(st.sampled_from(["", "Belum pernah terdaftar"]), st.just("lupa"))),
        "full_name": draw(names),
        "sex": sex,
        "birth_place": draw(st.sampled_from(["", "Bangko"])),
        "birth_date": birth,
        "relationship": draw(mostly(st.sampled_from(["Kepala keluarga", "Anak"]), st.sampled_from(["", "bos"]))),
        "phone": draw(phones),
        "wgss_walking": draw(mostly(st.sampled_from(["", "1", "4", "Tidak ada kesulitan"]), st.just("5"))),
    }


def _python(validator: RowValidator, row: dict[str, str]) -> tuple[list[tuple[str, str]], dict | None]:
    try:
        staged = validator.validate([row.get(k, "") for k in KEYS])
    except ValueError as exc:
        return list(exc.args[0]), None
    values = dict(zip(STAGE_KEYS, staged, strict=True))
    values.pop("hh_hash")
    return [], values


def _sql(path: Path, count: int) -> dict[int, tuple[list[tuple[str, str]], dict | None]]:
    run = Import(actor=None, mapping={}, mode=MODE_VALID_ONLY, dry_run=True, progress=Progress(), label="t")
    try:
        run.validator = _validator()
        run.source = prepare(path, run.workdir, run.validator.positions)
        checks.convert(run)
        names = ["hh_key", *HOUSEHOLD_KEYS, *PERSON_KEYS]
        out = {}
        select = f"SELECT row_no, errs, {', '.join(names)} FROM conv"  # noqa: S608
        for row_no, errs, *values in run.d(select).fetchall():
            if errs is None:
                out[row_no] = ([], dict(zip(names, values, strict=True)))
            else:
                packed = sorted(
                    (int(seq), key, message) for seq, key, message in (e.split("\x1f") for e in errs.split("\x1e"))
                )
                out[row_no] = ([(key, message) for _seq, key, message in packed], None)
        assert len(out) == count
        return out
    finally:
        run.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(rows(), min_size=1, max_size=40))
def test_the_check_sql_says_what_the_python_validator_says(batch, tmp_path):
    path = tmp_path / "rows.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE_HEADERS)
        for row in batch:
            writer.writerow([row.get(k, "") for k in KEYS])
    validator = _validator()
    sql = _sql(path, len(batch))
    for index, row in enumerate(batch):
        python = _python(validator, row)
        event("valid row" if python[1] is not None else "invalid row")
        for key, message in python[0]:
            event(f"{key}: {message[:30]}")
        assert sql[index + 2] == python, row
