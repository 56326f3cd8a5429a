"""Bearer authentication for the REST API and the SPDCI interfaces.

`Authorization: Bearer <token>` (or `Token <token>`). The token acts as its user: same role, same scope, same
masking as the user's pages. `authenticate_bearer(request)` is the plain function (for views outside DRF, such as
the SPDCI endpoints); `BearerAuthentication` is the DRF class built on it. A signed-in browser session is accepted
too (`SessionAuthentication`: DRF's, its CSRF refusal worded in the language asked for).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from berdaya.accounts.models import User
from berdaya.core.auth_hooks import BearerClient

from .models import ApiToken
from .tokens import hashes_match, origin_of, split_token

SCHEMES = ("bearer", "token")
# last_used is written at most this often per token, so a busy client does not turn every read into a write.
LAST_USED_EVERY = dt.timedelta(seconds=60)


def token_from_header(request: HttpRequest | Any) -> str | None:
    """The raw token of an `Authorization: Bearer|Token <token>` header; None when the header uses no such scheme."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() not in SCHEMES or not value.strip():
        return None
    return value.strip()


class _TokenQuery:
    """`ApiToken.objects.select_related("user", "user__organisation").filter(prefix=...)`, compiled once per
    database: every API and SPDCI request looks its token up, and compiling this three-table query (40 columns) cost
    more CPU than running it. The rows become model instances exactly as the queryset makes them (Django's own
    converters and related populators, read from the compiled query)."""

    _compiled: ClassVar[dict[tuple[str, str], _TokenQuery]] = {}

    def __init__(self, using: str) -> None:
        queryset = ApiToken.objects.select_related("user", "user__organisation").filter(prefix="").order_by()
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        assert list(params) == [""], params  # the prefix is the query's only parameter
        self.sql = sql
        self.compiler = compiler
        select = compiler.select
        klass_info = compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.converters = compiler.get_converters([s[0] for s in select])
        self.klass_info, self.select, self.using = klass_info, select, using

    @classmethod
    def of(cls, using: str = DEFAULT_DB_ALIAS) -> _TokenQuery:
        key = (using, connections[using].vendor)
        query = cls._compiled.get(key)
        if query is None:
            query = cls._compiled[key] = cls(using)
        return query

    def get(self, prefix: str) -> ApiToken | None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, [prefix])
            rows = cursor.fetchall()
        if not rows:
            return None
        row = next(iter(self.compiler.apply_converters(rows[:1], self.converters))) if self.converters else rows[0]
        record = ApiToken.from_db(self.using, self.init_list, row[self.start : self.end])
        for populator in get_related_populators(self.klass_info, self.select, self.using):
            populator.populate(row, record)
        return record


def check_token(raw: str) -> ApiToken | None:
    """The active token `raw` is, with its active user loaded; None if it is unknown, revoked, expired or its user
    is deactivated."""
    prefix = split_token(raw)
    if prefix is None:
        return None
    record = _TokenQuery.of().get(prefix)
    if record is None or not hashes_match(raw, record.secret_hash):
        return None
    now = timezone.now()
    if not record.is_active_at(now) or not record.user.is_active:
        return None
    if record.last_used is None or now - record.last_used > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=record.pk).update(last_used=now)
        record.last_used = now
    return record


def authenticate_bearer(request: HttpRequest | Any) -> tuple[User, ApiToken] | None:
    """(user, token) for a request carrying a valid token; None when it carries none or a bad one."""
    raw = token_from_header(request)
    if raw is None:
        return None
    record = check_token(raw)
    if record is None:
        return None
    return record.user, record


def bearer_client(request: HttpRequest | Any) -> BearerClient | None:
    """The request's token as core.auth_hooks names a client: its user, its prefix, the origins it may receive
    callbacks at (registered for the SPDCI interfaces by ApiConfig.ready)."""
    found = authenticate_bearer(request)
    if found is None:
        return None
    user, token = found
    return BearerClient(
        user=user,
        client_id=token.prefix,
        name=token.name,
        callback_origins=tuple(token.callback_origins),
        origin_of=origin_of,
        signing_keys=tuple(
            (str(k["key_id"]), str(k["algorithm"]), str(k["public_key"]))
            for k in token.signing_keys or []
            if isinstance(k, dict) and {"key_id", "algorithm", "public_key"} <= set(k)
        ),
    )


class BearerAuthentication(authentication.BaseAuthentication):
    """DRF: a request with a bearer token is that token's user; a bad token is refused with 401 (not ignored)."""

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        raw = token_from_header(request)
        if raw is None:
            return None
        record = check_token(raw)
        if record is None:
            raise exceptions.AuthenticationFailed(_("Token tidak sah, sudah dicabut atau kedaluwarsa."))
        return record.user, record

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (a signed-in browser; unsafe methods need the CSRF token). DRF refuses a missing
    or wrong token with "CSRF Failed: <Django's reason>", in English whatever Accept-Language says: ours instead."""

    def enforce_csrf(self, request: Any) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                _("Pemeriksaan CSRF gagal: kirim token CSRF halaman bersama permintaan, atau gunakan token API.")
            ) from exc
