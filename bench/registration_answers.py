"""The API's answers (status, JSON body) to valid and invalid household registrations, for comparing two versions of
the application on the same world (docs/benchmarks.md, "The registration validated once").

    DATABASE_URL=postgres://... python bench/registration_answers.py --people 200000 > answers.json

The application is the `src` beside this file's `bench` directory: for another version, copy this file into that
checkout's `bench` and run it there, on the same world. Each registration (in Indonesian and in English) runs inside
a transaction rolled back afterwards, so the world is the same for every case and every run; ids and timestamps of
the new records (which differ between runs) are written as placeholders. Prints one JSON document: case → [status,
body]; `cmp` the two. `--matches` adds the likely-duplicate check's own answers (candidates, scores, explanations)
for variants of 80 registered people.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_for_bench  # puts this checkout's src first on the path
from _world import add_world_arguments, build_world

NEW = ("id", "household", "created_at", "updated_at")


def _placeholders(value: Any, new_ids: set[int]) -> Any:
    if isinstance(value, dict):
        return {
            k: ("<new>" if k in NEW and (k != "household" or v in new_ids) else _placeholders(v, new_ids))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_placeholders(v, new_ids) for v in value]
    return value


def cases(world_person: dict[str, Any], village: str) -> dict[str, dict[str, Any]]:
    from berdaya.registry.identity import make_nik

    def member(name: str, **fields: Any) -> dict[str, Any]:
        data = {"full_name": name, "sex": "M", "birth_date": "1971-03-09", "relationship": "head"}
        data.update(fields)
        return data

    child = {"full_name": "Lusiranti Binti Gotamedu", "sex": "F", "birth_date": "2011-10-21", "relationship": "child"}
    nik_ok = make_nik(district_code="15.02.01", birth_date=dt.date(1971, 3, 9), sex="M", serial=8123)
    nik_child = make_nik(district_code="15.02.01", birth_date=dt.date(2011, 10, 21), sex="F", serial=8124)
    family = {"household": {"village": village, "land_tenure": "none"}}
    reason = {"nik_missing_reason": "unknown"}
    head = member("Gotamedu Bin Sapirato", **reason)
    return {
        "valid, no NIK": {**family, "members": [head, {**child, **reason}]},
        "valid, NIKs and a phone": {
            **family,
            "members": [
                member("Gotamedu Bin Sapirato", nik=nik_ok, phone="0812 3456 7890"),
                {**child, "nik": nik_child},
            ],
        },
        "valid, full household": {
            "household": {
                "village": village,
                "land_tenure": "own",
                "land_operated_ha": "0.75",
                "address": "Jl. Lintas",
                "rt": "003",
                "rw": "001",
                "latitude": "-2.08",
                "longitude": "102.27",
                "floor_material": "wood",
                "toilet": "own",
                "asset_motorcycle": True,
            },
            "members": [head, {**child, **reason}],
        },
        "two heads": {**family, "members": [head, {**child, **reason, "relationship": "head"}]},
        "no head": {**family, "members": [{**child, **reason}]},
        "no members": {**family, "members": []},
        "no NIK and no reason": {**family, "members": [head, child]},
        "NIK of 3 digits": {**family, "members": [member("Gotamedu Bin Sapirato", nik="123"), {**child, **reason}]},
        "NIK of the other sex": {
            **family,
            "members": [
                member(
                    "Gotamedu Bin Sapirato",
                    nik=make_nik(district_code="15.02.01", birth_date=dt.date(1971, 3, 9), sex="F", serial=8125),
                ),
                {**child, **reason},
            ],
        },
        "same NIK twice": {
            **family,
            "members": [member("Gotamedu Bin Sapirato", nik=nik_ok), {**child, "nik": nik_ok}],
        },
        "unknown village": {"household": {"village": "99.99.99.9999"}, "members": [head]},
        "birth date in the future": {**family, "members": [{**head, "birth_date": "2099-01-01"}]},
        "bad phone": {**family, "members": [{**head, "phone": "12"}]},
        "KK number failing its check": {
            "household": {**family["household"], "kk_number": "1502019999999999"},
            "members": [head],
        },
        "latitude without longitude": {"household": {**family["household"], "latitude": "-2.1"}, "members": [head]},
        "land without tenure": {"household": {**family["household"], "land_operated_ha": "2"}, "members": [head]},
        "NIK of a living person": {
            **family,
            "members": [
                member(
                    "Gotamedu Bin Sapirato",
                    nik=world_person["nik"],
                    sex=world_person["sex"],
                    birth_date=world_person["birth_date"].isoformat(),
                    nik_override_reason="KTP lama",
                ),
            ],
        },
        "likely duplicate of a registered person": {
            "household": {"village": world_person["village"], "land_tenure": "none"},
            "members": [
                member(
                    world_person["full_name"],
                    sex=world_person["sex"],
                    birth_date=world_person["birth_date"].isoformat(),
                    **reason,
                ),
            ],
        },
        "several errors at once": {
            "household": {**family["household"], "latitude": "-2.1"},
            "members": [{**head, "birth_date": "2099-01-01"}, {**child, "nik": "12"}, {**child}],
        },
        "unknown field": {**family, "members": [{**head, "status": "deceased"}]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_world_arguments(parser)
    parser.add_argument("--matches", action="store_true", help="also the likely-duplicate check's own answers")
    args = parser.parse_args()
    django_for_bench("load_cpu", keep=True)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    from django.db import transaction
    from django.test import Client

    import berdaya
    from berdaya.accounts.models import User
    from berdaya.api.services import token_create
    from berdaya.registry.models import Person

    print(f"berdaya from {berdaya.__file__}", file=sys.stderr)
    world = build_world(args.people, reuse=True)
    token = token_create(actor=None, user=User.objects.get(username=world["users"]["officer"]), name="answers").token
    known = (
        Person.objects.filter(nik__isnull=False, status="active")
        .order_by("pk")
        .values("full_name", "nik", "sex", "birth_date", "household__village_id")
        .first()
    )
    assert known is not None, "the world has no person with a NIK"
    known["village"] = known.pop("household__village_id")
    client = Client()
    headers = {"HTTP_ACCEPT": "application/json", "HTTP_AUTHORIZATION": f"Bearer {token}"}
    answers: dict[str, Any] = {}
    for name, body in cases(known, world["village"]).items():
        for language in ("id", "en"):
            with transaction.atomic():
                newest = Person.objects.order_by("-pk").values_list("household_id", flat=True).first() or 0
                response = client.post(
                    "/api/v1/households/",
                    data=json.dumps(body),
                    content_type="application/json",
                    HTTP_ACCEPT_LANGUAGE=language,
                    **headers,
                )
                new_ids = set(Person.objects.filter(household_id__gt=newest).values_list("household_id", flat=True))
                transaction.set_rollback(True)
            answers[f"{name} [{language}]"] = [response.status_code, _placeholders(response.json(), new_ids)]
    if args.matches:
        answers["likely matches"] = _matches()
    print(json.dumps(answers, indent=1, sort_keys=True, ensure_ascii=False, default=str))


def _matches() -> list[Any]:
    """The likely-duplicate check's own answers for variants of 80 registered people (the name as written, a letter
    changed, in capitals, with a first name added; the birth date, day and month swapped, a day later): the form's
    candidates with their reasons and scores, and the engine's matches down to a probability of 0.01 with their
    explanations."""
    from berdaya.dedup.incremental import likely_matches
    from berdaya.dedup.intake import form_provider
    from berdaya.registry.duplicates import Facts
    from berdaya.registry.models import Person

    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[::2000][:80])
    out: list[Any] = []
    for p in Person.objects.filter(pk__in=ids).select_related("household").order_by("pk"):
        name, born = p.full_name, p.birth_date
        names = [name, name[:-1] + ("e" if name.endswith("a") else "a"), name.upper(), f"Muhammad {name}"]
        days = [born, dt.date(born.year, born.day, born.month) if born.day <= 12 else born, born + dt.timedelta(days=1)]
        village = p.household.village_id
        facts = [Facts(full_name=n, birth_date=d, village_id=village, sex=p.sex) for n in names for d in days]
        out.append([[(c.person_id, c.reasons, c.score) for c in found] for found in form_provider(facts)])
        records = [
            {"full_name": f.full_name, "birth_date": f.birth_date, "sex": f.sex, "village_id": village} for f in facts
        ]
        found = likely_matches(records, threshold=0.01, limit=50)
        out.append([[(m.person_id, round(m.probability, 12), m.explanation) for m in ms] for ms in found])
    return out


if __name__ == "__main__":
    main()
