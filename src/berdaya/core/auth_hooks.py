"""Bearer-token sign-in for interfaces outside the REST framework (the SPDCI endpoints of `berdaya.dci`).

The tokens belong to `berdaya.api`; `dci` is its sibling and may not import it, and the kernel imports no app. So
the app that owns the tokens registers, from its `AppConfig.ready()`, the one function that turns a request into
the client it is (`register_bearer_authenticator`), and any interface asks `authenticate_bearer(request)`:

    # berdaya/api/apps.py
    def ready(self):
        from berdaya.core.auth_hooks import BearerClient, register_bearer_authenticator
        from .authentication import authenticate_bearer
        from .tokens import origin_of

        def client(request):
            found = authenticate_bearer(request)
            if found is None:
                return None
            user, token = found
            return BearerClient(user=user, client_id=token.prefix, name=token.name,
                                callback_origins=tuple(token.callback_origins), origin_of=origin_of)

        register_bearer_authenticator(client)

The client carries the origins to which Berdaya may POST its asynchronous answers (`allows_callback`), so no request
can make Berdaya call an address its token was not given for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


def _no_origin(url: str) -> str | None:
    return None


@dataclass(frozen=True)
class BearerClient:
    """Who a bearer token is: its user (accounts.User: the same role, scope and masking as on the pages), an id of
    the client (the token's prefix), and where it may receive callbacks."""

    user: Any
    client_id: str
    name: str = ""
    callback_origins: tuple[str, ...] = ()
    # The public keys the client signs its messages with: (key id, algorithm, PEM) each (berdaya.dci.signatures).
    signing_keys: tuple[tuple[str, str, str], ...] = ()
    # The origin of a callback URL written the way callback_origins are ("http://host:port"); set by the token app.
    origin_of: Callable[[str], str | None] = field(default=_no_origin, repr=False, compare=False)

    def allows_callback(self, url: str) -> bool:
        """Whether Berdaya may POST to `url` for this client: its origin is one the token was given."""
        origin = self.origin_of(url)
        return origin is not None and origin in self.callback_origins


BearerAuthenticator = Callable[[HttpRequest], BearerClient | None]
_authenticators: dict[str, BearerAuthenticator] = {}


def register_bearer_authenticator(fn: BearerAuthenticator, name: str = "default") -> None:
    """Install the function that reads a bearer token (registering a name again replaces it)."""
    _authenticators[name] = fn


def unregister_bearer_authenticator(name: str = "default") -> None:
    _authenticators.pop(name, None)


def authenticate_bearer(request: HttpRequest) -> BearerClient | None:
    """The client a request's bearer token is, or None (no token, a bad one, or no token app installed)."""
    for fn in list(_authenticators.values()):
        client = fn(request)
        if client is not None:
            return client
    return None
