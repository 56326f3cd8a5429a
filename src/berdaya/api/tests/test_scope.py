"""The API answers as the pages do: the same scope, masking and audit for every role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from berdaya.api.models import ApiToken
from berdaya.api.services import token_create, token_revoke
from berdaya.core.models import AuditEvent
from berdaya.testing import factories
from berdaya.testing import programmes as tp

pytestmark = pytest.mark.django_db

VILLAGE_A = "15.02.01.2001"
VILLAGE_B = "15.02.02.1010"


@pytest.fixture
def world():
    factories.make_areas()
    org_a = factories.organisation("Mitra A")
    org_b = factories.organisation("Mitra B")
    hh_a = factories.household(village=VILLAGE_A, registered_by_organisation=org_a, kk_number=factories.kk_number())
    hh_b = factories.household(village=VILLAGE_B, registered_by_organisation=org_b, address="Jl. Rahasia 1")
    a = factories.person(hh=hh_a, name="Ani Mitra A", phone="+6281234567890")
    b = factories.person(hh=hh_b, name="Budi Mitra B", sex="M", phone="+6281298765432")
    officer = factories.user("officer")
    prog_b = tp.programme(officer, organiser=org_b)
    tp.enrol(officer, prog_b, b)
    return {
        "a": a,
        "b": b,
        "hh_a": hh_a,
        "hh_b": hh_b,
        "partner_a": factories.user("partner", org=org_a),
        "partner_b": factories.user("partner", org=org_b),
        "fac_b": factories.user("facilitator", villages=[VILLAGE_B]),
        "officer": officer,
        "viewer": factories.user("viewer"),
    }


def client(user, **headers) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, user=user, name='t').token}", **headers)
    return api


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_partner_token_reads_only_its_own_beneficiaries(world):
    api = client(world["partner_a"])
    a, b = world["a"], world["b"]
    assert ids(api.get("/api/v1/people/")) == {a.pk}
    assert ids(api.get("/api/v1/households/")) == {world["hh_a"].pk}
    assert api.get(f"/api/v1/people/{b.pk}/").status_code == 404
    assert api.get(f"/api/v1/households/{world['hh_b'].pk}/").status_code == 404
    # Filters and counts never reach past the scope: B's NIK, name and village find nothing.
    assert ids(api.get("/api/v1/people/", {"q": b.nik})) == set()
    assert ids(api.get("/api/v1/people/", {"q": "Budi"})) == set()
    assert ids(api.get("/api/v1/people/", {"village": VILLAGE_B})) == set()
    assert ids(api.get("/api/v1/enrolments/")) == set()
    assert ids(api.get("/api/v1/enrolments/", {"person": b.pk})) == set()
    # And B's own token sees B (through its registration and its programme).
    api_b = client(world["partner_b"])
    assert ids(api_b.get("/api/v1/people/")) == {b.pk}
    assert len(ids(api_b.get("/api/v1/enrolments/"))) == 1


def test_q_finds_people_by_nik_kk_and_name_within_the_scope(world):
    # `q` is the people list's search (docs/api.md); there is no `search` parameter.
    a, b = world["a"], world["b"]
    officer = client(world["officer"])
    assert ids(officer.get("/api/v1/people/", {"q": a.nik})) == {a.pk}
    assert ids(officer.get("/api/v1/people/", {"q": world["hh_a"].kk_number})) == {a.pk}
    assert ids(officer.get("/api/v1/people/", {"q": "budi"})) == {b.pk}
    assert ids(officer.get("/api/v1/people/", {"q": "Ani Mitra"})) == {a.pk}
    assert ids(officer.get("/api/v1/people/", {"q": a.nik[:8]})) == {a.pk}
    # The village filter, read through the households' index (ids first), keeps the scope's answer.
    assert ids(officer.get("/api/v1/people/", {"village": VILLAGE_B})) == {b.pk}
    facilitator = client(world["fac_b"])
    assert ids(facilitator.get("/api/v1/people/", {"q": a.nik})) == set()
    assert ids(facilitator.get("/api/v1/people/", {"q": b.nik})) == {b.pk}
    # A partner sees NIK masked: a NIK prefix would spell it out digit by digit, so it finds nothing.
    partner = client(world["partner_a"])
    assert ids(partner.get("/api/v1/people/", {"q": a.nik[:8]})) == set()
    assert ids(partner.get("/api/v1/people/", {"q": a.nik})) == {a.pk}


def test_a_facilitator_of_another_village_sees_only_that_village(world):
    api = client(world["fac_b"])
    assert ids(api.get("/api/v1/people/")) == {world["b"].pk}
    assert api.get(f"/api/v1/people/{world['a'].pk}/").status_code == 404
    assert ids(api.get("/api/v1/people/", {"village": VILLAGE_A})) == set()
    assert ids(api.get("/api/v1/households/")) == {world["hh_b"].pk}
    assert api.get(f"/api/v1/households/{world['hh_a'].pk}/").status_code == 404
    # A facilitator of village A sees A's person and nobody of B; one with no village sees nobody at all.
    fac_a = client(factories.user("facilitator", villages=[VILLAGE_A]))
    assert ids(fac_a.get("/api/v1/people/")) == {world["a"].pk}
    assert fac_a.get(f"/api/v1/people/{world['b'].pk}/").status_code == 404
    nowhere = client(factories.user("facilitator"))
    assert ids(nowhere.get("/api/v1/people/")) == set()
    assert ids(nowhere.get("/api/v1/households/")) == set()
    assert nowhere.get(f"/api/v1/people/{world['a'].pk}/").status_code == 404


def test_masked_fields_stay_masked_for_partners_and_clear_for_officers(world):
    a = world["a"]
    masked = client(world["partner_a"]).get(f"/api/v1/people/{a.pk}/").json()
    assert masked["nik"] == "•" * 16 and a.nik not in str(masked)
    assert masked["phone"].startswith("+62812") and "•" in masked["phone"] and a.phone not in str(masked)
    listed = client(world["partner_a"]).get("/api/v1/people/").json()["results"][0]
    assert listed["nik"] == "•" * 16
    household = client(world["partner_a"]).get(f"/api/v1/households/{world['hh_a'].pk}/").json()
    assert set(household["kk_number"]) == {"•"}
    response = client(world["officer"]).get(f"/api/v1/people/{a.pk}/")
    # Personal data: no browser or proxy keeps a copy (the token's user counts as signed in).
    assert "no-store" in response["Cache-Control"]
    clear = response.json()
    assert clear["nik"] == a.nik and clear["phone"] == a.phone
    hh_b = client(world["fac_b"]).get(f"/api/v1/households/{world['hh_b'].pk}/").json()
    assert hh_b["address"] == "Jl. Rahasia 1"
    hh_b_partner = client(world["partner_b"]).get(f"/api/v1/households/{world['hh_b'].pk}/").json()
    assert hh_b_partner["address"] == "•••"


def test_viewers_read_no_person_level_record(world):
    api = client(world["viewer"])
    response = api.get("/api/v1/people/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "permission_denied"
    assert api.get("/api/v1/programmes/").status_code == 200


def test_views_of_people_are_audited(world):
    api = client(world["partner_a"])
    before = AuditEvent.objects.count()
    api.get(f"/api/v1/people/{world['a'].pk}/")
    api.get("/api/v1/people/", {"q": world["a"].nik})
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.action for e in events] == ["view", "view"]
    assert events[0].object_id == str(world["a"].pk) and events[0].detail["via"] == "api"
    assert world["a"].nik not in str(events[1].detail) and events[1].detail["rows"] == 1


def test_revoked_expired_and_bad_tokens_are_refused(world):
    user = world["officer"]
    issued = token_create(actor=user, user=user, name="t")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert api.get("/api/v1/people/").status_code == 200
    ApiToken.objects.filter(pk=issued.record.pk).update(expires=timezone.now() - dt.timedelta(minutes=1))
    response = api.get("/api/v1/people/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    ApiToken.objects.filter(pk=issued.record.pk).update(expires=None)
    token_revoke(actor=user, token=ApiToken.objects.get(pk=issued.record.pk))
    assert api.get("/api/v1/people/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer bdy_00000000_" + "x" * 43)
    assert api.get("/api/v1/people/").status_code == 401
    assert APIClient().get("/api/v1/people/").status_code == 401


def test_throttling_counts_per_token(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/min", "anon": "3/min"}}
    first, second = client(world["officer"]), client(world["officer"])
    for _ in range(3):
        assert first.get("/api/v1/programmes/").status_code == 200
    refused = first.get("/api/v1/programmes/")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["rule"] == "throttled"
    assert "Retry-After" in refused
    # Another token of the same user has its own budget.
    assert second.get("/api/v1/programmes/").status_code == 200


def test_cursor_pagination_walks_every_row_once(world):
    hh = world["hh_a"]
    for i in range(5):
        factories.person(hh=hh, name=f"Anggota {i}")
    api = client(world["officer"])
    seen, url = [], "/api/v1/people/?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7
    assert "count" not in body


def test_the_public_price_list_needs_no_token_and_is_cached(world):
    response = APIClient().get("/api/v1/public/prices/")
    assert response.status_code == 200 and response.json() == []
    assert "public" in response["Cache-Control"]


def test_a_partner_token_gets_a_household_without_the_member_who_withdrew_consent_to_sharing(world):
    # A guard: the household records carry no member list (their members come from /people/, the person scope), so
    # a member hidden from the partner is in none of the household's answers.
    from berdaya.registry import choices as rc
    from berdaya.registry.services import consent_withdraw

    hidden = factories.person(hh=world["hh_a"], name="Anggota Menarik Diri", relationship=rc.Relationship.CHILD)
    consent_withdraw(actor=world["officer"], person=hidden, purpose=rc.ConsentPurpose.SHARING)
    api = client(world["partner_a"])
    listed = api.get("/api/v1/households/")
    detail = api.get(f"/api/v1/households/{world['hh_a'].pk}/")
    assert detail.status_code == 200
    for answer in (listed.content.decode(), detail.content.decode()):
        assert "Anggota Menarik Diri" not in answer and hidden.nik not in answer
    assert not {"members", "member_list", "member_count", "size"} & set(detail.json())
    assert ids(api.get("/api/v1/people/")) == {world["a"].pk}
    assert api.get(f"/api/v1/people/{hidden.pk}/").status_code == 404
    assert ids(client(world["officer"]).get("/api/v1/people/", {"village": VILLAGE_A})) == {world["a"].pk, hidden.pk}


def test_a_partner_token_may_not_filter_people_by_a_flag_read_from_other_members(world):
    # "Female-headed household" on a member the partner sees would give the sex of a head hidden from them (she
    # withdrew consent to sharing): the API refuses the filter to partner tokens, as the list page does.
    from berdaya.registry import choices as rc
    from berdaya.registry.services import consent_withdraw

    assert world["a"].relationship == rc.Relationship.HEAD
    daughter = factories.person(hh=world["hh_a"], name="Putri Mitra A", relationship=rc.Relationship.CHILD)
    consent_withdraw(actor=world["officer"], person=world["a"], purpose=rc.ConsentPurpose.SHARING)
    asked = {"flag": "female_headed", "village": VILLAGE_A}
    assert daughter.pk in ids(client(world["officer"]).get("/api/v1/people/", asked))
    answer = client(world["partner_a"]).get("/api/v1/people/", asked)
    assert answer.status_code == 400 and "Putri Mitra A" not in answer.content.decode()
    assert ids(client(world["partner_a"]).get("/api/v1/people/", {"flag": "elderly"})) == set()
    assert ids(client(world["partner_a"]).get("/api/v1/people/")) == {daughter.pk}
