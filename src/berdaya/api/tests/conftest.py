from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters and the public price cache live in the cache: each test starts from none.
    cache.clear()
    yield
    cache.clear()
