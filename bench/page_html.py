"""The HTML of the registry's most read pages as each role sees them, for comparing two versions of the application
on the same world (docs/benchmarks.md, "The registry pages rendered for less").

    DATABASE_URL=postgres://... python bench/page_html.py --people 1000000 --reuse > pages.json

The application is the `src` beside this file's `bench` directory: for another version, run the copy of this file
in that checkout's `bench` (or copy it there), on the same world. For an officer, an admin, a facilitator, partner
staff and a viewer: the registry list (pages 1, 2 and 9, a district, a name search, a NIK, the htmx table fragment),
and the pages of people and households each may see (people with programmes, assistance, attendance, disability
profiles, migration episodes, groups, legal bases and surveys where the world has them), in Indonesian and English.
The CSRF token is written as a placeholder and runs of whitespace as one space (the only differences allowed).
Prints one JSON document: page → [status, html]; `cmp` the two.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_for_bench  # puts this checkout's src first on the path
from _world import add_world_arguments, build_world

ROLES = ("officer", "admin", "facilitator", "partner", "viewer")
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
SPACE = re.compile(r"\s+")


def _ids(user: Any, per_table: int) -> tuple[list[int], list[int]]:
    """People and households `user` may see: the first, the last and a spread between, and those with records of
    the apps that add panels."""
    from django.db import connection

    from berdaya.registry.access import households_visible_to, people_visible_to

    people = people_visible_to(user).order_by("pk")
    chosen: list[int] = []
    for table in (
        "programmes_enrolment",
        "programmes_assistance",
        "programmes_attendance",
        "inclusion_disabilityprofile",
        "migration_migrationepisode",
        "registry_groupmembership",
        "registry_consentrecord",
        "outcomes_outcomesurvey",
        "registry_lifeevent",
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT person_id FROM {table} WHERE person_id IS NOT NULL ORDER BY 1 LIMIT 400")
            candidates = [row[0] for row in cursor.fetchall()]
        chosen += list(people.filter(pk__in=candidates).values_list("pk", flat=True)[:per_table])
    total = people.count()
    step = max(1, total // per_table)
    chosen += [p for i, p in enumerate(people.values_list("pk", flat=True)[: step * per_table]) if i % step == 0]
    chosen = sorted(set(chosen))
    households = sorted(
        set(people.filter(pk__in=chosen).values_list("household_id", flat=True))
        | set(households_visible_to(user).order_by("-pk").values_list("pk", flat=True)[:3])
    )
    return chosen, households


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_world_arguments(parser)
    parser.add_argument("--per-table", type=int, default=3)
    args = parser.parse_args()
    django_for_bench("load_cpu", keep=args.reuse)
    from django.test import Client

    from berdaya.accounts.models import User
    from berdaya.areas.models import District
    from berdaya.registry.models import Person

    world = build_world(args.people, reuse=args.reuse)
    district = District.objects.filter(code__startswith="15.02.").order_by("code").values_list("code", flat=True)[1]
    with_nik = Person.objects.filter(nik__isnull=False).order_by("pk").values_list("nik", flat=True).first()
    out: dict[str, Any] = {}
    for role in ROLES:
        user = User.objects.get(username=world["users"][role])
        people, households = _ids(user, args.per_table)
        paths = [
            "/registri/",
            "/registri/?page=2",
            "/registri/?page=9",
            f"/registri/?district={district}",
            "/registri/?q=Warga+12",
            f"/registri/?q=Warga+{people[len(people) // 2] if people else 1}",
            f"/registri/?q={with_nik}",
            "/registri/?sex=F&page=3",
        ]
        paths += [f"/registri/penduduk/{pk}/" for pk in people]
        paths += [f"/registri/rumah-tangga/{pk}/" for pk in households]
        for language in ("id", "en"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(user)
            for path in [*paths, "/registri/?page=4#htmx"]:
                headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "people-table"} if "#htmx" in path else {}
                response = client.get(path.removesuffix("#htmx"), **headers)
                html = SPACE.sub(" ", CSRF.sub(r"\1<csrf>", response.content.decode()))
                out[f"{role} {language} {path}"] = [response.status_code, html]
    json.dump(out, sys.stdout, indent=0, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main()
