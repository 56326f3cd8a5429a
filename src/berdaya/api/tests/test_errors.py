"""Writes go through the registry's services: the same rules and messages as the forms, in the language asked for,
each naming its field and rule."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.utils import translation
from rest_framework import exceptions
from rest_framework.test import APIClient

from berdaya.api.errors import exception_handler
from berdaya.api.services import token_create
from berdaya.core.forms import service_errors
from berdaya.registry.forms import PersonForm
from berdaya.registry.models import Household, Person
from berdaya.registry.services import person_update
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    factories.make_areas()
    return factories.user("officer")


def client(user, language: str | None = None) -> APIClient:
    api = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=user, user=user, name='t').token}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    api.credentials(**headers)
    return api


def form_errors(actor, person: Person, data: dict, language: str) -> dict[str, list[str]]:
    """What the person edit page says for `data`: the form's types, then the service inside service_errors."""
    with translation.override(language):
        initial = {name: value for name, value in PersonForm(instance=person).initial.items() if value is not None}
        form = PersonForm({**initial, **data}, instance=Person.objects.get(pk=person.pk), allow_override=True)
        assert form.is_valid(), form.errors
        with transaction.atomic(), service_errors(form):
            cleaned = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
            person_update(actor=actor, person=form.instance, data=cleaned)
            transaction.set_rollback(True)
        return {k: [str(m) for m in v] for k, v in form.errors.items()}


@pytest.mark.parametrize("language,header", [("id", None), ("id", "id-ID,id;q=0.9"), ("en", "en-GB,en;q=0.8")])
def test_a_bad_nik_is_refused_with_the_forms_message_in_the_language_asked(officer, language, header):
    person = factories.person()
    response = client(officer, header).patch(f"/api/v1/people/{person.pk}/", {"nik": "1502"}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Language"] == language
    body = response.json()
    nik_errors = [e for e in body["errors"] if e["field"] == "nik"]
    assert nik_errors and all(e["rule"] for e in nik_errors)
    assert [e["message"] for e in nik_errors] == form_errors(officer, person, {"nik": "1502"}, language)["nik"]
    Person.objects.get(pk=person.pk, nik=person.nik)  # nothing written


def test_english_and_indonesian_messages_differ(officer):
    person = factories.person()
    id_body = client(officer).patch(f"/api/v1/people/{person.pk}/", {"nik": "1502"}, format="json").json()
    en_body = client(officer, "en").patch(f"/api/v1/people/{person.pk}/", {"nik": "1502"}, format="json").json()
    assert id_body["errors"][0]["message"] != en_body["errors"][0]["message"]
    assert id_body["detail"] == "Data tidak valid." and en_body["detail"] != id_body["detail"]


def test_an_unsupported_language_falls_back_to_indonesian(officer):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="fr-FR").get("/api/v1/people/")
    assert response.status_code == 401 and response["Content-Language"] == "id"
    english = APIClient(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/people/")
    assert english.json()["detail"] != response.json()["detail"]


def test_a_type_error_names_the_field(officer):
    person = factories.person()
    response = client(officer).patch(f"/api/v1/people/{person.pk}/", {"birth_date": "kemarin"}, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "birth_date" and error["rule"] == "invalid"


def test_a_valid_change_is_written_through_the_service(officer):
    person = factories.person()
    response = client(officer).patch(f"/api/v1/people/{person.pk}/", {"full_name": "Siti Baru"}, format="json")
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=person.pk).full_name == "Siti Baru"
    assert person.history.first().history_user == officer


def test_a_partner_may_not_change_an_identifier_it_cannot_see(officer):
    org = factories.organisation("Mitra A")
    person = factories.person(hh=factories.household(registered_by_organisation=org))
    partner = factories.user("partner", org=org)
    response = client(partner).patch(f"/api/v1/people/{person.pk}/", {"phone": "081299998888"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "permission_denied"


def test_a_registration_reports_each_members_errors_by_index(officer):
    body = {
        "household": {"village": "15.02.01.2001", "land_tenure": "none"},
        "members": [
            {"full_name": "Kepala", "sex": "M", "birth_date": "1980-01-01", "relationship": "head",
             "nik_missing_reason": "unknown"},
            {"full_name": "Anak", "sex": "F", "birth_date": "2999-01-01", "relationship": "child",
             "nik_missing_reason": "unknown"},
        ],
    }  # fmt: skip
    response = client(officer).post("/api/v1/households/", body, format="json")
    assert response.status_code == 400, response.content
    fields = {e["field"] for e in response.json()["errors"]}
    assert "members.1.birth_date" in fields
    assert not Household.objects.exists()
    body["members"][1]["birth_date"] = "2010-01-01"
    created = client(officer).post("/api/v1/households/", body, format="json")
    assert created.status_code == 201, created.content
    assert Household.objects.get().members.count() == 2


def test_a_facilitator_cannot_register_outside_their_villages(officer):
    facilitator = factories.user("facilitator", villages=["15.02.02.1010"])
    body = {
        "household": {"village": "15.02.01.2001", "land_tenure": "none"},
        "members": [{"full_name": "K", "sex": "M", "birth_date": "1980-01-01", "relationship": "head",
                     "nik_missing_reason": "unknown"}],
    }  # fmt: skip
    response = client(facilitator).post("/api/v1/households/", body, format="json")
    assert response.status_code in (403, 400)
    assert not Household.objects.exists()


def test_enrolment_and_attendance_are_written_through_the_programme_services(officer):

    from berdaya.programmes.models import Attendance, Enrolment
    from berdaya.testing import programmes as tp

    org = factories.organisation("Mitra A")
    other = factories.organisation("Mitra B")
    partner = factories.user("partner", org=org)
    mine = factories.person(hh=factories.household(registered_by_organisation=org))
    theirs = factories.person(hh=factories.household(registered_by_organisation=other), name="Orang Lain")
    programme = tp.programme(officer, organiser=org)
    api = client(partner)
    # A person outside the partner's scope is answered as one that does not exist; nothing written.
    refused = api.post("/api/v1/enrolments/", {"programme": programme.pk, "person": theirs.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "person"
    assert not Enrolment.objects.exists()
    created = api.post(
        "/api/v1/enrolments/", {"programme": programme.pk, "person": mine.pk, "enrol": True}, format="json"
    )
    assert created.status_code == 201, created.content
    assert Enrolment.objects.get().status == "enrolled"
    # The service's rule, the page's message: enrolled twice.
    again = api.post("/api/v1/enrolments/", {"programme": programme.pk, "person": mine.pk}, format="json")
    assert again.status_code == 400 and "sudah terdaftar" in again.json()["errors"][0]["message"]
    session = tp.session(officer, programme)
    marked = api.post(
        "/api/v1/attendance/", {"session": session.pk, "roster": [mine.pk], "present": [mine.pk]}, format="json"
    )
    assert marked.status_code == 201, marked.content
    assert marked.json()["present"] == 1 and Attendance.objects.get().present
    outsider = api.post(
        "/api/v1/attendance/", {"session": session.pk, "roster": [theirs.pk], "present": []}, format="json"
    )
    assert outsider.status_code == 400 and Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("header", "language", "message"),
    [(None, "id", "Kursor halaman tidak sah."), ("id-ID,id;q=0.9", "id", "Kursor halaman tidak sah."),
     ("en-GB,en;q=0.8", "en", "Invalid page cursor.")],
)  # fmt: skip
def test_a_bad_cursor_is_refused_in_the_language_asked(officer, header, language, message):
    factories.person()
    response = client(officer, header).get("/api/v1/people/", {"cursor": "bukan-kursor"})
    assert response.status_code == 404, response.content
    assert response["Content-Language"] == language
    assert response.json() == {"detail": message, "errors": [{"field": None, "rule": "not_found", "message": message}]}


@pytest.mark.parametrize("position", ["abc", "", "1e3", "100.5", "1\x002", "٣", "99999999999999999999999", "-"])
@pytest.mark.parametrize("path", ["/api/v1/people/", "/api/v1/households/", "/api/v1/groups/"])
def test_a_cursor_whose_position_is_not_an_id_is_refused_not_a_server_error(officer, path, position):
    """A cursor is base64 of o=offset&r=reverse&p=position, the position a primary key: one this API never made
    ("p=abc", a float, a NUL, a number past a bigint) is refused as a bad offset is, 404, not a 500."""
    import base64
    from urllib.parse import urlencode

    factories.person()
    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = client(officer, None).get(path, {"cursor": cursor})
    assert response.status_code == 404, response.content
    assert response.json()["detail"] == "Kursor halaman tidak sah."


# --- DRF's own refusals: the language asked for, Indonesian first ---------------------------------------------------
# DRF's Indonesian catalogue lacks some of its wordings (an unreadable body, a method not allowed, a CSRF refusal):
# those are ours. The others come from DRF's catalogue and are checked here so that a gap would show.

LANGUAGES = [(None, "id"), ("id-ID,id;q=0.9", "id"), ("en-GB,en;q=0.8", "en")]


def _anonymous(header: str | None, **extra) -> APIClient:
    return APIClient(**({"HTTP_ACCEPT_LANGUAGE": header} if header else {}), **extra)


def _bad_json(officer, header):
    body = '{"household": '
    return client(officer, header).post("/api/v1/households/", data=body, content_type="application/json")


def _bad_charset(officer, header):
    return client(officer, header).post(
        "/api/v1/households/", data="{}", content_type="application/json; charset=bz2_codec"
    )


def _delete_a_person(officer, header):
    person = factories.person()
    response = client(officer, header).delete(f"/api/v1/people/{person.pk}/")
    assert Person.objects.filter(pk=person.pk).exists()
    return response


def _post_public_prices(officer, header):
    return _anonymous(header).post("/api/v1/public/prices/", {}, format="json")


def _session_without_csrf(officer, header):
    browser = _anonymous(header, enforce_csrf_checks=True)
    browser.force_login(officer)
    response = browser.post("/api/v1/households/", {"household": {}, "members": []}, format="json")
    assert not Household.objects.exists()
    return response


def _no_credentials(officer, header):
    return _anonymous(header).get("/api/v1/people/")


def _unknown_token(officer, header):
    return _anonymous(header, HTTP_AUTHORIZATION="Bearer bdy_bukan.token").get("/api/v1/people/")


def _a_viewer_lists_people(officer, header):
    return client(factories.user("viewer"), header).get("/api/v1/people/")


def _a_person_that_does_not_exist(officer, header):
    return client(officer, header).get("/api/v1/people/987654321/")


def _a_form_body(officer, header):
    return client(officer, header).post("/api/v1/households/", data="a=b", content_type="text/plain")


def _html_asked_for(officer, header):
    return client(officer, header).get("/api/v1/people/", HTTP_ACCEPT="text/html")


REFUSALS = {
    "invalid JSON": (
        _bad_json, 400, "parse_error",
        {"id": "Isi permintaan bukan JSON yang sah (baris 1, kolom 15).",
         "en": "The request body is not valid JSON (line 1, column 15)."},
    ),
    "unsupported charset": (
        _bad_charset, 400, "parse_error",
        {"id": 'Charset "bz2_codec" pada header Content-Type tidak didukung.',
         "en": 'Unsupported charset "bz2_codec" in the Content-Type header.'},
    ),
    "method not allowed": (
        _delete_a_person, 405, "method_not_allowed",
        {"id": 'Metode "DELETE" tidak diizinkan.', "en": 'Method "DELETE" not allowed.'},
    ),
    "method not allowed, public": (
        _post_public_prices, 405, "method_not_allowed",
        {"id": 'Metode "POST" tidak diizinkan.', "en": 'Method "POST" not allowed.'},
    ),
    "CSRF failed": (
        _session_without_csrf, 403, "permission_denied",
        {"id": "Pemeriksaan CSRF gagal: kirim token CSRF halaman bersama permintaan, atau gunakan token API.",
         "en": "CSRF check failed: send the page's CSRF token with the request, or use an API token."},
    ),
    "not authenticated": (
        _no_credentials, 401, "not_authenticated",
        {"id": "Data autentikasi tidak diberikan.", "en": "Authentication credentials were not provided."},
    ),
    "authentication failed": (
        _unknown_token, 401, "authentication_failed",
        {"id": "Token tidak sah, sudah dicabut atau kedaluwarsa.", "en": "The token is invalid, revoked or expired."},
    ),
    "permission denied": (
        _a_viewer_lists_people, 403, "permission_denied",
        {"id": "Peran Anda hanya boleh melihat data agregat.", "en": "Your role may only view aggregate data."},
    ),
    "not found": (
        _a_person_that_does_not_exist, 404, "not_found",
        {"id": "Data tidak ditemukan atau di luar wilayah Anda.", "en": "Record not found or outside your area."},
    ),
    "unsupported media type": (
        _a_form_body, 415, "unsupported_media_type",
        {"id": 'Jenis media "text/plain" dalam permintaan ini tidak didukung.',
         "en": 'Unsupported media type "text/plain" in request.'},
    ),
    "not acceptable": (
        _html_asked_for, 406, "not_acceptable",
        {"id": "Permintaan dengan header Accept ini tidak dapat dipenuhi.",
         "en": "Could not satisfy the request Accept header."},
    ),
}  # fmt: skip


@pytest.mark.parametrize(("header", "language"), LANGUAGES)
@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_drfs_refusals_answer_in_the_language_asked(officer, refusal, header, language):
    send, status, rule, messages = REFUSALS[refusal]
    response = send(officer, header)
    assert response.status_code == status, response.content
    assert response["Content-Language"] == language
    message = messages[language]
    assert response.json() == {"detail": message, "errors": [{"field": None, "rule": rule, "message": message}]}


@pytest.mark.parametrize(("header", "language"), LANGUAGES)
def test_too_many_requests_are_refused_in_the_language_asked(officer, settings, header, language):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1/min", "anon": "1/min"}}
    api = client(officer, header)
    assert api.get("/api/v1/organisations/").status_code == 200
    response = api.get("/api/v1/organisations/")
    assert response.status_code == 429, response.content
    assert response["Content-Language"] == language
    body = response.json()
    wording = {
        "id": r"Terlalu banyak permintaan\. Coba lagi dalam (\d+) detik\.",
        "en": r"Too many requests\. Try again in (\d+) seconds\.",
    }
    seconds = re.fullmatch(wording[language], body["detail"])
    # The same number as Retry-After (the wait DRF sends, rounded up to whole seconds).
    assert seconds and seconds[1] == response["Retry-After"], body
    assert body["errors"] == [{"field": None, "rule": "throttled", "message": body["detail"]}]


@pytest.mark.parametrize(
    ("language", "message"), [("id", "Permintaan tidak dapat dibaca."), ("en", "Malformed request.")]
)
def test_drfs_malformed_request_is_ours_in_the_language_active(language, message):
    # DRF's ParseError default ("Malformed request.", no Indonesian in DRF's catalogue), as DRF raises it mid-request.
    with translation.override(language):
        response = exception_handler(exceptions.ParseError(), {"request": None})
    assert response.status_code == 400
    assert response.data == {"detail": message, "errors": [{"field": None, "rule": "parse_error", "message": message}]}


def test_a_message_of_ours_raised_as_a_parse_error_is_kept():
    with translation.override("id"):
        response = exception_handler(exceptions.ParseError("Berkas CSV rusak."), {"request": None})
    assert response.data["detail"] == "Berkas CSV rusak."


@pytest.mark.parametrize("header,start", [(None, "Data yang sama"), ("en", "The same records")])
def test_a_write_another_transaction_ended_answers_409_and_saves_nothing(officer, monkeypatch, header, start):
    from berdaya.api import views
    from berdaya.core.tests.test_conflicts import DEADLOCK
    from berdaya.registry.services import household_update

    def crossed(**kwargs):
        household_update(**kwargs)  # written, then ended by PostgreSQL (a deadlock): rolled back whole
        raise DEADLOCK

    monkeypatch.setattr(views, "household_update", lambda **kwargs: transaction.atomic()(crossed)(**kwargs))
    hh = factories.household(address="Jl. Lama")
    response = client(officer, header).patch(f"/api/v1/households/{hh.pk}/", {"address": "Jl. Baru"}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["detail"].startswith(start) and body["errors"][0]["rule"] == "conflict"
    assert Household.objects.get(pk=hh.pk).address == "Jl. Lama"


@pytest.mark.parametrize("path", ["/api/v1/people/", "/api/v1/households/", "/api/v1/programmes/"])
def test_a_list_refuses_a_parameter_it_does_not_know_instead_of_answering_every_row(officer, path):
    """A mistyped filter (`?desa=` for `?village=`) would otherwise answer the whole list as if it had filtered."""
    person = factories.person()
    api = client(officer)
    response = api.get(path, {"desa": "1502012001", "page_size": 10})
    assert response.status_code == 400, response.content
    assert response["Content-Language"] == "id"
    [error] = response.json()["errors"]
    assert error["field"] == "desa" and error["rule"] == "unknown_parameter"
    assert "tidak dikenal" in error["message"] and "cursor" in error["message"]
    english = client(officer, "en").get(path, {"desa": "x"}).json()["errors"][0]["message"]
    assert "not recognised" in english
    # What a list does know still works: its pages and, on the people list, its filters.
    assert api.get(path, {"page_size": 10}).status_code == 200
    if path == "/api/v1/people/":
        village = api.get(path, {"village": person.household.village_id})
        assert village.status_code == 200 and [r["id"] for r in village.json()["results"]] == [person.pk]
