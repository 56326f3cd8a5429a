import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Impact estimates are cached by programme id, and ids come back after a rolled-back test.
    cache.clear()
    yield
    cache.clear()
