"""A household's members as each role may see them (UU 27/2022): partner staff see a household without the member
who withdrew consent to sharing with partners (registry.access.people_visible_to), and without the life events about
that member; a facilitator sees no event about a person of another village (the survivor a merged duplicate's events
moved to). Officers and admins, read through the compiled reads, see every member and event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from berdaya.registry import choices as c
from berdaya.registry import services
from berdaya.registry.models import KKNumber, LifeEvent
from berdaya.testing import factories
from berdaya.testing.clients import client_for
from berdaya.testing.migration import episode

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
    # An event about no one in particular stays, without its note (reads_household_notes: on every household).
    assert "Pecah KK" in page and "Catatan rumah tangga" not in page
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
    assert "Istri Menarik Diri" in page and "Nomor KK berubah: Istri Menarik Diri" in page
    assert "Catatan tentang sang istri" not in page  # free text is not shown to partner staff
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


# --- What a household's other members give away: flags read from them, free-text notes ----------------------------

FEMALE_HEADED = "Rumah tangga dikepalai perempuan"
MIGRANT_FAMILY = "Keluarga pekerja migran"


@pytest.fixture
def widow_family(officer, partner):
    """A household the partner registered: a female head and her son, a migrant worker in Malaysia, who both withdrew
    consent to sharing with partners, and a daughter the partner sees."""
    from berdaya.migration import choices as mc

    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    head = factories.person(hh=hh, name="Ibu Kepala Tersembunyi", sex=c.Sex.FEMALE, birth_date=dt.date(1968, 2, 3))
    son = factories.person(
        hh=hh,
        name="Putra Perantau",
        sex=c.Sex.MALE,
        relationship=c.Relationship.CHILD,
        birth_date=dt.date(1996, 4, 5),
    )
    daughter = factories.person(
        hh=hh,
        name="Putri Terlihat",
        sex=c.Sex.FEMALE,
        relationship=c.Relationship.CHILD,
        birth_date=dt.date(2001, 7, 8),
    )
    episode(son, officer, stage=mc.Stage.WORKING, departure_date=dt.date(2023, 1, 10))
    on = dt.date.today() - dt.timedelta(days=5)
    for person in (head, son):
        services.consent_withdraw(actor=officer, person=person, purpose=c.ConsentPurpose.SHARING, on=on)
    return {"hh": hh, "head": head, "son": son, "daughter": daughter}


def test_partner_staff_get_no_flag_read_from_other_members(officer, partner, widow_family):
    """The daughter's "female-headed household" flag would give the hidden head's sex, and "migrant worker's family"
    names her hidden brother and where he works: neither is shown to partner staff, on her row, her page or the
    people list, nor may they filter by them."""
    daughter = widow_family["daughter"]
    pages = {
        "household": reverse("registry:household_detail", args=[widow_family["hh"].pk]),
        "person": reverse("registry:person_detail", args=[daughter.pk]),
        "list": reverse("registry:person_list") + f"?village={JANGKAT_1}",
    }
    for name, url in pages.items():
        officer_page = client_for(officer).get(url).content.decode()
        assert FEMALE_HEADED in officer_page and MIGRANT_FAMILY in officer_page, name
        page = client_for(partner).get(url).content.decode()
        assert "Putri Terlihat" in page, name
        assert FEMALE_HEADED not in page and MIGRANT_FAMILY not in page, name
        assert "Putra Perantau" not in page and "Ibu Kepala Tersembunyi" not in page, name
    assert "Putra Perantau (Malaysia)" in client_for(officer).get(pages["person"]).content.decode()
    for flag in ("female_headed", "migrant_family"):
        url = reverse("registry:person_list") + f"?flag={flag}"
        assert "Putri Terlihat" in client_for(officer).get(url).content.decode()
        assert "Putri Terlihat" not in client_for(partner).get(url).content.decode()


def test_partner_staff_get_no_flag_read_from_other_members_even_where_none_is_hidden(officer, partner):
    # The same on every household, so that the flag's absence tells of no withdrawal.
    hh = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation)
    factories.person(hh=hh, name="Ibu Kepala Terlihat", sex=c.Sex.FEMALE, birth_date=dt.date(1970, 1, 1))
    factories.person(
        hh=hh, name="Anak Ibu", relationship=c.Relationship.CHILD, sex=c.Sex.MALE, birth_date=dt.date(2000, 1, 1)
    )
    url = reverse("registry:household_detail", args=[hh.pk])
    assert FEMALE_HEADED in client_for(officer).get(url).content.decode()
    page = client_for(partner).get(url).content.decode()
    assert "Ibu Kepala Terlihat" in page and FEMALE_HEADED not in page


def test_partner_staff_read_no_free_text_note_of_a_household_or_its_events(officer, partner, facilitator, family):
    """A KK change's reason and a life event's note may name a member hidden from partner staff: they read neither,
    on any household (here, the notes of the daughter they see as well), only the kind and date."""
    hh, child = family["hh"], family["child"]
    KKNumber.objects.create(
        household=hh, number=factories.kk_number(), valid_from=dt.date(2024, 3, 1), reason="Istri pindah ke Bangko"
    )
    services.person_move_out(actor=officer, person=child, date=dt.date(2025, 1, 2), note="Kuliah di Jambi")
    household_url = reverse("registry:household_detail", args=[hh.pk])
    person_url = reverse("registry:person_detail", args=[child.pk])
    texts = ("Istri pindah ke Bangko", "Catatan rumah tangga", "Kuliah di Jambi")
    for user in (officer, facilitator):
        both = client_for(user).get(household_url).content.decode() + client_for(user).get(person_url).content.decode()
        assert all(text in both for text in texts), user.username
    page = client_for(partner).get(household_url).content.decode()
    person_page = client_for(partner).get(person_url).content.decode()
    for text in texts:
        assert text not in page and text not in person_page, text
    assert "Pecah KK" in page and "Pindah keluar" in page and "Pindah keluar" in person_page


def test_a_split_by_partner_staff_counts_moves_and_promotes_only_the_members_they_see(officer, partner, family):
    """Pecah KK by partner staff: the same answer whether or not a hidden member exists, and a hidden member's record
    is never changed by someone who cannot see it (found by a reviewer: moving every visible member out was
    accepted, and the hidden wife was made head of the old household)."""
    hh, head, wife, child = family["hh"], family["head"], family["wife"], family["child"]
    url = reverse("registry:household_split", args=[hh.pk])
    client = client_for(partner)
    # Every member they see moves out: refused, as on a household with no hidden member.
    every_visible = client.post(url, {"people": [head.pk, child.pk], "new_head": head.pk, "date": "2026-01-01"})
    assert every_visible.status_code == 200
    assert "Paling sedikit satu anggota harus tetap" in every_visible.text
    # A crafted form naming the hidden member is refused like any member outside the household.
    with pytest.raises(ValidationError, match="Hanya anggota aktif"):
        services.household_split(actor=partner, household=hh, people=[wife], new_head=wife, date=dt.date(2026, 1, 1))
    wife.refresh_from_db()
    assert (wife.household_id, wife.relationship) == (hh.pk, c.Relationship.SPOUSE)
    # The head moves out with nobody else: the child (the member they see who stays) leads, the wife is untouched.
    new = services.household_split(actor=partner, household=hh, people=[head], new_head=head, date=dt.date(2026, 1, 1))
    head.refresh_from_db()
    child.refresh_from_db()
    wife.refresh_from_db()
    assert head.household_id == new.pk
    assert child.relationship == c.Relationship.HEAD
    assert (wife.household_id, wife.relationship) == (hh.pk, c.Relationship.SPOUSE)


def test_an_officer_splits_with_every_member_counted_and_the_oldest_who_stays_leading(officer, family):
    hh, head, wife, child = family["hh"], family["head"], family["wife"], family["child"]
    services.household_split(actor=officer, household=hh, people=[head, child], new_head=head, date=dt.date(2026, 1, 1))
    wife.refresh_from_db()
    assert (wife.household_id, wife.relationship) == (hh.pk, c.Relationship.HEAD)


def test_a_migrant_workers_family_contact_is_never_a_member_hidden_from_partner_staff(officer, partner, family):
    # given: the head works abroad, and an officer chose the wife (who withdrew sharing consent) as his family contact
    head, wife = family["head"], family["wife"]
    trip = episode(head, officer, family_contact=wife)
    client = client_for(partner)
    # when: partner staff open a new episode's form, the existing episode and its edit form
    new_form = client.get(reverse("migration:episode_create", args=[head.pk])).content.decode()
    detail = client.get(reverse("migration:episode_detail", args=[trip.pk])).content.decode()
    edit = client.get(reverse("migration:episode_edit", args=[trip.pk])).content.decode()
    # then: her name and id are offered and shown nowhere; the members they see are offered
    for page in (new_form, detail, edit):
        assert "Istri Menarik Diri" not in page
        assert f'value="{wife.pk}"' not in page
    assert "Anak Terlihat" in new_form
    # and saving the edit form as they see it keeps the contact an officer chose
    data = {"destination": trip.destination, "channel": trip.channel, "sector": "", "employer": ""}
    saved = client.post(reverse("migration:episode_edit", args=[trip.pk]), {**data, "employer": "PT Sawit"})
    assert saved.status_code == 302, saved.context["form"].errors
    trip.refresh_from_db()
    assert trip.employer == "PT Sawit"
    assert trip.family_contact_id == wife.pk
    # Officers see and may choose her.
    officer_form = client_for(officer).get(reverse("migration:episode_create", args=[head.pk])).content.decode()
    assert f'value="{wife.pk}"' in officer_form
