"""Django's AuthenticationMiddleware, with the signed-in user read by a query compiled once.

Every signed-in request loads its user: `django.contrib.auth.get_user` asks the session's backend
(`ModelBackend.get_user`: `User._default_manager.get(pk=...)`, compiled anew each time) and then checks the session's
password hash. Here the common case, a session of Django's ModelBackend whose user exists, may sign in
(`user_can_authenticate`: active) and whose hash matches the current secret key, is read with the same condition
through core.compiled (the SQL compiled once, prepared on PostgreSQL) and answered at once. Anything else (no user
in the session, another backend, a user gone, deactivated, a password changed, a hash made with an older secret
key) goes through Django's own `get_user`, which answers as it always did: the anonymous user, the session
flushed, or a session moved to the current key. So a deactivated user, a changed password or a logout still end
a session at once, and a session stored before stays valid.

    MIDDLEWARE: "berdaya.accounts.middleware.AuthenticationMiddleware" in place of Django's
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from berdaya.core.compiled import CompiledQuery

from .models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_USER = CompiledQuery(lambda pk: User._default_manager.filter(pk=pk), pk=int)
_backend = ModelBackend()


def _signed_in_user(request: HttpRequest) -> Any:
    """The user Django's `auth.get_user` would give, read faster when the session is a plain valid one."""
    session = request.session
    backend_path = session.get(BACKEND_SESSION_KEY)
    session_hash = session.get(HASH_SESSION_KEY)
    raw_id = session.get(SESSION_KEY)
    if backend_path == MODEL_BACKEND and backend_path in settings.AUTHENTICATION_BACKENDS and session_hash:
        try:
            user_id = User._meta.pk.to_python(raw_id)
        except ValidationError:  # not an id: Django's to answer
            user_id = None
        if type(user_id) is int:
            rows = _USER(pk=user_id)
            if rows:
                user = rows[0]
                if _backend.user_can_authenticate(user) and constant_time_compare(
                    session_hash, user.get_session_auth_hash()
                ):
                    return user
    return auth.get_user(request)


def get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = _signed_in_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # its checks, and request.auser (Django's own)
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
