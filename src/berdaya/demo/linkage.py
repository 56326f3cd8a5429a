"""A labelled set for record linkage: synthetic Indonesians in households, with hard duplicates whose truth is kept.

`labelled_people(n, seed)` returns plain dicts (the columns of dedup.linkage.RAW_COLUMNS plus `truth`, the id of
the original person), fast enough for a million (names are drawn from pools built once with Faker). bench/dedup.py
writes them into the registry; the dedup tests and `berdaya dedup evaluate` read them as a CSV.

The duplicates are as hard as real lists: a nickname (Wawan for Hermawan, M. for Muhammad), day and month swapped,
a NIK missing or mistyped, a village changed (same district or anywhere), typos in both names, old spellings, titles
and degrees, bin/binti with the father's name, names in another order, the birth date mistyped. Birth places (a KTP's
*tempat lahir*: mostly the home village, else another village, the regency's town, a town elsewhere) come from a
random stream of their own (`BirthPlaces`), so adding them left every other value of the set as it was; a copy
writes its original's as second registrations do (missing, upper-cased, mistyped, written otherwise).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from faker import Faker

from berdaya.dedup.names import DATA
from berdaya.registry.identity import make_nik

from .registry import ABDUL_NAMES, MALAY_FEMALE, MALAY_MALE, OLD_SPELLINGS, PHONE_PREFIXES

CORRUPTIONS = (
    "nickname", "date_swap", "nik_missing", "nik_typo", "moved_village", "moved_district", "typo_first",
    "typo_last", "old_spelling", "title", "bin", "order", "date_typo", "short_name",
)  # fmt: skip
SHORT_FORMS = {"Muhammad": ["M.", "Moh.", "Muh.", "Mhd.", "Mochammad", "Muhamad"], "Siti": ["St."], "Abdul": ["Abd."]}
TITLES_BEFORE = ["H.", "Hj.", "Drs.", "Ir."]
DEGREES_AFTER = [", S.Pd.", ", S.E.", ", S.H.", ", A.Md.", " S.Pd"]


def _nicknames() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with (DATA / "nicknames.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            if row["nickname"] != row["full_name"]:
                out.setdefault(row["full_name"], []).append(row["nickname"])
    return out


def typo(rng: random.Random, word: str) -> str:
    """One typing error in `word` (never in its first letter; a word of fewer than 3 letters is left as it is)."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    op = rng.choice(["swap", "drop", "double", "vowel", "replace"])
    if op == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    if op == "vowel" and word[i] in "aeiou":
        return word[:i] + {"a": "e", "e": "i", "i": "e", "o": "u", "u": "o"}[word[i]] + word[i + 1 :]
    return word[:i] + rng.choice("abdehikmnrstuy") + word[i + 1 :]


def pick_kinds(rng: random.Random) -> list[str]:
    """The corruptions of one copy: 1-4 kinds, and the NIK always missing or mistyped (NIK is unique among the
    living, so a person registered twice never has the same NIK twice)."""
    count = rng.choices([1, 2, 3, 4], weights=[25, 40, 25, 10])[0]
    kinds = rng.sample(CORRUPTIONS, count)
    if "nik_missing" not in kinds and "nik_typo" not in kinds:
        kinds.append("nik_missing" if rng.random() < 0.6 else "nik_typo")
    return kinds


class Corruptor:
    """Makes the second registration of a person: `corrupt(record, kinds)` (the labelled set and `berdaya demo`)."""

    def __init__(self, rng: random.Random, villages: list[str]):
        self.rng = rng
        self.nick = _nicknames()
        self.full_with_nick = sorted(self.nick)
        self.villages = villages
        self.by_district: dict[str, list[str]] = {}
        for v in villages:
            self.by_district.setdefault(v.rsplit(".", 1)[0], []).append(v)

    def typo(self, word: str) -> str:
        return typo(self.rng, word)

    def corrupt(self, rec: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
        rng = self.rng
        out = dict(rec)
        words = out["full_name"].split()
        for kind in kinds:
            if kind == "nickname":
                first = words[0]
                if first in SHORT_FORMS:
                    words[0] = rng.choice(SHORT_FORMS[first])
                elif first in self.nick:
                    words[0] = rng.choice(self.nick[first])
                elif len(words) > 1 and words[1] in self.nick:
                    words[1] = rng.choice(self.nick[words[1]])
            elif kind == "typo_first":
                words[0] = self.typo(words[0])
            elif kind == "typo_last":
                words[-1] = self.typo(words[-1])
            elif kind == "old_spelling":
                text = " ".join(words)
                for new, old in OLD_SPELLINGS:
                    if new in text and new != "y":
                        text = text.replace(new, old, 1)
                        break
                words = text.split()
            elif kind == "title":
                if rng.random() < 0.5:
                    words.insert(0, rng.choice(TITLES_BEFORE))
                else:
                    words[-1] += rng.choice(DEGREES_AFTER)
            elif kind == "bin" and out.get("parent_name"):
                words += ["bin" if out["sex"] == "M" else "binti", out["parent_name"].split()[0]]
            elif kind == "order" and len(words) > 1:
                words = words[1:] + words[:1]
            elif kind == "short_name" and len(words) > 1:
                words = words[:-1]
            elif kind == "date_swap":
                d = dt.date.fromisoformat(out["birth_date"])
                if d.day <= 12 and d.day != d.month:
                    out["birth_date"] = dt.date(d.year, d.day, d.month).isoformat()
            elif kind == "date_typo":
                d = dt.date.fromisoformat(out["birth_date"])
                out["birth_date"] = (d + dt.timedelta(days=rng.choice([-10, -1, 1, 10]))).isoformat()
            elif kind == "nik_missing":
                out["nik"] = None
            elif kind == "nik_typo" and out.get("nik"):
                nik = out["nik"]
                out["nik"] = nik[:12] + f"{(int(nik[12:]) + rng.randint(1, 50)) % 10000:04d}"
            elif kind == "moved_village":
                district = out["village_id"].rsplit(".", 1)[0]
                out["village_id"] = rng.choice(self.by_district[district])
            elif kind == "moved_district":
                out["village_id"] = rng.choice(self.villages)
        out["full_name"] = " ".join(words)
        # A second registration is in another household: another KK, usually no phone.
        out["kk_number"] = None
        if rng.random() > 0.3:
            out["phone"] = None
        return out


# Birth places outside the regency's villages a Merangin KTP names, with their weights and how the place's kind is
# also written ("Kota Jambi", "Kab. Sarolangun"): the provincial capital, the regency and its neighbours, towns of
# Sumatra, and the Javanese regencies the transmigrants of the 1980s came from.
TOWNS: tuple[tuple[str, str, int], ...] = (
    ("Jambi", "Kota", 5),
    ("Merangin", "Kab.", 3),
    ("Sarolangun", "Kab.", 2),
    ("Muara Bungo", "", 1),
    ("Sungai Penuh", "Kota", 1),
    ("Padang", "Kota", 1),
    ("Palembang", "Kota", 1),
    ("Wonogiri", "Kab.", 1),
    ("Klaten", "Kab.", 1),
    ("Kebumen", "Kab.", 1),
)
REGENCY_TOWN = "Bangko"  # the regency's seat: its hospital and clinics
REGENCY_NAME = "Merangin"


def area_names(villages: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Village code → a village name, district code → the district's name, from the area data (areas/data): a real
    code gets its own name; another (the bench numbers its villages 2001-2009 in every district) a name of its
    district not taken yet, else one of its regency, else the district's name and the village's number."""
    import berdaya.areas

    root = Path(berdaya.areas.__file__).parent / "data"
    wanted = {v.rsplit(".", 1)[0] for v in villages}
    regencies = {d.rsplit(".", 1)[0] for d in wanted}
    with (root / "districts.csv").open(encoding="utf-8", newline="") as fh:
        districts = {r["code"]: r["name"] for r in csv.DictReader(fh) if r["regency_code"] in regencies}
    real: dict[str, str] = {}
    with gzip.open(root / "villages.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["district_code"].rsplit(".", 1)[0] in regencies:
                real[r["code"]] = r["name"]
    names = {v: real[v] for v in villages if v in real}
    free = [code for code in sorted(real) if code not in names]
    for v in sorted(set(villages) - set(names)):
        district = v.rsplit(".", 1)[0]
        code = next((c for c in free if c.startswith(district + ".")), None) or next(
            (c for c in free if c.startswith(district.rsplit(".", 1)[0] + ".")), None
        )
        if code is not None:
            free.remove(code)
            names[v] = real[code]
        else:
            names[v] = f"{districts.get(district, 'Desa')} {v.rsplit('.', 1)[-1]}"
    return names, {d: districts.get(d, d) for d in wanted}


class BirthPlaces:
    """Birth places of the labelled set, from a random stream of their own (the rest of the set is drawn as before).

    An original's (`original`): its village 68%, another village of its district 8%, of the regency 6%, the
    regency's town 6%, a town elsewhere 12%; written as a KTP writes it (plain, upper-cased 8%, with its kind 4%:
    "Desa ...", "Kota Jambi", "Kab. Merangin"; left blank 5%). A copy's (`copy`), as second registrations write the
    same place: missing 35%, upper-cased 10%, mistyped 10%, written otherwise 10% (with its kind, or another name
    of it: the district for a village, the regency for its town), else as the original place.
    """

    def __init__(self, seed: int, villages: list[str]):
        self.rng = random.Random(f"birth-place-{seed}")
        self.villages = villages
        self.village_name, self.district_name = area_names(villages)
        self.by_district: dict[str, list[str]] = {}
        for v in villages:
            self.by_district.setdefault(v.rsplit(".", 1)[0], []).append(v)

    def original(self, village: str) -> tuple[str, tuple[str, str, str]]:
        """(the birth place as written, the place: (name, kind prefix, another name of it))."""
        rng = self.rng
        r = rng.random()
        district = village.rsplit(".", 1)[0]
        if r < 0.82:
            where = village if r < 0.68 else rng.choice(self.by_district[district] if r < 0.76 else self.villages)
            place = (self.village_name[where], "Desa", self.district_name[where.rsplit(".", 1)[0]])
        elif r < 0.88:
            place = (REGENCY_TOWN, "", REGENCY_NAME)
        else:
            name, kind, _weight = rng.choices(TOWNS, weights=[t[2] for t in TOWNS])[0]
            place = (name, kind, name)
        r = rng.random()
        if r < 0.05:
            return "", place
        if r < 0.13:
            return place[0].upper(), place
        if r < 0.17 and place[1]:
            return f"{place[1]} {place[0]}", place
        return place[0], place

    def copy(self, place: tuple[str, str, str]) -> str | None:
        """The birth place a second registration of the person born at `place` writes (None: left blank)."""
        rng = self.rng
        name, kind, other = place
        r = rng.random()
        if r < 0.35:
            return None
        if r < 0.45:
            return name.upper()
        if r < 0.55:
            words = name.split()
            at = rng.randrange(len(words))
            words[at] = typo(rng, words[at])
            return " ".join(words)
        if r < 0.65:
            if kind and (other == name or rng.random() < 0.5):
                return f"{'Kabupaten' if kind == 'Kab.' and rng.random() < 0.5 else kind} {name}"
            return other
        return name


class _Gen(Corruptor):
    def __init__(self, seed: int, villages: list[str]):
        super().__init__(random.Random(seed), villages)
        faker = Faker("id_ID")
        faker.seed_instance(seed)
        self.male = sorted({faker.first_name_male() for _ in range(600)} | set(MALAY_MALE))
        self.female = sorted({faker.first_name_female() for _ in range(600)} | set(MALAY_FEMALE))
        self.last_male = sorted({faker.last_name_male() for _ in range(400)})
        self.last_female = sorted({faker.last_name_female() for _ in range(400)})

    def name(self, sex: str) -> str:
        rng = self.rng
        r = rng.random()
        if sex == "M":
            if r < 0.12:
                return "Muhammad " + rng.choice(self.male + MALAY_MALE)
            if r < 0.16:
                return "Abdul " + rng.choice(ABDUL_NAMES)
            base = rng.choice(self.full_with_nick) if r < 0.22 else rng.choice(self.male)
            return base + (" " + rng.choice(self.last_male) if rng.random() < 0.5 else "")
        if r < 0.12:
            return "Siti " + rng.choice(self.female)
        if r < 0.15:
            return "Nur " + rng.choice(self.female)
        base = rng.choice(self.female)
        return base + (" " + rng.choice(self.last_female) if rng.random() < 0.4 else "")

    def phone(self) -> str:
        return "+62" + self.rng.choice(PHONE_PREFIXES)[1:] + "".join(self.rng.choice("0123456789") for _ in range(8))


def labelled_people(
    n: int, *, seed: int = 1, duplicate_share: float = 0.05, villages: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """About n records: originals in households (4 people a household on average) and `duplicate_share` of them
    corrupted copies. Each record has `truth`: the unique_id of the original person it stands for."""
    villages = villages or [f"15.02.{d:02d}.{2000 + v}" for d in range(1, 25) for v in range(1, 10)]
    g = _Gen(seed, villages)
    rng = g.rng
    places = BirthPlaces(seed, villages)
    born: dict[int, tuple[str, str, str]] = {}
    originals = int(n / (1 + duplicate_share))
    reference = dt.date(2026, 6, 30)
    uid = 0
    adults: list[dict[str, Any]] = []
    used_nik: set[str] = set()
    hh = 0
    while uid < originals:
        hh += 1
        village = rng.choice(villages)
        kk = (
            village.replace(".", "")[:6]
            + f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(5, 25):02d}"
            + f"{hh % 10000:04d}"
        )
        head_sex = "M" if rng.random() < 0.85 else "F"
        head_name = g.name(head_sex)
        size = max(1, min(8, int(rng.gauss(4, 1.5))))
        for member in range(size):
            if uid >= originals:
                break
            uid += 1
            sex = head_sex if member == 0 else ("F" if member == 1 and head_sex == "M" else rng.choice("MF"))
            age = rng.randint(25, 80) if member < 2 else rng.randint(0, 30)
            birth = reference - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            nik = None
            if rng.random() < 0.92:
                nik = make_nik(
                    district_code=village.rsplit(".", 1)[0], birth_date=birth, sex=sex, serial=uid % 10000 or 1
                )
                if nik in used_nik:
                    nik = None
                else:
                    used_nik.add(nik)
            rec = {
                "unique_id": uid,
                "full_name": head_name if member == 0 else g.name(sex),
                "birth_date": birth.isoformat(),
                "sex": sex,
                "village_id": village,
                "nik": nik,
                "kk_number": kk,
                "phone": g.phone() if member < 2 and rng.random() < 0.6 else None,
                "parent_name": head_name if member >= 2 else None,
                "truth": uid,
                "household": hh,
                "relationship": "head" if member == 0 else ("spouse" if member == 1 else "child"),
            }
            rec["birth_place"], born[uid] = places.original(village)
            if age >= 15:
                adults.append(rec)
            yield rec
    for original in rng.sample(adults, min(len(adults), n - originals)):
        uid += 1
        kinds = pick_kinds(rng)
        copy = g.corrupt(original, kinds)
        # A NIK is unique among the living (the registry refuses a second one): a mistyped NIK that happens to be
        # another person's is mistyped once more (at a million people a serial a few apart is often taken).
        while copy.get("nik") and copy["nik"] in used_nik:
            copy["nik"] = copy["nik"][:12] + f"{(int(copy['nik'][12:]) + 1) % 10000:04d}"
        if copy.get("nik"):
            used_nik.add(copy["nik"])
        hh += 1
        copy.update(unique_id=uid, truth=original["truth"], household=hh, relationship="head", kinds=";".join(kinds))
        copy["birth_place"] = places.copy(born[original["unique_id"]])
        yield copy


def write_csv(records: Iterator[dict[str, Any]], path: Path) -> int:
    """The labelled set as a CSV `berdaya dedup evaluate` reads (--id unique_id --truth truth)."""
    cols = [
        "unique_id",
        "truth",
        "full_name",
        "birth_date",
        "sex",
        "village_id",
        "nik",
        "kk_number",
        "phone",
        "parent_name",
        "birth_place",
    ]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for rec in records:
            writer.writerow(["" if rec.get(c) is None else rec[c] for c in cols])
            count += 1
    return count
