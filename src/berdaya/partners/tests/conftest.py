import datetime as dt

import pytest

from berdaya.partners import services
from berdaya.partners.models import Organisation
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


def make_agreement(actor, parties, *, start=None, end=None, pemkab=True, **data):
    today = dt.date.today()
    return services.agreement_create(
        actor=actor,
        data={
            "kind": data.pop("kind", "pks"),
            "title": data.pop("title", "PKS Pemberdayaan Petani"),
            "parties": parties,
            "pemkab_is_party": pemkab,
            "start_date": start or today - dt.timedelta(days=100),
            "end_date": end or today + dt.timedelta(days=200),
            **data,
        },
    )
