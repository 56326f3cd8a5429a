import pytest

from berdaya.targeting import services


@pytest.fixture
def score_config(db):
    return services.score_config_active()
