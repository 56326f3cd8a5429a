"""A write another transaction ended (core.conflicts) is told as such, once its transaction rolled back; any other
database error stays a server error."""

from __future__ import annotations

import psycopg
import pytest
from django import forms
from django.db import OperationalError

from berdaya.core.conflicts import WRITE_CONFLICT, is_write_conflict
from berdaya.core.forms import service_errors

pytestmark = pytest.mark.django_db


def _raised(cause: Exception) -> OperationalError:
    """What Django raises for the driver's error (its wrapper, the driver's error as the cause)."""
    try:
        try:
            raise cause
        except Exception as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError as wrapped:
        return wrapped


DEADLOCK = _raised(psycopg.errors.DeadlockDetected("deadlock detected"))
SERIALISATION = _raised(psycopg.errors.SerializationFailure("could not serialize access"))
OTHER = _raised(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))


def test_it_knows_a_conflict_from_another_database_error():
    assert is_write_conflict(DEADLOCK) and is_write_conflict(SERIALISATION)
    assert not is_write_conflict(OTHER)
    assert not is_write_conflict(OperationalError("database is locked"))  # SQLite's: no cause with a state
    assert not is_write_conflict(psycopg.errors.DeadlockDetected("not wrapped by Django"))


class NameForm(forms.Form):
    name = forms.CharField()


def test_the_form_says_nothing_was_saved_and_to_try_again():
    form = NameForm({"name": "Siti"})
    assert form.is_valid()
    with service_errors(form):
        raise DEADLOCK
    assert form.non_field_errors() == [str(WRITE_CONFLICT)]


def test_another_database_error_stays_a_server_error():
    form = NameForm({"name": "Siti"})
    assert form.is_valid()
    with pytest.raises(OperationalError), service_errors(form):
        raise OTHER
