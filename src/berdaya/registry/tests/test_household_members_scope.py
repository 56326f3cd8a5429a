"""A household's members as each role may see them (UU 27/2022): partner staff see a household without the member
who withdrew consent to sharing with partners (registry.access.people_visible_to), and without the life events about
that member; a facilitator sees no event about a person of another village (the survivor a merged duplicate's events
moved to). Officers and admins, read through the compiled reads, see every member and event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import LifeEvent
from berdaya.testing import factories
from berdaya.testing.clients import client_for

pytestmark = pytest.mark.django_db

JANGKAT_1 = "15.02.01.2001"  # the facilitator fixture's village
BANGKO_1 = factories.AREAS["15.02.02"][1][0]
NOTE = "Hanya anggota yang datanya boleh dibagikan kepada mitra yang ditampilkan"


def _member_rows(page: str) -> list[str]:
    table = re.search(r'id="members-title".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None
    return re.findall(r"<tr\b.*?</tr>", table.group(1), re.S)


@pytest.fixture
def family(officer, partner):
    """A household the partner's organisation registered: a head, a wife who withdrew consent to sharing with
    partners, a child; an event about the wife and one about no one in particular."""
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Kepala Terlihat", sex=c.Sex.MALE, birth_date=dt.date(1975, 2, 3))
    wife = factories.person(
        hh=hh, name="Istri Menarik Diri", relationship=c.Relationship.SPOUSE, birth_date=dt.date(1979, 6, 7)
    )
    child = factories.person(
        hh=hh, name="Anak Terlihat", relationship=c.Relationship.CHILD, birth_date=dt.date(2008, 1, 9)
    )
    # Withdrawn some days ago, so that consent given again today stands after it.
    on = dt.date.today() - dt.timedelta(days=10)
    services.consent_withdraw(actor=officer, person=wife, purpose=c.ConsentPurpose.SHARING, on=on)
    LifeEvent.objects.create(
        kind=c.LifeEventKind.KK_CHANGED,
        date=dt.date(2024, 3, 1),
        household=hh,
        person=wife,
        note="Catatan tentang sang istri",
        recorded_by=officer,
    )
    LifeEvent.objects.create(
        kind=c.LifeEventKind.SPLIT,
        date=dt.date(2024, 4, 1),
        household=hh,
        note="Catatan rumah tangga",
        recorded_by=officer,
    )
    return {"hh": hh, "head": head, "wife": wife, "child": child}


def test_partner_staff_see_the_household_without_the_member_who_withdrew_sharing_consent(partner, family):
    wife = family["wife"]
    page = client_for(partner).get(reverse("registry:household_detail", args=[family["hh"].pk])).content.decode()
    rows = _member_rows(page)
    assert len(rows) == 2
    assert "Kepala Terlihat" in rows[0] and "Anak Terlihat" in rows[1]
    # Nothing of hers anywhere on the page: name, link, the event about her and its note.
    assert wife.full_name not in page
    assert reverse("registry:person_detail", args=[wife.pk]) not in page
    assert "Catatan tentang sang istri" not in page
    assert "Catatan rumah tangga" in page  # an event about no one in particular stays
    assert NOTE in page
    # As her own page: not found.
    assert client_for(partner).get(reverse("registry:person_detail", args=[wife.pk])).status_code == 404


def test_a_withdrawal_of_every_purpose_hides_the_member_too_and_consent_given_again_shows_them(
    officer, partner, family
):
    child = family["child"]
    url = reverse("registry:household_detail", args=[family["hh"].pk])
    services.consent_withdraw(actor=officer, person=child, purpose=c.ConsentPurpose.ALL)
    page = client_for(partner).get(url).content.decode()
    assert len(_member_rows(page)) == 1 and "Anak Terlihat" not in page
    services.consent_record(
        actor=officer,
        person=family["wife"],
        data={
            "basis": c.ConsentBasis.CONSENT,
            "purpose": "berbagi dengan mitra",
            "purpose_kind": c.ConsentPurpose.SHARING,
            "given_at": dt.date.today(),
            "given_by": c.ConsentGivenBy.SELF,
        },
    )
    page = client_for(partner).get(url).content.decode()
    assert "Istri Menarik Diri" in page and "Catatan tentang sang istri" in page
    assert "Anak Terlihat" not in page


def test_regency_staff_and_the_village_facilitator_see_every_member_and_event(officer, admin_user, facilitator, family):
    url = reverse("registry:household_detail", args=[family["hh"].pk])
    # The officer first: the compiled reads are then made, and must serve the admin the same and no one else.
    for user in (officer, admin_user, facilitator):
        page = client_for(user).get(url).content.decode()
        rows = _member_rows(page)
        assert len(rows) == 3, user.username
        assert "Istri Menarik Diri" in rows[1], user.username
        assert "Catatan tentang sang istri" in page and "Catatan rumah tangga" in page, user.username
        assert NOTE not in page, user.username


def test_partner_staff_read_the_same_note_on_a_household_where_no_member_is_hidden(partner, officer, family):
    # The note depends on no one's data: its presence says nothing of a withdrawal.
    other = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    factories.person(hh=other, name="Warga Biasa")
    page = client_for(partner).get(reverse("registry:household_detail", args=[other.pk])).content.decode()
    assert NOTE in page and len(_member_rows(page)) == 1


def test_the_split_page_offers_partner_staff_only_the_members_they_see(partner, officer, family):
    url = reverse("registry:household_split", args=[family["hh"].pk])
    page = client_for(partner).get(url).content.decode()
    assert "Kepala Terlihat" in page and "Anak Terlihat" in page
    assert "Istri Menarik Diri" not in page and f'value="{family["wife"].pk}"' not in page
    assert "Istri Menarik Diri" in client_for(officer).get(url).content.decode()


def test_a_facilitator_sees_no_event_about_a_person_of_another_village(officer, facilitator):
    """A duplicate in the facilitator's village merged into its survivor in Bangko: the events recorded on the
    duplicate now name the survivor, whom the facilitator may not see."""
    home = factories.household(village=JANGKAT_1)
    factories.person(hh=home, name="Kepala Desa Tugas", sex=c.Sex.MALE, birth_date=dt.date(1970, 1, 1))
    duplicate = factories.person(hh=home, name="Wawan", sex=c.Sex.MALE, birth_date=dt.date(1980, 4, 2))
    LifeEvent.objects.create(
        kind=c.LifeEventKind.KK_CHANGED,
        date=dt.date(2024, 1, 1),
        household=home,
        person=duplicate,
        note="Catatan pindah",
        recorded_by=officer,
    )
    survivor = factories.person(
        hh=factories.household(village=BANGKO_1), name="Hermawan Bangko", sex=c.Sex.MALE, birth_date=dt.date(1980, 4, 2)
    )
    services.persons_merge(actor=officer, survivor=survivor, merged=duplicate, reason="data ganda")
    assert LifeEvent.objects.get(household=home).person_id == survivor.pk
    url = reverse("registry:household_detail", args=[home.pk])
    page = client_for(facilitator).get(url).content.decode()
    assert "Kepala Desa Tugas" in page
    assert "Hermawan Bangko" not in page and "Catatan pindah" not in page
    assert client_for(facilitator).get(reverse("registry:person_detail", args=[survivor.pk])).status_code == 404
    officer_page = client_for(officer).get(url).content.decode()
    assert "Hermawan Bangko" in officer_page and "Catatan pindah" in officer_page
