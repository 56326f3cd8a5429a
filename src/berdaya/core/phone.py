"""Phone numbers: one rule and one stored form for every number Berdaya keeps (people, price-bulletin subscribers,
migrant workers' family contacts, people who report a case).

The rule: an Indonesian mobile number, written 08..., 628... or +628..., with 8 to 12 digits after the 8. The stored
form: E.164 (+628...), as the phonenumbers library writes it, so that one number is one string whatever path it came
in by (a form, an import, the console). Imports check the same rule in SQL (imports/sqlcheck.phone_sql).
"""

from __future__ import annotations

import contextlib
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The rule in parts, for the SQL form of it (imports/sqlcheck via registry/rules): the trunk prefixes, replaced by the
# country code when stored, and the subscriber number.
TRUNK = r"(\+62|62|0)"
SUBSCRIBER = r"8[0-9]{7,11}"
COUNTRY = "+62"
PHONE = re.compile(f"{TRUNK}({SUBSCRIBER})", re.ASCII)
SEPARATORS = re.compile(r"[\s\-.()]")
INVALID = _("Nomor HP tidak sah: gunakan format 08xxxxxxxxxx atau +628xxxxxxxxxx.")


def normalise_phone(text: str) -> str:
    """A number as written -> its stored form (E.164). Spaces, dashes, dots and brackets are dropped. Raises
    ValueError for anything the rule does not accept; returns "" for an empty value."""
    value = SEPARATORS.sub("", str(text or ""))
    if not value:
        return ""
    match = PHONE.fullmatch(value)
    if match is None:
        raise ValueError(value)
    # The trunk prefix (0, 62, +62) is resolved by the rule above; the library writes the canonical form.
    number = phonenumbers.parse(COUNTRY + match[2], None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """The validator of every phone field: a number the rule accepts, in a written form it knows."""
    if value and PHONE.fullmatch(value) is None:
        raise ValidationError(INVALID, code="invalid")


def normalise_phone_fields(instance: models.Model, *names: str) -> None:
    """For a model's clean_fields(): each number in the stored form. A number the rule refuses is left as typed,
    for validate_phone to name."""
    for name in names:
        value = getattr(instance, name)
        if value:
            with contextlib.suppress(ValueError):
                setattr(instance, name, normalise_phone(value))
