"""Login throttling on top of django-axes: per username and address, and per address across usernames.

axes locks a username+address pair after AXES_FAILURE_LIMIT failures; that alone lets one address try a few
passwords against every username (password spraying). An address is therefore also locked, for every username, after
BERDAYA_LOGIN_ADDRESS_LIMIT failures in the cool-off window: a limit high enough that an office behind one NAT does
not lock itself out through a handful of mistyped passwords.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

from berdaya.core.conf import conf


def client_ip(request) -> str | None:
    """The address a login comes from. Behind BERDAYA_TRUSTED_PROXIES reverse proxies, the entry the nearest trusted
    proxy appended to X-Forwarded-For; otherwise REMOTE_ADDR. Entries further left are written by the client and are
    never trusted, so a client cannot pick the address it is throttled under."""
    hops = conf().trusted_proxies
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        # The lockout page says which lock holds (request.berdaya_lock): the address, for every name, or this name
        # from this address. Neither depends on whether the name exists (axes counts failures for any name).
        request.berdaya_lock = "username"
        if from_address >= conf().login_address_limit:
            request.berdaya_lock = "address"
            # Reported as reaching the per-user limit, so axes answers with its usual lockout page for every name.
            return max(failures, get_failure_limit(request, credentials))
        return failures
