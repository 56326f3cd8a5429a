"""Reading submissions from ODK Central and KoboToolbox over HTTP.

ODK Central: a session token from `POST /v1/sessions` (email and password), then the form's OData feed
`GET /v1/projects/{project}/forms/{xmlFormId}.svc/Submissions?$expand=*` (repeats inline), followed page by page
through `@odata.nextLink`; only submissions since the last pull (`$filter=__system/submissionDate gt ...`).

KoboToolbox: the API token (`Authorization: Token ...`), then `GET /api/v2/assets/{uid}/data/?format=json`, page by
page through `next`; only submissions since the last pull (`query={"_submission_time": {"$gt": ...}}`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _

from .choices import SourceKind
from .models import FieldSource

PAGE_SIZE = 250
TIMEOUT = 30  # seconds per request


class PullError(Exception):
    """A server could not be read (unreachable, refused the login, answered something else). Said in Indonesian."""


class Client(Protocol):
    def submissions(self, *, since: dt.datetime | None) -> Iterator[dict[str, Any]]: ...


def _get_json(session: requests.Session, url: str, **kwargs: Any) -> Any:
    try:
        response = session.get(url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise PullError(_("Server tidak bisa dihubungi: %(e)s") % {"e": exc.__class__.__name__}) from exc
    if response.status_code in (401, 403):
        raise PullError(
            _("Server menolak akses (HTTP %(s)s): periksa nama pengguna, kata sandi atau token.")
            % {"s": response.status_code}
        )
    if response.status_code != 200:
        raise PullError(_("Server menjawab HTTP %(s)s untuk %(u)s.") % {"s": response.status_code, "u": url[:120]})
    try:
        return response.json()
    except ValueError as exc:
        raise PullError(_("Jawaban server bukan JSON.")) from exc


class CentralClient:
    def __init__(self, source: FieldSource, session: requests.Session | None = None) -> None:
        self.source = source
        self.session = session or requests.Session()
        self.base = source.base_url.rstrip("/")

    def login(self) -> None:
        try:
            response = self.session.post(
                f"{self.base}/v1/sessions",
                json={"email": self.source.username, "password": self.source.secret()},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise PullError(_("Server tidak bisa dihubungi: %(e)s") % {"e": exc.__class__.__name__}) from exc
        if response.status_code != 200 or "token" not in response.json():
            raise PullError(
                _("ODK Central menolak masuk (HTTP %(s)s): periksa email dan kata sandi.") % {"s": response.status_code}
            )
        self.session.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def submissions(self, *, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        self.login()
        url: str | None = (
            f"{self.base}/v1/projects/{quote(self.source.project_id)}/forms/{quote(self.source.form_id)}.svc/Submissions"
        )
        params: dict[str, Any] | None = {"$expand": "*", "$top": PAGE_SIZE, "$count": "true"}
        if since is not None and params is not None:
            params["$filter"] = f"__system/submissionDate gt {since.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S.000Z}"
        while url:
            page = _get_json(self.session, url, params=params)
            yield from page.get("value", [])
            url, params = page.get("@odata.nextLink"), None


class KoboClient:
    def __init__(self, source: FieldSource, session: requests.Session | None = None) -> None:
        self.source = source
        self.session = session or requests.Session()
        self.base = source.base_url.rstrip("/")
        self.session.headers["Authorization"] = f"Token {source.secret()}"

    def submissions(self, *, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        url: str | None = f"{self.base}/api/v2/assets/{quote(self.source.form_id)}/data/"
        params: dict[str, Any] | None = {"format": "json", "limit": PAGE_SIZE}
        if since is not None and params is not None:
            params["query"] = json.dumps(
                {"_submission_time": {"$gt": since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")}}
            )
        while url:
            page = _get_json(self.session, url, params=params)
            yield from page.get("results", [])
            url, params = page.get("next"), None


def client_for(source: FieldSource) -> Client:
    return CentralClient(source) if source.kind == SourceKind.CENTRAL else KoboClient(source)
