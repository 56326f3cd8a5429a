import pytest

from berdaya.testing import factories


@pytest.fixture
def areas(db):
    factories.make_areas()


@pytest.fixture
def officer(areas):
    return factories.user("officer")


@pytest.fixture
def admin_user(areas):
    return factories.user("admin")


@pytest.fixture
def facilitator(areas):
    # Assigned to one village of Jangkat only.
    return factories.user("facilitator", villages=["15.02.01.2001"])


@pytest.fixture
def viewer(areas):
    return factories.user("viewer")


@pytest.fixture
def partner(areas):
    return factories.user("partner", org=factories.organisation("LSM Tani Sejahtera"))
