"""Pulls against servers on 127.0.0.1 that speak the ODK Central and KoboToolbox API shapes and serve recorded
payloads."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from berdaya.farming.models import Sale
from berdaya.odk import services
from berdaya.odk.clients import PullError
from berdaya.odk.models import FieldSource, Submission
from berdaya.odk.tasks import pull_job
from berdaya.registry.models import Household

from . import payloads as p

pytestmark = pytest.mark.django_db

EMAIL, PASSWORD, TOKEN = "pendamping@example.org", "rahasia-central", "tok-123"


class Recorded:
    """What the fake servers serve and what they saw."""

    def __init__(self, submissions):
        self.submissions = submissions
        self.requests: list[str] = []


def central_handler(recorded: Recorded, page_size: int = 2):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            recorded.requests.append(f"POST {self.path}")
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/v1/sessions" and body == {"email": EMAIL, "password": PASSWORD}:
                return self._json(200, {"token": TOKEN, "expiresAt": "2099-01-01T00:00:00Z"})
            return self._json(401, {"code": 401.2, "message": "Could not authenticate with the provided credentials."})

        def do_GET(self):
            recorded.requests.append(f"GET {self.path}")
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._json(401, {"code": 401.2})
            url = urlparse(self.path)
            if url.path != "/v1/projects/3/forms/berdaya_household.svc/Submissions":
                return self._json(404, {"code": 404.1})
            query = parse_qs(url.query)
            assert query.get("$expand") == ["*"] or "$skiptoken" in query
            skip = int(query.get("$skiptoken", ["0"])[0])
            page = recorded.submissions[skip : skip + page_size]
            body = {"@odata.context": "...", "@odata.count": len(recorded.submissions), "value": page}
            if skip + page_size < len(recorded.submissions):
                body["@odata.nextLink"] = (
                    f"http://{self.headers['Host']}{url.path}?$expand=*&$top={page_size}&$skiptoken={skip + page_size}"
                )
            return self._json(200, body)

    return Handler


def kobo_handler(recorded: Recorded, page_size: int = 1):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            recorded.requests.append(f"GET {self.path}")
            url = urlparse(self.path)
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                status, body = 401, {"detail": "Invalid token."}
            elif url.path != "/api/v2/assets/aXyZ/data/":
                status, body = 404, {"detail": "Not found."}
            else:
                query = parse_qs(url.query)
                start = int(query.get("start", ["0"])[0])
                rows = recorded.submissions[start : start + page_size]
                nxt = (
                    f"http://{self.headers['Host']}{url.path}?format=json&limit={page_size}&start={start + page_size}"
                    if start + page_size < len(recorded.submissions)
                    else None
                )
                status, body = 200, {"count": len(recorded.submissions), "next": nxt, "previous": None, "results": rows}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def serve():
    servers = []

    def start(handler) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def central_source(world, base_url, password=PASSWORD):
    source = FieldSource(
        name="Central Merangin",
        kind="central",
        form_kind="household",
        base_url=base_url,
        project_id="3",
        form_id="berdaya_household",
        username=EMAIL,
        run_as=world["officer"],
    )
    source.set_secret(password)
    source.save()
    return source


def test_it_pulls_every_page_from_odk_central_and_a_re_pull_writes_nothing_new(world, serve):
    bad = p.household_fields()
    bad["members"][0]["birth_date"] = "2199-01-01"
    # Two different families (the same family twice would now be held as a likely duplicate), and a refused one.
    other = p.household_fields()
    other["members"][0].update(full_name="Bambang Sutrisno", phone="081298765432")
    other["members"][1].update(full_name="Rina Wulandari")
    other["members"][1]["consent"]["consent_given_by_name"] = "Bambang Sutrisno"
    recorded = Recorded([p.central(p.household_fields()), p.central(other), p.central(bad)])
    source = central_source(world, serve(central_handler(recorded)))
    first = services.source_pull(source=source)
    assert first.as_dict() == {"ingested": 2, "queued": 1, "waiting": 0, "duplicate": 0}
    assert recorded.requests[0] == "POST /v1/sessions"
    assert sum(r.startswith("GET") for r in recorded.requests) == 2  # two pages
    assert Household.objects.filter(address="Jl. Kebun Karet 3").count() == 2
    source.refresh_from_db()
    assert source.last_pulled_at is not None and source.last_error == ""
    queued = Submission.objects.get(state="queued")
    assert any("masa depan" in e["message"] for e in queued.errors)
    # The next pull asks only for what came since the last one, and what it gets again is recognised.
    recorded.requests.clear()
    second = services.source_pull(source=source)
    assert second.as_dict() == {"ingested": 0, "queued": 0, "waiting": 0, "duplicate": 3}
    assert "submissionDate" in recorded.requests[1]
    assert Household.objects.filter(address="Jl. Kebun Karet 3").count() == 2
    assert Submission.objects.count() == 3


def test_a_refused_login_is_reported_on_the_source(world, serve):
    source = central_source(world, serve(central_handler(Recorded([]))), password="salah")
    with pytest.raises(PullError, match="menolak"):
        services.source_pull(source=source)
    source.refresh_from_db()
    assert "menolak" in source.last_error and source.last_pulled_at is None


def test_an_unreachable_server_is_reported(world):
    source = central_source(world, "http://127.0.0.1:9")
    with pytest.raises(PullError, match="tidak bisa dihubungi"):
        services.source_pull(source=source)


def test_the_password_is_stored_encrypted(world):
    source = central_source(world, "http://127.0.0.1:9")
    source.refresh_from_db()
    assert PASSWORD not in source.secret_encrypted
    assert source.secret() == PASSWORD


def test_it_pulls_from_kobotoolbox_through_its_pages(world, serve):
    recorded = Recorded([p.kobo(p.sale_fields(world["farmer"])), p.kobo(p.sale_fields(world["farmer"], price=10500))])
    source = FieldSource(
        name="Kobo",
        kind="kobo",
        form_kind="sale",
        base_url=serve(kobo_handler(recorded)),
        form_id="aXyZ",
        run_as=world["officer"],
    )
    source.set_secret(TOKEN)
    source.save()
    assert services.source_pull(source=source).as_dict()["ingested"] == 2
    assert sorted(Sale.objects.values_list("price_per_kg", flat=True)) == [10500, 11000]
    assert services.source_pull(source=source).as_dict()["duplicate"] == 2
    assert Sale.objects.count() == 2


def test_the_background_job_pulls_each_active_source(world, serve):
    from berdaya.jobs.models import Job

    recorded = Recorded([p.central(p.household_fields())])
    source = central_source(world, serve(central_handler(recorded)))
    job = Job.objects.create(kind="odk.pull", handler="berdaya.odk.tasks.pull_job", params={"source_id": source.pk})

    class NoProgress:
        def start(self, total, message=""):
            self.total = total

        def advance(self, n=1, message=None):
            pass

        def check_cancelled(self, *, now=False):
            pass

    result = pull_job(job, NoProgress())
    assert result == {"Central Merangin": {"ingested": 1, "queued": 0, "waiting": 0, "duplicate": 0}}
