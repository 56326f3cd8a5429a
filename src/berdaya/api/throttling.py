"""Rate limits per token: each token has its own budget, so one busy client cannot slow the others; a signed-in
browser session counts per user; anonymous calls (the public price list) per address.

Counted as a sliding-window counter: the requests of the current window (the rate's period) plus the previous
window's, weighted by how much of it still overlaps the last period. The cache holds three numbers per client
however high the rate, where DRF's SimpleRateThrottle keeps one timestamp per request and reads, unpickles, pickles
and writes back the whole list on every request (at 200 requests/s on one token, 12,000 timestamps, about a
millisecond of each request's CPU and a 100 kB file written per request with the file cache).

Each server process reads the shared count on every request but writes its own requests to it only every
FLUSH_SECONDS or every twentieth of the budget (PENDING_SHARE), whichever comes first, and on every request once the
count reaches FLUSH_AT of the budget: a cache write is a file written and renamed with the production file cache
(about 4 ms of a 10 ms API request at 200 requests/s). A small budget (under 20 a period) is therefore written on
every request, as before; a large one may be overrun by what the other processes have not yet written, at most a
twentieth of it per server process (4 workers: 20 %)."""

from __future__ import annotations

import math
import threading
from typing import Any, ClassVar

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


def _rate(scope: str) -> str:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert isinstance(rates, dict)
    return str(rates[scope])


FLUSH_SECONDS = 0.25
FLUSH_AT = 0.8
PENDING_SHARE = 20
# Past this many clients with unwritten requests, the entries of windows that no longer weigh on any estimate (older
# than the previous one) are dropped: one entry per client seen in the last two periods at most.
PENDING_PRUNE_AT = 1000


class WindowThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rate, scopes and cache keys, counted in a sliding window of two counters."""

    # This process's requests not yet written to the shared count: key -> [window, requests, since].
    pending: ClassVar[dict[str, list[Any]]] = {}
    lock: ClassVar[threading.Lock] = threading.Lock()

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        with self.lock:
            return self._allow()

    def _allow(self) -> bool:
        window = int(self.now // self.duration)
        mine = self.pending.get(self.key)
        if mine is not None and mine[0] != window:
            self._flush(mine)
            mine = None
        current, previous = self._shared(window)
        current += mine[1] if mine is not None else 0
        self._counts = (window, current, previous)
        estimate = self._estimate(current, previous, self.now)
        if estimate >= self.num_requests:
            return False
        if mine is None:
            if len(self.pending) >= PENDING_PRUNE_AT:
                self._prune(window)
            mine = self.pending[self.key] = [window, 0, self.now]
        mine[1] += 1
        if (
            self.now - mine[2] >= FLUSH_SECONDS
            or mine[1] * PENDING_SHARE >= self.num_requests
            or estimate + 1 >= FLUSH_AT * self.num_requests
        ):
            self._flush(mine)
        return True

    @classmethod
    def _prune(cls, window: int) -> None:
        for key in [k for k, (w, _n, _t) in cls.pending.items() if w < window - 1]:
            del cls.pending[key]

    def _shared(self, window: int) -> tuple[int, int]:
        """(this window's, the previous window's) requests in the shared count."""
        stored = self.cache.get(self.key)
        if isinstance(stored, tuple) and len(stored) == 3:
            at, count, before = stored
            if at == window:
                return count, before
            if at == window - 1:
                return 0, count
        return 0, 0

    def _flush(self, mine: list[Any]) -> None:
        """Add this process's pending requests to the shared count of their window."""
        window, count, _since = mine
        self.pending.pop(self.key, None)
        stored = self.cache.get(self.key)
        if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == window + 1:
            # Another process has moved on to the next window: these requests are its previous window's.
            self.cache.set(self.key, (stored[0], stored[1], stored[2] + count), 2 * self.duration)
            return
        current, previous = self._shared(window)
        # Kept two periods: the next window still weighs this one.
        self.cache.set(self.key, (window, current + count, previous), 2 * self.duration)

    def _estimate(self, current: int, previous: int, now: float) -> int:
        # Rounded up: a previous request counts until its weight has fallen a whole request's worth.
        overlap = 1 - (now % self.duration) / self.duration
        return current + math.ceil(previous * overlap - 1e-9)

    def wait(self) -> float | None:
        """Seconds until one more request is allowed (Retry-After)."""
        window, current, previous = self._counts
        into = self.now - window * self.duration
        room = self.num_requests - current
        if room > 0:
            # This window has room once the previous window's weight has fallen below it.
            needed = self.duration * (1 - (room - 1) / previous) - into if previous else 0.0
        else:
            # The next window, where this one's count weighs less and less over the period.
            needed = (self.duration - into) + self.duration * max(0.0, 1 - (self.num_requests - 1) / current)
        return float(max(1, math.ceil(needed)))


class PerTokenThrottle(WindowThrottle):
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


class AnonymousThrottle(WindowThrottle):
    scope = "anon"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request: Any) -> str:
        """The client's address as the login throttle reads it: behind BERDAYA_TRUSTED_PROXIES proxies, the entry the
        nearest trusted proxy appended to X-Forwarded-For, never one the client wrote (DRF's own get_ident takes
        the header's entries as they come, so each request could claim a new address and a fresh budget)."""
        from berdaya.accounts.throttle import client_ip

        return client_ip(request) or "unknown"
