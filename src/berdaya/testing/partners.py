"""Builders for the partners tests."""

from __future__ import annotations

import datetime as dt

from berdaya.partners import services


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
