"""A group's members as each role may see them (UU 27/2022), on the group page, the group list and the ending of a
membership: partner staff see only the members they may see (registry.access.people_visible_to: never one who withdrew
consent to sharing with partners), count only those, and read a note that depends on no one's data; a facilitator
sees the members of their villages by name and, of the group's other active members, only how many there are: no
name, role or dates. Officers see every member."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, translation

from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import GroupMembership
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

JANGKAT_1 = "15.02.01.2001"  # the facilitator fixture's village
BANGKO_1 = factories.AREAS["15.02.02"][1][0]
PARTNER_NOTE = "Hanya anggota yang boleh Anda lihat"
LIST_NOTE = "Jumlah anggota hanya menghitung anggota yang boleh Anda lihat."
OUTSIDE_ROW = "(di luar wilayah Anda)"
OTHERS_LINE = "Anggota aktif lain dari luar wilayah Anda: %s orang"
# Dates no other member has: a row left out must leave neither.
WIFE_JOINED = dt.date(2019, 5, 17)
BANGKO_JOINED = dt.date(2016, 8, 23)


def _shown(day: dt.date) -> str:
    with translation.override("id"):
        return formats.date_format(day)


def _member_rows(page: str) -> list[str]:
    table = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert table is not None
    return re.findall(r"<tr\b.*?</tr>", table.group(1), re.S)


def _list_count(page: str, group_name: str) -> int:
    row = re.search(rf"<tr><td><a [^>]*>{re.escape(group_name)}</a>.*?</tr>", page, re.S)
    assert row is not None, group_name
    return int(re.findall(r'<td class="text-end">(\d+)</td>', row.group(0))[-1])


@pytest.fixture
def world(officer, partner):
    """A poktan of the facilitator's village with three active members: the head of a household the partner's
    organisation registered (chair), his wife, who withdrew consent to sharing with partners (treasurer), and a
    farmer of Bangko whom neither the partner nor the facilitator may see (secretary)."""
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Kepala Terlihat", sex=c.Sex.MALE, birth_date=dt.date(1975, 2, 3))
    wife = factories.person(
        hh=hh, name="Istri Menarik Diri", relationship=c.Relationship.SPOUSE, birth_date=dt.date(1979, 6, 7)
    )
    bangko = factories.person(
        hh=factories.household(village=BANGKO_1), name="Petani Bangko", sex=c.Sex.MALE, birth_date=dt.date(1970, 1, 1)
    )
    group = factories.group(village=JANGKAT_1, name="Poktan Sungai Tenang")
    services.membership_add(actor=officer, group=group, person=head, role=c.GroupRole.CHAIR)
    services.membership_add(actor=officer, group=group, person=wife, role=c.GroupRole.TREASURER, joined_on=WIFE_JOINED)
    services.membership_add(
        actor=officer, group=group, person=bangko, role=c.GroupRole.SECRETARY, joined_on=BANGKO_JOINED
    )
    services.consent_withdraw(
        actor=officer, person=wife, purpose=c.ConsentPurpose.SHARING, on=dt.date.today() - dt.timedelta(days=3)
    )
    return {"group": group, "head": head, "wife": wife, "bangko": bangko}


def test_partner_staff_see_only_the_members_they_may_see_and_no_trace_of_the_others(partner, world):
    page = client_for(partner).get(reverse("registry:group_detail", args=[world["group"].pk])).content.decode()
    rows = _member_rows(page)
    assert len(rows) == 1 and "Kepala Terlihat" in rows[0] and "Ketua" in rows[0]
    # Neither the wife (withdrawn) nor the farmer of Bangko (outside their reach): no row, name, role or dates.
    assert OUTSIDE_ROW not in page
    for person in (world["wife"], world["bangko"]):
        assert person.full_name not in page
        assert reverse("registry:person_detail", args=[person.pk]) not in page
    assert "Bendahara" not in page and "Sekretaris" not in page
    assert _shown(WIFE_JOINED) not in page and _shown(BANGKO_JOINED) not in page
    assert "Anggota aktif lain" not in page
    assert PARTNER_NOTE in page


def test_partner_staff_count_only_the_members_they_see(partner, officer, world):
    url = reverse("registry:group_list")
    officer_list = client_for(officer).get(url).content.decode()
    assert _list_count(officer_list, "Poktan Sungai Tenang") == 3 and LIST_NOTE not in officer_list
    partner_list = client_for(partner).get(url).content.decode()
    assert _list_count(partner_list, "Poktan Sungai Tenang") == 1 and LIST_NOTE in partner_list


def test_the_count_partner_staff_read_does_not_change_with_a_withdrawal(partner, officer, world):
    """What a partner reads of a group is the same whether a member they may not see withdrew consent or was never in
    their reach: here the same group with the wife's consent given again, and she is listed and counted."""
    url = reverse("registry:group_detail", args=[world["group"].pk])
    services.consent_record(
        actor=officer,
        person=world["wife"],
        data={
            "basis": c.ConsentBasis.CONSENT,
            "purpose": "berbagi dengan mitra",
            "purpose_kind": c.ConsentPurpose.SHARING,
            "given_at": dt.date.today(),
            "given_by": c.ConsentGivenBy.SELF,
        },
    )
    page = client_for(partner).get(url).content.decode()
    assert len(_member_rows(page)) == 2 and "Istri Menarik Diri" in page
    listed = client_for(partner).get(reverse("registry:group_list")).content.decode()
    assert _list_count(listed, "Poktan Sungai Tenang") == 2
    # The farmer of Bangko is still nowhere: not counted, not hinted at.
    assert "Petani Bangko" not in page and OUTSIDE_ROW not in page and "Anggota aktif lain" not in page


def test_a_facilitator_sees_their_villages_members_and_only_how_many_others_there_are(facilitator, world):
    page = client_for(facilitator).get(reverse("registry:group_detail", args=[world["group"].pk])).content.decode()
    rows = _member_rows(page)
    # The wife's withdrawal concerns partners only: the facilitator of her village sees her.
    assert len(rows) == 2
    assert "Kepala Terlihat" in page and "Istri Menarik Diri" in page and "Bendahara" in page
    # The farmer of Bangko: counted, never named, nor his role or dates.
    assert OTHERS_LINE % 1 in page
    assert "Petani Bangko" not in page and OUTSIDE_ROW not in page
    assert "Sekretaris" not in page and _shown(BANGKO_JOINED) not in page
    assert reverse("registry:person_detail", args=[world["bangko"].pk]) not in page
    assert PARTNER_NOTE not in page
    listed = client_for(facilitator).get(reverse("registry:group_list")).content.decode()
    assert _list_count(listed, "Poktan Sungai Tenang") == 3  # the rows and the line above


def test_a_facilitator_counts_no_former_member_of_another_village(facilitator, officer, world):
    membership = GroupMembership.objects.get(person=world["bangko"])
    services.membership_end(actor=officer, membership=membership)
    page = client_for(facilitator).get(reverse("registry:group_detail", args=[world["group"].pk])).content.decode()
    assert len(_member_rows(page)) == 2 and "Anggota aktif lain" not in page and OUTSIDE_ROW not in page
    listed = client_for(facilitator).get(reverse("registry:group_list")).content.decode()
    assert _list_count(listed, "Poktan Sungai Tenang") == 2


def test_a_facilitator_cannot_end_the_membership_of_someone_they_may_not_see(facilitator, officer, world):
    membership = GroupMembership.objects.get(person=world["bangko"])
    url = reverse("registry:group_member_end", args=[world["group"].pk, membership.pk])
    assert client_for(facilitator).post(url).status_code == 404
    membership.refresh_from_db()
    assert membership.left_on is None
    # Nor through the service (the view's 404 aside): as for adding one, the member's household must be theirs.
    with pytest.raises(PermissionDenied):
        services.membership_end(actor=facilitator, membership=membership)
    assert client_for(officer).post(url).status_code == 302
    membership.refresh_from_db()
    assert membership.left_on is not None


def test_officers_see_every_member(officer, world):
    page = client_for(officer).get(reverse("registry:group_detail", args=[world["group"].pk])).content.decode()
    rows = _member_rows(page)
    assert len(rows) == 3
    for name in ("Kepala Terlihat", "Istri Menarik Diri", "Petani Bangko"):
        assert name in page
    assert _shown(BANGKO_JOINED) in page and _shown(WIFE_JOINED) in page
    assert "Anggota aktif lain" not in page and OUTSIDE_ROW not in page and PARTNER_NOTE not in page
