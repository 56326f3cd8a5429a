"""The registry pages as their users meet them: scope, masking, bad input, CSRF."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from berdaya.registry.models import Household, KKNumber, LifeEvent, Person
from berdaya.testing import factories
from berdaya.testing.clients import client_for


def _member(prefix: str, **overrides) -> dict[str, str]:
    data = {
        "full_name": "Rahmat Hidayat",
        "nik": factories.nik(birth_date=dt.date(1980, 5, 17), sex="M"),
        "nik_missing_reason": "",
        "sex": "M",
        "birth_date": "1980-05-17",
        "relationship": "head",
        "birth_place": "Bangko",
        "marital_status": "married",
        "education": "primary",
        "occupation": "farmer",
        "phone": "",
    }
    data.update(overrides)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def _registration(village="15.02.01.2001", members=None, **household) -> dict[str, str]:
    members = members if members is not None else [_member("m-0")]
    data = {
        "kk_number": "",
        "village": village,
        "address": "Jl. Lintas Sumatera",
        "rt": "003",
        "rw": "001",
        "land_operated_ha": "0.8",
        "land_tenure": "own",
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "30",
    }
    for member in members:
        data.update(member)
    data.update(household)
    return data


@pytest.mark.django_db
class TestScope:
    def test_it_answers_404_to_a_facilitator_for_a_household_outside_their_villages(self, facilitator):
        outside = factories.person(hh=factories.household(village="15.02.02.1010"))
        inside = factories.person(hh=factories.household(village="15.02.01.2001"), name="Dalam Wilayah")
        client = client_for(facilitator)

        assert client.get(reverse("registry:household_detail", args=[outside.household_id])).status_code == 404
        assert client.get(reverse("registry:person_detail", args=[outside.pk])).status_code == 404
        assert client.get(reverse("registry:household_detail", args=[inside.household_id])).status_code == 200
        listing = client.get(reverse("registry:person_list")).content.decode()
        assert "Dalam Wilayah" in listing
        assert outside.full_name not in listing

    def test_it_never_shows_a_viewer_a_nik_or_a_name(self, viewer, officer):
        person = factories.person(name="Rahasia Pribadi", phone="081234567890")
        client = client_for(viewer)

        dashboard = client.get(reverse("dashboard"))
        assert dashboard.status_code == 200
        assert person.nik not in dashboard.content.decode()
        assert client.get(reverse("registry:person_list")).status_code == 403
        assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 404
        assert client.get(reverse("registry:household_detail", args=[person.household_id])).status_code == 404
        # The officer, for contrast, does see the number.
        assert (
            person.nik in client_for(officer).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
        )

    def test_it_masks_nik_and_phone_for_partner_staff(self, partner):
        hh = factories.household(registered_by_organisation=partner.organisation)
        person = factories.person(hh=hh, phone="081234567890")
        page = client_for(partner).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
        assert person.full_name in page
        assert person.nik not in page
        assert "081234567890" not in page

    def test_it_changes_nothing_when_a_facilitator_posts_outside_their_scope(self, facilitator):
        outside = factories.person(hh=factories.household(village="15.02.02.1010"), name="Tetap Sama")
        client = client_for(facilitator)
        response = client.post(
            reverse("registry:person_edit", args=[outside.pk]),
            {"full_name": "Diubah", "sex": "F", "birth_date": "1985-03-14", "relationship": "head"},
        )
        assert response.status_code == 404
        outside.refresh_from_db()
        assert outside.full_name == "Tetap Sama"

    def test_it_refuses_a_post_without_csrf_token(self, officer):
        person = factories.person(name="Tetap Sama")
        client = Client(enforce_csrf_checks=True)
        client.force_login(officer)
        response = client.post(
            reverse("registry:person_event", args=[person.pk, "death"]), {"date": "2024-01-01", "note": ""}
        )
        assert response.status_code == 403
        person.refresh_from_db()
        assert person.status == "active"

    def test_it_sends_anonymous_users_to_the_login_page(self, areas):
        response = Client().get(reverse("registry:person_list"))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


@pytest.mark.django_db
class TestSearch:
    def test_it_finds_people_by_name_nik_and_kk(self, officer):
        hh = factories.household(kk_number="1502010101200001")
        siti = factories.person(hh=hh, name="Siti Nurhaliza")
        other = factories.person(name="Budi Darmawan", sex="M", birth_date=dt.date(1970, 1, 1))
        client = client_for(officer)

        def names(q: str) -> str:
            return client.get(reverse("registry:person_list"), {"q": q}).content.decode()

        assert "Siti Nurhaliza" in names("nurhaliza")
        assert "Budi Darmawan" not in names("nurhaliza")
        assert "Siti Nurhaliza" in names(siti.nik)
        assert "Siti Nurhaliza" in names("1502010101200001")
        assert "Budi Darmawan" in names(other.nik)

    def test_it_returns_only_the_table_to_htmx(self, officer):
        factories.person(name="Siti Nurhaliza")
        response = client_for(officer).get(
            reverse("registry:person_list"), {"q": "siti"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-table"
        )
        body = response.content.decode()
        assert "Siti Nurhaliza" in body
        assert "<html" not in body

    def test_it_keeps_pages_to_a_fixed_number_of_queries(self, officer, django_assert_max_num_queries):
        for i in range(30):
            factories.person(name=f"Warga {i}", hh=factories.household())
        client = client_for(officer)
        client.get(reverse("registry:person_list"))  # warm the session and content types
        with django_assert_max_num_queries(12):
            response = client.get(reverse("registry:person_list"))
        assert response.status_code == 200


@pytest.mark.django_db
class TestRegistration:
    def test_it_registers_a_household_with_two_members(self, officer):
        spouse = _member(
            "m-1",
            full_name="Nur Aini",
            sex="F",
            birth_date="1983-08-02",
            relationship="spouse",
            nik=factories.nik(birth_date=dt.date(1983, 8, 2), sex="F"),
        )
        data = _registration(members=[_member("m-0"), spouse], **{"m-TOTAL_FORMS": "2"})
        response = client_for(officer).post(reverse("registry:household_register"), data)

        assert response.status_code == 302, response.content.decode()[:2000]
        household = Household.objects.get()
        assert sorted(household.members.values_list("full_name", flat=True)) == ["Nur Aini", "Rahmat Hidayat"]
        assert household.members.get(full_name="Rahmat Hidayat").history.first().history_user == officer

    @pytest.mark.parametrize(
        ("override", "field_text"),
        [
            ({"m-0-nik": "12345"}, "NIK: NIK harus 16 digit"),
            ({"m-0-nik": "9999990101800001"}, "NIK: 6 digit awal NIK (999999) bukan kode kecamatan"),
            ({"m-0-birth_date": "2024-02-30"}, "Tanggal lahir:"),
            ({"village": "99.99.99.9999"}, "Desa/kelurahan:"),
            ({"m-0-full_name": "x" * 200}, "Nama lengkap:"),
            ({"m-0-phone": "12ab"}, "Nomor HP: Nomor HP tidak sah"),
            ({"kk_number": "15020101"}, "Nomor KK: Nomor KK harus 16 digit"),
        ],
    )
    def test_it_explains_bad_input_in_indonesian_and_saves_nothing(self, officer, override, field_text):
        response = client_for(officer).post(reverse("registry:household_register"), {**_registration(), **override})

        assert response.status_code == 200
        errors = re.findall(r'class="invalid-feedback d-block" role="alert">([^<]*)<', response.content.decode())
        assert any(error.startswith(field_text) for error in errors), errors
        assert Household.objects.count() == 0
        assert Person.objects.count() == 0

    def test_it_refuses_a_duplicate_nik_naming_the_field(self, officer):
        existing = factories.person(birth_date=dt.date(1980, 5, 17), sex="M", name="Pemilik Asli")
        data = _registration(members=[_member("m-0", nik=existing.nik)])
        response = client_for(officer).post(reverse("registry:household_register"), data)

        assert response.status_code == 200
        assert "sudah terdaftar" in response.content.decode()
        assert Person.objects.count() == 1

    def test_it_lets_a_facilitator_register_only_in_their_villages(self, facilitator):
        client = client_for(facilitator)
        outside = client.post(reverse("registry:household_register"), _registration(village="15.02.02.1010"))
        assert outside.status_code == 200
        assert Household.objects.count() == 0
        inside = client.post(reverse("registry:household_register"), _registration(village="15.02.01.2001"))
        assert inside.status_code == 302
        assert Household.objects.count() == 1

    def test_it_lets_an_officer_accept_a_failing_nik_with_a_reason(self, officer):
        bad_nik = factories.nik(birth_date=dt.date(1981, 5, 17), sex="M")  # birth year differs from the form
        data = _registration(members=[_member("m-0", nik=bad_nik, nik_override_reason="KTP lama, sudah dicek")])
        response = client_for(officer).post(reverse("registry:household_register"), data)
        assert response.status_code == 302
        assert Person.objects.get().nik_override_reason == "KTP lama, sudah dicek"


@pytest.mark.django_db
class TestEditing:
    def test_it_shows_who_changed_what(self, officer):
        person = factories.person(name="Siti Aminah")
        client = client_for(officer)
        response = client.post(
            reverse("registry:person_edit", args=[person.pk]),
            {
                "full_name": "Siti Aminah Lubis",
                "nik": person.nik,
                "sex": "F",
                "birth_date": "1985-03-14",
                "relationship": "head",
                "occupation": "trader",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
        assert "Siti Aminah Lubis" in page
        assert officer.username in page
        assert "Pedagang" in page

    def test_it_records_a_death_as_an_event(self, officer):
        person = factories.person()
        response = client_for(officer).post(
            reverse("registry:person_event", args=[person.pk, "death"]), {"date": "2025-06-01", "note": "sakit"}
        )
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.status == "deceased"
        assert person.events.get().kind == "death"

    def test_it_refuses_a_death_date_in_the_future(self, officer):
        person = factories.person()
        future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
        response = client_for(officer).post(
            reverse("registry:person_event", args=[person.pk, "death"]), {"date": future}, follow=True
        )
        assert "masa depan" in response.content.decode()
        person.refresh_from_db()
        assert person.status == "active"


@pytest.mark.django_db
class TestGroups:
    def test_it_creates_a_group_and_adds_a_member(self, officer):
        person = factories.person(hh=factories.household(village="15.02.01.2001"))
        client = client_for(officer)
        response = client.post(
            reverse("registry:group_create"),
            {"name": "Poktan Karya Tani", "kind": "poktan", "village": "15.02.01.2001", "registration_number": ""},
        )
        assert response.status_code == 302
        group_url = response["Location"]
        group_id = int(group_url.rstrip("/").split("/")[-1])
        add = client.post(reverse("registry:group_member_add", args=[group_id]), {"person": person.pk, "role": "chair"})
        assert add.status_code == 302
        page = client.get(group_url).content.decode()
        assert person.full_name in page
        assert "Ketua" in page

    def test_it_refuses_a_duplicate_group_name_in_the_same_village(self, officer):
        factories.group(name="Poktan Maju")
        response = client_for(officer).post(
            reverse("registry:group_create"), {"name": "Poktan Maju", "kind": "poktan", "village": "15.02.01.2001"}
        )
        assert response.status_code == 200
        assert "Sudah ada kelompok" in response.content.decode()


@pytest.mark.django_db
def test_it_speaks_indonesian_by_default_and_english_on_request(officer):
    client = client_for(officer)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert response["Content-Language"] == "id"
    client.cookies["django_language"] = "en"
    assert client.get(reverse("dashboard"))["Content-Language"] == "en"


@pytest.mark.django_db
def test_it_puts_a_member_error_on_that_member(officer):
    taken = factories.person(birth_date=dt.date(1990, 1, 1), sex="F", name="Sudah Ada")
    second = _member(
        "m-1", full_name="Anak Kedua", sex="F", birth_date="1990-01-01", relationship="child", nik=taken.nik
    )
    data = _registration(members=[_member("m-0"), second], **{"m-TOTAL_FORMS": "2"})
    response = client_for(officer).post(reverse("registry:household_register"), data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert "nik" in forms[1].errors
    assert Household.objects.count() == 1  # only the one `taken` lives in


@pytest.mark.django_db
def test_it_renders_ids_above_a_thousand_without_separators(officer):
    # An id rendered as "12.345" (Indonesian thousands) in a hidden input would point at nobody.
    group = factories.group()
    person = factories.person(id=12345, name="Warga Ribuan")
    response = client_for(officer).get(reverse("registry:group_member_search", args=[group.pk]), {"q": "Ribuan"})
    assert 'value="12345"' in response.content.decode()
    assert person.pk == 12345


@pytest.mark.django_db
def test_it_labels_the_blank_filter_choices_in_indonesian(officer):
    page = client_for(officer).get(reverse("registry:person_list")).content.decode()
    assert "---------" not in page
    assert '<option value="" selected>Semua</option>' in page


@pytest.mark.django_db
def test_it_shows_every_registration_error_at_once_in_a_summary_with_links(officer):
    # given two heads and a 15-digit NIK on member 3 (issue #15, item 2)
    second_head = _member(
        "m-1",
        full_name="Kepala Kedua",
        nik=factories.nik(birth_date=dt.date(1982, 4, 21), sex="F"),
        sex="F",
        birth_date="1982-04-21",
    )
    child_nik = factories.nik(birth_date=dt.date(2010, 2, 3), sex="M")[:15]
    third = _member("m-2", full_name="Anak", nik=child_nik, birth_date="2010-02-03", relationship="child")
    data = _registration(members=[_member("m-0"), second_head, third], **{"m-TOTAL_FORMS": "3"})

    # when it is submitted once
    response = client_for(officer).post(reverse("registry:household_register"), data)

    # then both errors come back together, nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary".*?</div>', html, re.S).group(0)
    assert "tepat satu kepala keluarga (tercatat 2)" in summary
    assert 'href="#id_m-2-nik"' in summary
    assert "Anggota 3 · NIK" in summary
    # one message per error: the 16-digit rule once, not twice in two wordings
    nik_errors = response.context["formset"].forms[2].errors["nik"]
    assert len(nik_errors) == 1, nik_errors
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_name_longer_than_the_limit_and_says_the_limit(officer):
    data = _registration(members=[_member("m-0", full_name="Nama Sangat Panjang " * 20)])
    response = client_for(officer).post(reverse("registry:household_register"), data)
    assert response.status_code == 200
    assert "paling banyak 150 karakter" in response.content.decode()
    assert 'maxlength="150"' in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_long_kk_change_reason_is_refused_not_cut(officer):
    household = factories.household()
    factories.person(hh=household)
    client = client_for(officer)
    data = {
        "village": household.village_id,
        "address": "Jl. Baru",
        "land_operated_ha": "0",
        "land_tenure": "none",
        "kk_number": factories.kk_number(),
        "kk_reason": "x" * 250,
    }
    response = client.post(reverse("registry:household_edit", args=[household.pk]), data)
    assert response.status_code == 200
    assert "paling banyak 200 karakter (tertulis 250)" in response.content.decode()
    household.refresh_from_db()
    assert household.address != "Jl. Baru"


@pytest.mark.django_db
def test_the_household_page_shows_each_households_own_members_kk_numbers_and_events(officer):
    # The page's reads are compiled once (core.compiled) and run again with each household's id: two households in
    # a row must each show their own members (head, spouse, then by age; not a merged duplicate), KK history and events.
    first, second = factories.household(), factories.household(village="15.02.01.2002")
    head = factories.person(hh=first, name="Kepala Pertama", sex="M", birth_date=dt.date(1970, 1, 1))
    factories.person(hh=first, name="Anak Muda", relationship="child", birth_date=dt.date(2010, 1, 1))
    factories.person(hh=first, name="Istri Pertama", relationship="spouse", birth_date=dt.date(1975, 1, 1))
    factories.person(hh=first, name="Anak Tua", relationship="child", birth_date=dt.date(2000, 1, 1))
    factories.person(hh=first, name="Data Ganda", relationship="child", status="merged", merged_into=head)
    factories.person(hh=second, name="Kepala Kedua", sex="M")
    KKNumber.objects.create(household=first, number="1502010101700001", valid_from=dt.date(2015, 1, 1))
    KKNumber.objects.create(household=second, number="1502010202800002", valid_from=dt.date(2018, 1, 1))
    LifeEvent.objects.create(
        kind="moved_out", date=dt.date(2024, 2, 3), household=first, person=head, recorded_by=officer, note="Ke kota"
    )
    client = client_for(officer)
    page_one = client.get(reverse("registry:household_detail", args=[first.pk])).content.decode()
    page_two = client.get(reverse("registry:household_detail", args=[second.pk])).content.decode()
    order = [page_one.index(name) for name in ["Kepala Pertama", "Istri Pertama", "Anak Tua", "Anak Muda"]]
    assert order == sorted(order)
    assert "Data Ganda" not in page_one and "Kepala Kedua" not in page_one
    assert "1502010101700001" in page_one and "1502010202800002" not in page_one
    assert "Ke kota" in page_one and "Ke kota" not in page_two
    assert "Kepala Kedua" in page_two and "Kepala Pertama" not in page_two
    assert "1502010202800002" in page_two
    assert first.village.name in page_one and first.village.district.name in page_one


# --- The person and household pages, role by role (officers' and admins' reads are compiled once: access.py) -------

JANGKAT_1, JANGKAT_2 = factories.AREAS["15.02.01"][1]
BANGKO_1, BANGKO_2 = factories.AREAS["15.02.02"][1]
KK_MINE = "1502011506180003"


@pytest.fixture
def homes(officer, partner):
    """A household in each village: Bangko 1 registered by another organisation, Bangko 2 by the partner's; the one
    in Jangkat 2 reached by the partner through a participant of a programme its organisation runs."""
    from berdaya.programmes.models import Enrolment
    from berdaya.testing import programmes as tp

    other = factories.organisation("Yayasan Lain")
    made = {
        JANGKAT_1: factories.household(village=JANGKAT_1, kk_number=KK_MINE),
        JANGKAT_2: factories.household(village=JANGKAT_2),
        BANGKO_1: factories.household(village=BANGKO_1, registered_by_organisation=other),
        BANGKO_2: factories.household(village=BANGKO_2, registered_by_organisation=partner.organisation),
    }
    people = {code: factories.person(hh=hh, name=f"Warga {code}") for code, hh in made.items()}
    Enrolment.objects.create(
        programme=tp.programme(partner), person=people[JANGKAT_2], enrolled_on=dt.date(2025, 1, 10), created_by=partner
    )
    return made, people


def _pages_seen(user, homes) -> tuple[set[str], set[str]]:
    """The villages whose household page and person page `user` gets (200); anything else must be a 404."""
    households, people = homes
    client = client_for(user)
    seen: tuple[set[str], set[str]] = (set(), set())
    for code in households:
        for found, url in zip(
            seen,
            [
                reverse("registry:household_detail", args=[households[code].pk]),
                reverse("registry:person_detail", args=[people[code].pk]),
            ],
            strict=True,
        ):
            status = client.get(url).status_code
            assert status in (200, 404), (user.username, url, status)
            if status == 200:
                found.add(code)
    return seen


@pytest.mark.django_db
def test_each_role_gets_the_person_and_household_pages_of_its_own_scope_only(
    officer, admin_user, facilitator, partner, viewer, homes
):
    everywhere = {JANGKAT_1, JANGKAT_2, BANGKO_1, BANGKO_2}
    other_partner = factories.user("partner", org=factories.organisation("Yayasan Lain"))
    bangko_facilitator = factories.user("facilitator", districts=["15.02.02"])
    root = factories.user("partner", username="root", org=partner.organisation)
    root.is_superuser = True
    root.save()  # a superuser acts as an admin, whatever role it was given
    # The officer first: the compiled reads are then made, and must not serve anyone else's request.
    expected = [
        (officer, everywhere),
        (facilitator, {JANGKAT_1}),
        (admin_user, everywhere),
        (partner, {BANGKO_2, JANGKAT_2}),
        (other_partner, {BANGKO_1}),
        (bangko_facilitator, {BANGKO_1, BANGKO_2}),
        (viewer, set()),
        (root, everywhere),
    ]
    for user, villages in expected:
        assert _pages_seen(user, homes) == (villages, villages), user.username


@pytest.mark.django_db
def test_a_role_changed_or_an_account_closed_counts_from_the_next_request(officer, homes):
    client = client_for(officer)
    bangko_page = reverse("registry:person_detail", args=[homes[1][BANGKO_1].pk])
    household_page = reverse("registry:household_detail", args=[homes[0][BANGKO_1].pk])
    assert client.get(bangko_page).status_code == client.get(household_page).status_code == 200
    officer.role = "facilitator"
    officer.save()
    officer.villages.set([JANGKAT_1])
    assert client.get(bangko_page).status_code == client.get(household_page).status_code == 404
    assert client.get(reverse("registry:person_detail", args=[homes[1][JANGKAT_1].pk])).status_code == 200
    officer.role = "officer"
    officer.save()
    assert client.get(bangko_page).status_code == 200
    officer.is_active = False
    officer.save()
    response = client.get(bangko_page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_household_page_masks_nik_and_kk_for_partner_staff_and_shows_them_to_regency_staff(
    officer, admin_user, facilitator, partner
):
    mine = factories.household(village=JANGKAT_1, registered_by_organisation=partner.organisation, kk_number=KK_MINE)
    head = factories.person(hh=mine, name="Kepala Keluarga")
    KKNumber.objects.create(household=mine, number="1502010101700009", valid_from=dt.date(2015, 1, 1))
    url = reverse("registry:household_detail", args=[mine.pk])
    partner_page = client_for(partner).get(url).content.decode()
    assert "Kepala Keluarga" in partner_page
    for secret in (head.nik, KK_MINE, "1502010101700009"):
        assert secret not in partner_page, secret
    assert "••••" in partner_page
    for user in (officer, admin_user, facilitator):
        page = client_for(user).get(url).content.decode()
        assert head.nik in page and KK_MINE in page and "1502010101700009" in page, user.username
    person_page = client_for(partner).get(reverse("registry:person_detail", args=[head.pk])).content.decode()
    assert head.nik not in person_page and KK_MINE not in person_page


@pytest.mark.django_db
def test_a_merged_records_id_leads_to_its_survivor_for_whoever_sees_it_and_is_404_for_the_others(
    officer, facilitator, partner, homes
):
    from berdaya.registry import services

    inside, outside = homes[1][JANGKAT_1], homes[1][BANGKO_1]
    aliases = {}
    for survivor in (inside, outside):
        duplicate = factories.person(hh=survivor.household, name=f"Ganda {survivor.pk}", relationship="child")
        services.persons_merge(actor=officer, survivor=survivor, merged=duplicate, reason="data ganda")
        aliases[survivor.pk] = duplicate.pk
    for user, survivors in [(officer, [inside, outside]), (facilitator, [inside]), (partner, [])]:
        client = client_for(user)
        for survivor in (inside, outside):
            response = client.get(reverse("registry:person_detail", args=[aliases[survivor.pk]]))
            if survivor in survivors:
                assert response.status_code == 302, user.username
                assert response["Location"] == reverse("registry:person_detail", args=[survivor.pk])
            else:
                assert response.status_code == 404, user.username


@pytest.mark.django_db
def test_the_registry_lists_district_choices_once_each_and_keeps_the_chosen_one(officer, facilitator):
    for user in (officer, facilitator):
        page = client_for(user).get(reverse("registry:person_list"), {"district": "15.02.02"}).content.decode()
        select = page[page.index('id="id_district"') : page.index("</select>", page.index('id="id_district"'))]
        assert re.findall(r'<option value="([^"]*)"', select) == ["", "15.02.01", "15.02.02"], user.username
        assert re.findall(r'<option value="([^"]*)" selected', select) == ["15.02.02"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["registry:person_list", "registry:group_list"])
def test_each_filter_select_has_one_blank_choice(officer, page):
    html = client_for(officer).get(reverse(page)).content.decode()
    selects = dict(re.findall(r'<select name="([^"]+)"(.*?)</select>', html, re.S))
    assert selects
    assert {name: options.count('value=""') for name, options in selects.items()} == dict.fromkeys(selects, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "seeing", "hearing"),
    [("en", "Difficulty seeing", "Difficulty hearing"), ("id", "Sulit melihat", "Sulit mendengar")],
)
def test_the_disability_filter_reads_in_the_chosen_language(officer, language, seeing, hearing):
    client = client_for(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("registry:person_list")).content.decode()
    assert f'<option value="wgss_seeing">{seeing}</option>' in html
    assert f'<option value="wgss_hearing">{hearing}</option>' in html


@pytest.mark.django_db
def test_the_consent_panel_leads_the_data_protection_officer_to_a_data_subject_request(officer):
    """A withdrawal of consent (to sharing with partners, say) is a data-subject request with its legal clock, not a
    line in the consent panel: the person page says so and links to the request form, for the roles that handle
    such requests."""
    person = factories.person()
    page = client_for(officer).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert f'href="{reverse("privacy:request_new")}?person={person.pk}"' in page
    facilitator = factories.user("facilitator", villages=[person.household.village_id])
    response = client_for(facilitator).get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200 and person.full_name in response.content.decode()
    assert reverse("privacy:request_new") not in response.content.decode()


@pytest.mark.django_db
def test_the_household_page_lists_its_assets_one_by_one(areas, officer):
    """ "lemari es TV HP pintar" read as one run of words; each asset is now named by its field's label, separated."""
    owner = factories.household(asset_motorcycle=True, asset_refrigerator=True, asset_smartphone=True)
    bare = factories.household()
    factories.person(hh=owner, name="Pemilik Aset")
    factories.person(hh=bare, name="Tanpa Aset", nik="1502014107890009")
    client = client_for(officer)
    page = client.get(reverse("registry:household_detail", args=[owner.pk])).content.decode()
    assert "<li>Aset: sepeda motor, lemari es, telepon pintar</li>" in page
    page = client.get(reverse("registry:household_detail", args=[bare.pk])).content.decode()
    assert "<li>Aset: —</li>" in page
