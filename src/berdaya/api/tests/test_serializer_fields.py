"""A model serializer's fields are built once per class and copied per instance: the same fields as DRF builds."""

from __future__ import annotations

import inspect

import pytest
from rest_framework import serializers

from berdaya.api import serializers as s

MODEL_SERIALIZERS = [
    cls
    for _name, cls in inspect.getmembers(s, inspect.isclass)
    if issubclass(cls, s.Masked | s._TypesOnly) and cls not in (s.Masked, s._TypesOnly)
]


@pytest.mark.parametrize("cls", MODEL_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_the_fields_are_those_drf_builds(cls, monkeypatch):
    cached = {name: repr(field) for name, field in cls().get_fields().items()}
    cached_again = {name: repr(field) for name, field in cls().get_fields().items()}
    monkeypatch.setattr(s, "model_fields", serializers.ModelSerializer.get_fields)
    built = {name: repr(field) for name, field in cls().get_fields().items()}
    assert cached == built == cached_again


def test_each_instance_has_its_own_fields(db):
    first, second = s.PersonWriteSerializer(), s.PersonWriteSerializer()
    assert first.fields["full_name"] is not second.fields["full_name"]
    first.fields["full_name"].required = True
    assert s.PersonWriteSerializer().fields["full_name"].required is False
    assert s.PersonSerializer().fields["full_name"].read_only is True
