"""Phone numbers in one place (core/phone.py): one rule, one stored form (E.164) for every number kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from berdaya.core.phone import normalise_phone, validate_phone
from berdaya.markets.models import SubscriberConsent
from berdaya.migration.models import MigrationEpisode


@pytest.mark.parametrize("written", ["081234567890", "6281234567890", "+62 812-3456-7890", "(0812) 3456.7890"])
def test_it_stores_every_way_of_writing_a_number_in_one_form(written):
    assert normalise_phone(written) == "+6281234567890"


@pytest.mark.parametrize("written", ["12345", "0212345678", "08123", "０８１２３４５６７８９０"])
def test_it_refuses_what_is_not_an_indonesian_mobile_number(written):
    with pytest.raises(ValueError):
        normalise_phone(written)
    with pytest.raises(ValidationError, match="Nomor HP tidak sah"):
        validate_phone(written)


def test_subscribers_and_family_contacts_are_stored_as_the_registry_stores_people():
    sub = SubscriberConsent(phone="0812 3456 7890")
    sub.clean_fields(exclude={"district"})
    assert sub.phone == "+6281234567890"
    episode = MigrationEpisode(family_contact_phone="0812-3456-7890")
    episode.clean_fields(exclude={f.name for f in MigrationEpisode._meta.fields} - {"family_contact_phone"})
    assert episode.family_contact_phone == "+6281234567890"


def test_a_refused_number_is_left_as_typed_for_the_message():
    sub = SubscriberConsent(phone="0812-abc")
    with pytest.raises(ValidationError) as exc:
        sub.clean_fields(exclude={"district"})
    assert sub.phone == "0812-abc"
    assert "Nomor HP tidak sah" in exc.value.message_dict["phone"][0]
