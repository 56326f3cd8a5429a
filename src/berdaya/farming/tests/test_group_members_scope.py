"""A farmer group's members on the farming pages, as on the registry's group page (registry.selectors.group_members):
partner staff see and count only the members they may see, never one who withdrew consent to sharing with partners; a
facilitator sees the members of their villages and how many others there are, never who. A gapoktan lists the poktans
the user may see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from berdaya.farming import services
from berdaya.registry import choices as c
from berdaya.registry import services as registry_services
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

JANGKAT_1 = "15.02.01.2001"  # the facilitator fixture's village
BANGKO_1 = factories.AREAS["15.02.02"][1][0]
PARTNER_NOTE = "Hanya anggota yang boleh Anda lihat"
LIST_NOTE = "Jumlah anggota hanya menghitung anggota yang boleh Anda lihat."
OTHERS_LINE = "Anggota aktif lain dari luar wilayah Anda: %s orang"


def _member_rows(page: str) -> list[str]:
    table = re.search(r'id="mb-title".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None
    return re.findall(r"<tr\b.*?</tr>", table.group(1), re.S)


def _list_count(page: str, group_name: str) -> int:
    row = re.search(rf"<tr><td><a [^>]*>{re.escape(group_name)}</a>.*?</tr>", page, re.S)
    assert row is not None, group_name
    return int(re.findall(r'<td class="text-end">(\d+)</td>', row.group(0))[-1])


@pytest.fixture
def world(officer, partner):
    """A poktan of the facilitator's village: the head of a household the partner registered (chair), his wife, who
    withdrew consent to sharing with partners, and a farmer of Bangko (secretary). Its gapoktan has a second poktan
    whose only member is the farmer of Bangko."""
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Kepala Terlihat", sex=c.Sex.MALE, birth_date=dt.date(1975, 2, 3))
    wife = factories.person(
        hh=hh, name="Istri Menarik Diri", relationship=c.Relationship.SPOUSE, birth_date=dt.date(1979, 6, 7)
    )
    bangko = factories.person(
        hh=factories.household(village=BANGKO_1), name="Petani Bangko", sex=c.Sex.MALE, birth_date=dt.date(1970, 1, 1)
    )
    gapoktan = factories.group(village=JANGKAT_1, name="Gapoktan Sepakat", kind=c.GroupKind.FARMER_FEDERATION)
    poktan = factories.group(village=JANGKAT_1, name="Poktan Sungai Tenang")
    far = factories.group(village=BANGKO_1, name="Poktan Seberang")
    for group in (poktan, far):
        services.group_profile_save(actor=officer, group=group, data={"parent": gapoktan})
    registry_services.membership_add(actor=officer, group=gapoktan, person=head, role=c.GroupRole.CHAIR)
    registry_services.membership_add(actor=officer, group=poktan, person=head, role=c.GroupRole.CHAIR)
    registry_services.membership_add(actor=officer, group=poktan, person=wife, role=c.GroupRole.TREASURER)
    registry_services.membership_add(actor=officer, group=poktan, person=bangko, role=c.GroupRole.SECRETARY)
    registry_services.membership_add(actor=officer, group=far, person=bangko, role=c.GroupRole.CHAIR)
    registry_services.consent_withdraw(
        actor=officer, person=wife, purpose=c.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=3)
    )
    return {"gapoktan": gapoktan, "poktan": poktan, "far": far, "wife": wife, "bangko": bangko}


def test_partner_staff_see_and_count_only_the_members_they_may_see(partner, world):
    client = client_for(partner)
    page = client.get(reverse("farming:group_profile", args=[world["poktan"].pk])).content.decode()
    rows = _member_rows(page)
    assert len(rows) == 1 and "Kepala Terlihat" in rows[0]
    assert "Istri Menarik Diri" not in page and "Petani Bangko" not in page
    assert "Bendahara" not in page and "Sekretaris" not in page and "Anggota aktif lain" not in page
    assert PARTNER_NOTE in page
    listed = client.get(reverse("farming:group_list")).content.decode()
    assert _list_count(listed, "Poktan Sungai Tenang") == 1 and LIST_NOTE in listed
    assert "Poktan Seberang" not in listed


def test_a_facilitator_sees_their_villages_members_and_how_many_others(facilitator, world):
    client = client_for(facilitator)
    page = client.get(reverse("farming:group_profile", args=[world["poktan"].pk])).content.decode()
    assert len(_member_rows(page)) == 2 and "Istri Menarik Diri" in page
    assert OTHERS_LINE % 1 in page
    assert "Petani Bangko" not in page and "Sekretaris" not in page and PARTNER_NOTE not in page
    listed = client.get(reverse("farming:group_list")).content.decode()
    assert _list_count(listed, "Poktan Sungai Tenang") == 3 and LIST_NOTE not in listed


def test_a_gapoktan_lists_the_poktans_the_user_may_see(partner, officer, world):
    url = reverse("farming:group_profile", args=[world["gapoktan"].pk])
    officer_page = client_for(officer).get(url).content.decode()
    assert "Poktan Sungai Tenang" in officer_page and "Poktan Seberang" in officer_page
    page = client_for(partner).get(url).content.decode()
    assert "Poktan Sungai Tenang" in page
    assert "Poktan Seberang" not in page
    assert reverse("farming:group_profile", args=[world["far"].pk]) not in page
