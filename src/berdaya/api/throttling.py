"""Rate limits per token: each token has its own budget, so one busy client cannot slow the others; a signed-in
browser session counts per user; anonymous calls (the public price list) per address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


def _rate(scope: str) -> str:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert isinstance(rates, dict)
    return str(rates[scope])


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str | None:
        # Read at each request (not once at import) so a deployment's setting, and a test's, take effect.
        return _rate(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # anonymous calls are counted by AnonThrottle where a view allows them
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousThrottle(SimpleRateThrottle):
    scope = "anon"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
