import pytest

from berdaya.organisations.models import Organisation
from berdaya.testing import factories as f


@pytest.fixture
def org_a(areas):
    return f.organisation("LSM Tani Sejahtera", Organisation.Kind.NGO)


@pytest.fixture
def org_b(areas):
    return f.organisation("PT Kopi Sumatra Lestari", Organisation.Kind.COMPANY)


@pytest.fixture
def partner_b(org_b):
    return f.user("partner", org=org_b)
