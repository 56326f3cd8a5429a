"""Every page as every role: nothing outside a role's scope appears (issue #13, acceptance).

The URL patterns come from the URLconf, so a new page is visited without anyone adding it here. Each one is requested
(GET; POST for a page that only takes POST) as each role, with the ids of an object inside the role's scope and of
one outside it. The answer must be a refusal (403/404/405) or a page that names nobody the role may not see:

- people outside the role's scope (`people_visible_to`) by name, NIK, phone or KK number;
- for a role that may not see identifiers, the full NIK/phone/KK of the people it does see;
- the content of a confidential rights case, for anyone but its assigned case worker and admins.

The world (two organisations, a facilitator's village and one outside it, a person "inside" and one "outside" with
something of every kind) is built once per module inside a transaction that is rolled back at the end, with one
signed-in session per role.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.core.access import capabilities
from berdaya.monitoring import refresh
from berdaya.registry import choices as rc
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import GroupMembership
from berdaya.testing import factories as f
from berdaya.testing.worlds import built_once

# Every test here shares the module's world: keep them together (pytest-django moves tests without a db mark last).
pytestmark = pytest.mark.django_db

# Patterns not visited, and why.
SKIPPED = {
    "logout": "ends the session the test is using; it shows no data",
    "set_language": "sets a cookie and redirects; it shows no data",
    "health": "public status only; tested in core/tests/test_hardening.py",
}
SKIPPED_NAMESPACES = {"admin": "Django's admin: staff only (is_staff), its own permission system, no role scoping"}

ROLES = [
    "anonymous",
    "admin",
    "officer",
    "partner",
    "other_partner",
    "facilitator",
    "viewer",
    "case_worker",
    "case_supervisor",
]

# Known leaks still open: (pattern, role) -> reason. xfail(strict): when the fix lands, these fail as "XPASS" until
# the entry is removed.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}


@dataclass
class Side:
    """The objects of one person: everything a URL's id can point to, and the strings that name them."""

    ids: dict[str, int] = field(default_factory=dict)
    names: dict[int, list[str]] = field(default_factory=dict)  # person id -> name and NIK
    identifiers: dict[int, list[str]] = field(default_factory=dict)  # person id -> full NIK, phone, KK
    case_text: list[str] = field(default_factory=list)  # the confidential content of the person's rights case


@dataclass
class World:
    users: dict[str, User]
    inside: Side
    outside: Side
    markers: dict[str, list[str]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key


def _person_side(*, name: str, village: str, organisation, tag: str, officer, supervisor_worker) -> Side:
    from berdaya.inclusion import choices as ic
    from berdaya.inclusion.models import AssistiveDevice, DisabilityProfile
    from berdaya.markets.models import Commodity, SubscriberConsent
    from berdaya.migration import choices as mc
    from berdaya.migration.models import CaseAssignment, CaseNote, MigrationEpisode, RightsCase
    from berdaya.programmes import choices as pc
    from berdaya.programmes import services as programme_services
    from berdaya.programmes.models import Assistance

    side = Side()
    district = village.rsplit(".", 1)[0]
    kk = f.kk_number(district=district)
    hh = f.household(
        village=village,
        kk_number=kk,
        address=f"Jl. {tag} No. 9",
        rt="041",
        rw="042",
        registered_by_organisation=organisation,
    )
    phone = {"DALAM": "081270000001", "LUAR": "081270000002"}[tag]
    person = f.person(hh=hh, name=name, phone=phone, wgss_walking=3, birth_date=dt.date(1990, 6, 1))
    relative = f.person(hh=hh, name=f"{name.split()[0]} Kerabat{tag}", sex=rc.Sex.MALE, birth_date=dt.date(1960, 1, 2))
    group = f.group(village=village, name=f"Kelompok {tag}")
    membership = GroupMembership.objects.create(group=group, person=person)
    episode = MigrationEpisode.objects.create(
        person=person, destination=mc.Destination.MALAYSIA, channel=mc.Channel.NON_PROCEDURAL, created_by=officer
    )
    case = RightsCase.objects.create(
        person=person,
        episode=episode,
        reported_by=mc.Reporter.choices[0][0],
        complaint_type=mc.ComplaintType.UNPAID_WAGES,
        summary=f"RINGKASAN-RAHASIA-{tag}",
        created_by=officer,
    )
    CaseAssignment.objects.create(case=case, user=supervisor_worker, assigned_by=officer)
    CaseNote.objects.create(case=case, author=officer, text=f"CATATAN-RAHASIA-{tag}")
    DisabilityProfile.objects.create(person=person, disability_type=ic.DisabilityType.PHYSICAL, recorded_by=officer)
    device = AssistiveDevice.objects.create(person=person, device=ic.Device.WHEELCHAIR, recorded_by=officer)
    from berdaya.farming import choices as fc
    from berdaya.farming.models import Plot

    plot = Plot.objects.create(
        farmer=person,
        village_id=village,
        area_ha=Decimal("0.8"),
        tenure=fc.Tenure.OWN,
        # Seeded by a migration, but a transactional test elsewhere may have flushed it.
        commodity=Commodity.objects.order_by("pk").first()
        or Commodity.objects.create(code="karet-uji", name="Karet", short_name="Karet"),
    )
    programme = programme_services.programme_create(
        actor=officer,
        data={
            "name": f"Program {tag}",
            "kind": pc.ProgrammeKind.SKILLS_TRAINING,
            "organiser": organisation,
            "start_date": timezone.localdate() - dt.timedelta(days=30),
            "end_date": timezone.localdate() + dt.timedelta(days=60),
            "capacity": 10,
            "budget": 1_000_000,
            "status": pc.ProgrammeStatus.OPEN,
            "attendance_threshold": 75,
        },
    )
    session = programme_services.session_create(
        actor=officer,
        programme=programme,
        data={
            "date": timezone.localdate() - dt.timedelta(days=1),
            "start_time": dt.time(9, 0),
            "end_time": dt.time(12, 0),
            "venue": "Balai Desa",
            "topic": "Dasar",
        },
    )
    enrolment = programme_services.enrolment_create(actor=officer, programme=programme, person=person, enrol=True)
    assistance = Assistance.objects.create(
        programme=programme, person=person, kind=pc.AssistanceKind.CASH_GRANT, amount=500_000, created_by=officer
    )
    subscriber = SubscriberConsent.objects.create(phone=phone, district_id=district, person=person)
    # An outcome survey of the person in the programme (berdaya.outcomes).
    from berdaya.outcomes import services as outcome_services

    outcome_survey = outcome_services.survey_record(
        actor=officer,
        person=person,
        programme=programme,
        data={"round": "baseline", "interview_date": timezone.localdate(), "household_size": 2, "wellbeing": 5},
    )
    # A field submission about the person that waits in the queue (a sale with no quantity), for the organisation.
    from berdaya.odk import services as odk_services
    from berdaya.odk.models import Submission

    _state, submission = odk_services.submission_receive(
        kind="sale",
        payload={
            "__id": f"uuid:every-url-{tag}",
            "meta": {"instanceID": f"uuid:every-url-{tag}"},
            "farmer_nik": person.nik,
            "date": timezone.localdate().isoformat(),
            "commodity": plot.commodity.code,
            "unit": "kg",
            "price_per_kg": 11000,
            "channel": "uppb",
            "buyer_name": f"Pembeli {tag}",
        },
        origin="upload",
        received_by=officer,
    )
    assert submission is not None and submission.state == "queued"
    Submission.objects.filter(pk=submission.pk).update(organisation=organisation)
    # A likely duplicate of the person (the review queue) and a record already merged into it (merge history).
    from berdaya.dedup.models import DedupRun, MatchPair
    from berdaya.registry.services import persons_merge

    twin = f.person(hh=hh, name=f"{name.split()[0]} Kembar{tag}", birth_date=dt.date(1990, 1, 6))
    dedup_run = DedupRun.objects.create(status=DedupRun.Status.SUCCEEDED)
    low, high = sorted([person, twin], key=lambda p: p.pk)
    pair = MatchPair.objects.create(
        run=dedup_run, person_low=low, person_high=high, match_probability=0.99, match_weight=9.0
    )
    duplicate = f.person(hh=hh, name=f"{name.split()[0]} Ganda{tag}", birth_date=dt.date(1990, 6, 2))
    merge_record = persons_merge(actor=officer, survivor=twin, merged=duplicate, reason="Data ganda")
    # Two people decided "different" (the decisions list and its revoke).
    from berdaya.dedup.models import PairDecision

    namesake = f.person(hh=hh, name=f"{name.split()[0]} Senama{tag}", birth_date=dt.date(1990, 1, 7))
    low, high = sorted([person, namesake], key=lambda p: p.pk)
    decision = PairDecision.objects.create(
        person_low=low, person_high=high, decision=PairDecision.Decision.DIFFERENT, actor=officer, reason="Beda"
    )
    side.ids = {
        "person": person.pk,
        "household": hh.pk,
        "group": group.pk,
        "membership": membership.pk,
        "episode": episode.pk,
        "case": case.pk,
        "device": device.pk,
        "plot": plot.pk,
        "programme": programme.pk,
        "session": session.pk,
        "enrolment": enrolment.pk,
        "assistance": assistance.pk,
        "subscriber": subscriber.pk,
        "outcome_survey": outcome_survey.pk,
        "organisation": organisation.pk,
        "submission": submission.pk,
        "pair": pair.pk,
        "merge": merge_record.pk,
        "decision": decision.pk,
    }
    side.case_text = [case.summary, f"CATATAN-RAHASIA-{tag}"]
    from berdaya.grievances import services as grievance_services

    grievance = grievance_services.grievance_record(
        actor=officer,
        data={
            "category": "aid_not_received",
            "description": f"ADUAN-{tag}",
            "person_id": person.pk,
            "complainant_phone": phone,
            "reply_channel": "sms",
        },
    )
    side.ids["grievance"] = grievance.pk
    side.identifiers = {person.pk: [person.nik, phone, kk], relative.pk: [relative.nik, kk], twin.pk: [twin.nik, kk]}
    side.names = {
        person.pk: [person.full_name, person.nik],
        relative.pk: [relative.full_name, relative.nik],
        twin.pk: [twin.full_name, twin.nik],
    }
    return side


def _build() -> World:
    from berdaya.imports.models import ImportRun
    from berdaya.jobs.models import Job
    from berdaya.markets.models import Bulletin
    from berdaya.migration.models import CaseWorker
    from berdaya.partners import choices as partc
    from berdaya.partners import services as partner_services
    from berdaya.partners.models import Commitment
    from berdaya.targeting import services as targeting_services
    from berdaya.targeting.models import Candidate, HouseholdWelfare

    f.make_areas()
    org_a = f.organisation("LSM Dalam Lingkup")
    org_b = f.organisation("LSM Luar Lingkup")
    users = {
        "admin": f.user("admin"),
        "officer": f.user("officer"),
        "partner": f.user("partner", org=org_a),
        "other_partner": f.user("partner", org=org_b),
        "facilitator": f.user("facilitator", villages=["15.02.01.2001"]),
        "viewer": f.user("viewer"),
        "case_worker": f.user("officer"),
        "case_supervisor": f.user("officer"),
    }
    users["admin"].is_superuser = users["admin"].is_staff = True
    users["admin"].save()
    CaseWorker.objects.create(user=users["case_worker"])
    CaseWorker.objects.create(user=users["case_supervisor"], is_supervisor=True)
    # The worker assigned to the inside person's case is the case_worker role; the outside case has another worker.
    elsewhere = f.user("officer", username="pengelola-lain")
    CaseWorker.objects.create(user=elsewhere)
    officer = users["officer"]
    inside = _person_side(
        name="Rahmawati Dalamlingkup",
        village="15.02.01.2001",
        organisation=org_a,
        tag="DALAM",
        officer=officer,
        supervisor_worker=users["case_worker"],
    )
    outside = _person_side(
        name="Zubaedah Luarlingkup",
        village="15.02.02.1010",
        organisation=org_b,
        tag="LUAR",
        officer=officer,
        supervisor_worker=elsewhere,
    )
    for side in (inside, outside):
        HouseholdWelfare.objects.create(household_id=side.ids["household"], local_decile=1)
    # A targeting run over the whole regency, started by an officer: both people are candidates.
    version = targeting_services.ruleset_save(
        actor=officer,
        name="Semua penyandang disabilitas",
        rules_tree={"op": "and", "items": [{"type": "flag", "value": "disability"}]},
        programme_id=inside.ids["programme"],
    )
    run = targeting_services.run_create(actor=officer, ruleset=version.ruleset)
    targeting_services.run_execute(run=run)
    for side in (inside, outside):
        candidate = Candidate.objects.filter(run=run, person_id=side.ids["person"]).first()
        assert candidate is not None, "the world's run must list both people"
        side.ids.update(ruleset=version.ruleset_id, run=run.pk, candidate=candidate.pk)
    # A village meeting about the run's list in each side's village.
    from berdaya.areas.models import Village
    from berdaya.musdes import services as musdes_services

    for side in (inside, outside):
        village = Village.objects.get(pk=Candidate.objects.get(pk=side.ids["candidate"]).village_id)
        side.ids["meeting"] = musdes_services.meeting_plan(
            actor=officer, run=run, village=village, date=timezone.localdate(), place="Balai Desa"
        ).pk
    for side, org in ((inside, org_a), (outside, org_b)):
        side.ids["commitment"] = Commitment.objects.create(
            organisation=org,
            kind=partc.CommitmentKind.TRAININGS,
            description="Pelatihan",
            quantity=2,
            start_date=timezone.localdate(),
            end_date=timezone.localdate() + dt.timedelta(days=90),
            created_by=officer,
        ).pk
    bulletin = Bulletin.objects.create(week_start=timezone.localdate(), text="Harga karet minggu ini")
    inside.ids["bulletin"] = outside.ids["bulletin"] = bulletin.pk
    for side, owner in ((inside, users["partner"]), (outside, users["other_partner"])):
        run_import = ImportRun(original_name="data.csv", checksum="0" * 64, created_by=owner)
        run_import.file.save("data.csv", ContentFile(b"nik\n"), save=True)
        job = Job.objects.create(kind="import", handler="berdaya.imports.tasks.check", created_by=owner)
        side.ids.update(import_run=run_import.pk, job=job.pk)
    for side, organisation in ((inside, org_a), (outside, org_b)):
        agreement = partner_services.agreement_create(
            actor=officer,
            data={
                "kind": "pks",
                "title": f"PKS {organisation.name}",
                "parties": [organisation],
                "pemkab_is_party": True,
                "start_date": timezone.localdate() - dt.timedelta(days=10),
                "end_date": timezone.localdate() + dt.timedelta(days=200),
            },
        )
        side.ids["agreement"] = agreement.pk
    # A finished report of each organisation (reports: a partner's own-scope report is its organisation's).
    from berdaya.core.spreadsheet import xlsx_bytes
    from berdaya.reports.models import Report

    for side, owner in ((inside, users["partner"]), (outside, users["other_partner"])):
        report = Report(
            kind="regency",
            year=timezone.localdate().year,
            quarter=1,
            reach="own",
            organisation_id=owner.organisation_id,
            requested_by=owner,
            status="done",
        )
        report.pdf.save("uji.pdf", ContentFile(b"%PDF-1.7 uji"), save=False)
        report.xlsx.save("uji.xlsx", ContentFile(xlsx_bytes([("Angka", ["nilai"], [[1]])])), save=False)
        report.save()
        side.ids["report"] = report.pk
    return World(users, inside, outside)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media, data = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("data")
    with built_once(django_db_blocker, MEDIA_ROOT=media, DATA_DIR=data):
        built = _build()
        refresh.rebuild()  # the dashboard's analytics tables, so its pages count this world
        built.markers = _markers(built)
        # One signed-in session per role, made once: each test's client carries its cookie (a test's own changes
        # to the session roll back with the rest of it).
        for role, user in built.users.items():
            client = Client()
            client.force_login(user)
            built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built


def _markers(world: World) -> dict[str, list[str]]:
    """For each role, the strings that must never appear in a page it receives. Who may see whom is read from the
    scoping rules themselves (people_visible_to); the world test below pins that they split the world as meant."""
    out: dict[str, list[str]] = {}
    for role in ROLES:
        user = world.users.get(role)
        visible = set(people_visible_to(user).values_list("pk", flat=True)) if user else set()
        caps = capabilities(user)
        forbidden: list[str] = []
        for side in (world.inside, world.outside):
            for pk, names in side.names.items():
                if pk not in visible:
                    forbidden += names
                elif not caps.sees_identifiers:
                    forbidden += side.identifiers[pk]
            # A case's content is read by its assigned worker (the inside case: case_worker) and admins only.
            if not caps.is_admin and not (side is world.inside and role == "case_worker"):
                forbidden += side.case_text
        out[role] = sorted({m for m in forbidden if m})
    return out


# Which world object an id in a URL stands for: by keyword, then for `pk` by the pattern's namespace and name.
BY_KWARG = {
    "person_pk": "person",
    "person_id": "person",
    "group_pk": "group",
    "plot_pk": "plot",
    "session_id": "session",
    "enrolment_id": "enrolment",
    "assistance_id": "assistance",
    "organisation_pk": "organisation",
    "membership_id": "membership",
    "candidate_id": "candidate",
}
BY_NAME = [
    ("registry:person_", "person"),
    ("registry:consent_", "person"),
    ("registry:household_", "household"),
    ("registry:group_", "group"),
    ("migration:episode_", "episode"),
    ("migration:case_", "case"),
    ("inclusion:device_", "device"),
    ("targeting:household_", "household"),
    ("targeting:ruleset_", "ruleset"),
    ("targeting:run_", "run"),
    ("targeting:candidate_", "run"),
    ("programmes:", "programme"),
    ("partners:organisation_", "organisation"),
    ("partners:agreement_", "agreement"),
    ("partners:commitment_", "commitment"),
    ("partners:contribution_", "commitment"),
    ("farming:plot_", "plot"),
    ("markets:bulletin_", "bulletin"),
    ("markets:subscriber_", "subscriber"),
    ("imports:", "import_run"),
    ("jobs:", "job"),
    ("odk:submission_", "submission"),
    ("dedup:pair_", "pair"),
    ("dedup:merge_", "merge"),
    ("dedup:decision_", "decision"),
    ("grievances:", "grievance"),
    ("musdes:", "meeting"),
    ("outcomes:survey_", "outcome_survey"),
    ("outcomes:", "programme"),
    ("reports:", "report"),
    # An SPDCI delivery (admins only) is not in the world: another object's id must answer 404 or refuse all the same.
    ("dci:", "person"),
    # Indicators are regency-level definitions every role reads (no person in them): another object's id answers 404.
    ("monitoring:", "person"),
    # Requests and breach records (privacy) are not in the world: another object's id must answer 404 all the same.
    ("privacy:", "person"),
    # The REST API (berdaya.api): each detail by the world object of its kind; kinds the world does not build
    # (attendance, harvests, sales, prices, tokens) take another object's id, which must answer 404 or show
    # nothing out of scope all the same.
    ("api:person-", "person"),
    ("api:household-", "household"),
    ("api:group-", "group"),
    ("api:migration-episode-", "episode"),
    ("api:plot-", "plot"),
    ("api:programme-", "programme"),
    ("api:session-", "session"),
    ("api:enrolment-", "enrolment"),
    ("api:assistance-", "assistance"),
    ("api:organisation-", "organisation"),
    ("api:", "person"),
]
# Keywords whose object the world does not build: a missing id must still answer 404, never 500.
MISSING = {"document_pk": 999_999, "user_pk": 999_999, "row": 999_999}
STRINGS = {
    "kind": "death",
    "code": "15.02.02",
    "fmt": "csv",
    "form": "attendance",
    "channel": "sms",
    "key": "markets.weekly",
    "provider": "http",
}
# Extra query strings that change what a page lists.
QUERIES = {
    "targeting:run_detail": ["", "?status=selected", "?status=reserve", "?status=near_miss"],
    "registry:person_list": ["", "?q=Luarlingkup", "?q=Dalamlingkup"],
    "imports:export": ["?format=csv", "?format=xlsx", "?format=csv&q=Luarlingkup"],
    "programmes:certificate_verify": [""],
    "monitoring:breakdown": ["?measure=people&by=district&by=sex&by=age_band&by=disability"],
    "monitoring:breakdown_download": ["?measure=reached&by=village&by=group"],
    "monitoring:map": ["", "?district=15.02.02&measure=reached"],
    "monitoring:map_download": ["?district=15.02.02"],
}


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from _patterns(entry, prefix + str(entry.pattern), f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


PATTERNS = sorted(name for name, _entry in _patterns() if name not in SKIPPED)


def _object(name: str, kwarg: str) -> str | None:
    if kwarg in BY_KWARG:
        return BY_KWARG[kwarg]
    if kwarg == "pk":
        for prefix, key in BY_NAME:
            if name.startswith(prefix):
                return key
    return None


def _urls(world: World, name: str) -> list[tuple[str, str]]:
    """(which side, url) for the pattern: with the inside ids and the outside ids."""
    entry = dict(_patterns())[name]
    converters = entry.pattern.converters
    urls = []
    for label, side in (("inside", world.inside), ("outside", world.outside)):
        kwargs = {}
        for kwarg, _converter in converters.items():
            if kwarg in STRINGS:
                kwargs[kwarg] = STRINGS[kwarg]
                continue
            if kwarg == "key" and name == "monitoring:panel_download":
                kwargs[kwarg] = "districts"
                continue
            if kwarg == "code" and name == "programmes:certificate_verify":
                kwargs[kwarg] = "TIDAKADA"
                continue
            if kwarg in MISSING:
                kwargs[kwarg] = MISSING[kwarg]
                continue
            key = _object(name, kwarg)
            assert key is not None, f"{name}: no world object for <{kwarg}>; add it to BY_KWARG/BY_NAME or MISSING"
            kwargs[kwarg] = side.ids[key]
        url = reverse(name, kwargs=kwargs)
        urls += [(label, url + query) for query in QUERIES.get(name, [""])]
        if not converters:
            break  # no id: one visit is enough
    return urls


def _body(response) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if content[:2] == b"PK":  # an XLSX: read every sheet's XML and shared strings
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    return content.decode("utf-8", "replace")


# 401: the REST API's answer without credentials (a page redirects to the login instead).
ALLOWED = {200, 204, 301, 302, 303, 400, 401, 403, 404, 405}


def _cases():
    for name in PATTERNS:
        for role in ROLES:
            marks = []
            if (name, role) in KNOWN_LEAKS:
                marks.append(pytest.mark.xfail(reason=KNOWN_LEAKS[name, role], strict=True))
            yield pytest.param(name, role, id=f"{name}-{role}", marks=marks)


@pytest.mark.parametrize(("name", "role"), list(_cases()))
def test_no_page_shows_a_role_what_is_outside_its_scope(world, name, role):
    client = Client()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    forbidden = world.markers[role]
    for side, url in _urls(world, name):
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        assert response.status_code in ALLOWED, f"{role} {url}: HTTP {response.status_code}"
        if response.status_code in (401, 403, 404, 405) or response.status_code in (301, 302, 303):
            continue
        body = _body(response)
        leaked = [marker for marker in forbidden if marker in body]
        assert not leaked, f"{role} sees {leaked} at {url} ({side} ids)"


def test_the_world_has_one_person_inside_and_one_outside_each_scoped_role(world):
    inside, outside = world.inside.ids["person"], world.outside.ids["person"]
    for role in ("partner", "facilitator"):
        visible = set(people_visible_to(world.users[role]).values_list("pk", flat=True))
        assert inside in visible and outside not in visible
    assert not people_visible_to(world.users["viewer"]).exists()


def test_every_pattern_is_visited_or_named_as_skipped():
    names = {name for name, _entry in _patterns()}
    assert set(PATTERNS) | set(SKIPPED) >= names
    assert len(PATTERNS) > 100
    assert not [n for n in SKIPPED if n not in names], "a skipped pattern no longer exists"
