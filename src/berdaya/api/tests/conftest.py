from __future__ import annotations

import pytest
from django.core.cache import cache

from berdaya.api.throttling import WindowThrottle


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters (the cache and this process's pending ones) and the public price cache: each test starts
    # from none.
    cache.clear()
    WindowThrottle.pending.clear()
    yield
    cache.clear()
    WindowThrottle.pending.clear()
