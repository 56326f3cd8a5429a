"""Builders for the markets and farming tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from berdaya.areas.models import Village
from berdaya.markets import choices as c
from berdaya.markets.models import Commodity, PriceObservation, PricePoint, Unit, iso_week

# Rough centroids: Jangkat villages in the west, Bangko villages ~80 km east.
LOCATIONS = {
    "15.02.01.2001": ("-2.300000", "101.900000"),
    "15.02.01.2002": ("-2.350000", "101.950000"),
    "15.02.02.1010": ("-2.080000", "102.280000"),
    "15.02.02.2004": ("-2.100000", "102.300000"),
}


def locate_villages() -> None:
    for code, (lat, lng) in LOCATIONS.items():
        Village.objects.filter(code=code).update(latitude=Decimal(lat), longitude=Decimal(lng))


def commodity(code: str = "karet") -> Commodity:
    return Commodity.objects.get(code=code)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def point(
    name: str = "Pengepul Uji", channel: str = c.Channel.COLLECTOR, village: str = "15.02.01.2001", **kw
) -> PricePoint:
    return PricePoint.objects.get_or_create(name=name, village_id=village, defaults={"channel": channel, **kw})[0]


def observe(
    price: int,
    *,
    com: str = "karet",
    at: PricePoint | None = None,
    date: dt.date | None = None,
    price_type: str = c.PriceType.FARM_GATE,
    status: str = c.ObservationStatus.ACCEPTED,
    grade=None,
) -> PriceObservation:
    at = at or point()
    date = date or timezone.localdate()
    return PriceObservation.objects.create(
        date=date,
        point=at,
        commodity=commodity(com),
        grade=grade,
        price_type=price_type,
        price_per_kg=price,
        status=status,
        week=iso_week(date),
        district_id=at.district_id,
        channel=at.channel,
    )
