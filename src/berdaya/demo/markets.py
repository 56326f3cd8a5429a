"""Demo prices: two years of weekly prices at several points of Merangin, at the levels of
../shared/domain.md (rubber 7,000-8,000 at the farm gate vs 11,600 through the UPPB; TBS set price 2,789 with
independents about 10% under; cinnamon 55-57k; robusta beans 40-80k and cherries 10-14k), plus buyers, offers,
subscribers, a bulletin and alerts. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from berdaya.areas.models import Village
from berdaya.areas.selectors import deployment_districts
from berdaya.markets import choices as c
from berdaya.markets.models import (
    Buyer,
    BuyerOffer,
    Commodity,
    Grade,
    PriceObservation,
    PricePoint,
    SubscriberConsent,
    iso_week,
)
from berdaya.registry.models import Person

WEEKS = 104

POINTS = [
    # name, channel, district
    ("Pasar Bangko", c.Channel.MARKET, "15.02.02"),
    ("Pasar Sungai Manau", c.Channel.MARKET, "15.02.04"),
    ("Pasar Muara Madras", c.Channel.MARKET, "15.02.01"),
    ("Pengepul Karet Bangko", c.Channel.COLLECTOR, "15.02.02"),
    ("Pengepul Karet Tabir Selatan", c.Channel.COLLECTOR, "15.02.08"),
    ("Pengepul Pamenang", c.Channel.COLLECTOR, "15.02.06"),
    ("Pengepul Kopi Lembah Masurai", c.Channel.COLLECTOR, "15.02.09"),
    ("Pengepul Kayu Manis Jangkat", c.Channel.COLLECTOR, "15.02.01"),
    ("Pengepul Padi Sungai Manau", c.Channel.COLLECTOR, "15.02.04"),
    ("UPPB Karya Mandiri Tabir", c.Channel.UPPB, "15.02.05"),
    ("UPPB Sepakat Pamenang", c.Channel.UPPB, "15.02.06"),
    ("Koperasi Kopi Masurai", c.Channel.UPPB, "15.02.09"),
    ("PKS Tabir (pabrik kelapa sawit)", c.Channel.MILL, "15.02.05"),
    ("Kemitraan PT Kopi Sumatera", c.Channel.OFFTAKE, "15.02.09"),
]


@dataclass
class Track:
    commodity: str
    point: str
    price_type: str
    base: float
    volatility: float  # weekly random-walk step, fraction
    source: str = c.Source.ENUMERATOR
    grade: str | None = None


TRACKS = [
    Track("karet", "Pengepul Karet Bangko", c.PriceType.FARM_GATE, 7600, 0.015),
    Track("karet", "Pengepul Karet Tabir Selatan", c.PriceType.FARM_GATE, 7300, 0.015),
    Track("karet", "Pengepul Pamenang", c.PriceType.FARM_GATE, 7500, 0.015),
    Track("karet", "UPPB Karya Mandiri Tabir", c.PriceType.WHOLESALE, 11600, 0.012, c.Source.PARTNER),
    Track("karet", "UPPB Sepakat Pamenang", c.PriceType.WHOLESALE, 11400, 0.012, c.Source.PARTNER),
    Track("tbs", "PKS Tabir (pabrik kelapa sawit)", c.PriceType.SET_PRICE, 2789, 0.01, c.Source.OFFICIAL),
    Track("tbs", "Pengepul Pamenang", c.PriceType.FARM_GATE, 2510, 0.015),
    Track("tbs", "Pengepul Karet Tabir Selatan", c.PriceType.FARM_GATE, 2480, 0.015),
    Track("kopi_gelondong", "Pengepul Kopi Lembah Masurai", c.PriceType.FARM_GATE, 12000, 0.02),
    Track("kopi_gelondong", "Koperasi Kopi Masurai", c.PriceType.WHOLESALE, 13500, 0.015, c.Source.PARTNER),
    Track("kopi_biji", "Pengepul Kopi Lembah Masurai", c.PriceType.FARM_GATE, 52000, 0.02),
    Track("kopi_biji", "Koperasi Kopi Masurai", c.PriceType.WHOLESALE, 61000, 0.015, c.Source.PARTNER),
    Track("kopi_biji", "Kemitraan PT Kopi Sumatera", c.PriceType.WHOLESALE, 64000, 0.01, c.Source.PARTNER),
    Track("kopi_biji", "Pasar Bangko", c.PriceType.WHOLESALE, 60000, 0.02),
    Track("kayu_manis", "Pengepul Kayu Manis Jangkat", c.PriceType.FARM_GATE, 56000, 0.01),
    Track("kayu_manis", "Pasar Muara Madras", c.PriceType.WHOLESALE, 60000, 0.01),
    Track("gabah", "Pengepul Padi Sungai Manau", c.PriceType.FARM_GATE, 6500, 0.01),
    Track("beras", "Pasar Bangko", c.PriceType.RETAIL, 14000, 0.006),
    Track("beras", "Pasar Sungai Manau", c.PriceType.RETAIL, 14200, 0.006),
    Track("cabai", "Pasar Bangko", c.PriceType.RETAIL, 42000, 0.07),
    Track("cabai", "Pasar Sungai Manau", c.PriceType.RETAIL, 43000, 0.07),
    Track("cabai", "Pengepul Padi Sungai Manau", c.PriceType.FARM_GATE, 30000, 0.07),
]

# Name, kind, district code, offers (commodity, grade, minimum kg, Rp/kg).
BUYERS: list[tuple[str, str, str, list[tuple[str, str | None, int, int]]]] = [
    ("PKS PT Sawit Merangin Lestari", "mill", "15.02.05", [("tbs", None, 1000, 2750)]),
    ("UPPB Karya Mandiri", "uppb", "15.02.05", [("karet", "kkk60", 500, 11400)]),
    ("UPPB Sepakat", "uppb", "15.02.06", [("karet", "kkk60", 300, 11200)]),
    (
        "Koperasi Produsen Kopi Masurai",
        "cooperative",
        "15.02.09",
        [("kopi_biji", "petik_merah", 100, 62000), ("kopi_gelondong", None, 200, 13500)],
    ),
    ("CV Kayu Manis Kerinci-Merangin", "exporter", "15.02.01", [("kayu_manis", "ka", 500, 62000)]),
    ("PT Kopi Sumatera Nusantara", "company", "15.02.09", [("kopi_biji", "petik_merah", 1000, 65000)]),
]


def _village(district: str, rng: random.Random) -> Village | None:
    villages = list(Village.objects.filter(district_id=district).order_by("code")[:6])
    return rng.choice(villages) if villages else None


def _placed(name: str, district: str, rng: random.Random) -> tuple[str, Village | None]:
    """The demo's place in Merangin, or in another deployment a district of its own regency (the same district
    number when it has one) with the place named after that district instead of a Merangin town."""
    village = _village(district, rng)
    if village is not None:
        return name, village
    ours = list(deployment_districts().order_by("code").values_list("code", flat=True))
    if not ours:
        return name, None
    here = ours[int(district.rsplit(".", 1)[-1]) % len(ours)]
    village = _village(here, rng)
    if village is None:
        return name, None
    words = name.split()
    kind = " ".join(words[:2]) if words[0] in {"PKS", "PT", "CV", "UPPB"} else words[0]
    return f"{kind} {village.district.name}", village


@transaction.atomic
def demo_markets(*, seed: int, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    points: dict[str, PricePoint] = {}
    for name, channel, district in POINTS:
        shown, village = _placed(name, district, rng)
        if village is None:
            continue
        points[name], _ = PricePoint.objects.get_or_create(
            name=shown, village=village, defaults={"channel": channel, "district_id": village.district_id}
        )
    commodities = {com.code: com for com in Commodity.objects.all()}
    monday = today - dt.timedelta(days=today.weekday())
    observations = []
    for track in TRACKS:
        point = points.get(track.point)
        com = commodities.get(track.commodity)
        if point is None or com is None:
            continue
        level = track.base
        phase = rng.random() * 2 * math.pi
        for k in range(WEEKS, 0, -1):
            week_monday = monday - dt.timedelta(weeks=k - 1)
            date = min(week_monday + dt.timedelta(days=rng.randint(0, 4)), today)
            level *= 1 + rng.gauss(0, track.volatility)
            # Stay near the documented level: pull back towards the base, with a yearly swing.
            level += (track.base - level) * 0.08
            seasonal = 1 + 0.04 * math.sin(2 * math.pi * k / 52 + phase)
            price = max(1, round(level * seasonal / 10) * 10)
            observations.append(
                PriceObservation(
                    date=date,
                    point=point,
                    commodity=com,
                    price_type=track.price_type,
                    price_per_kg=price,
                    source=track.source,
                    week=iso_week(date),
                    district_id=point.district_id,
                    channel=point.channel,
                    reference_median=None,
                )
            )
    PriceObservation.objects.bulk_create(observations, batch_size=1000)
    grades = {(g.commodity.code, g.code): g for g in Grade.objects.select_related("commodity")}
    n_offers = 0
    for name, kind, district, offers in BUYERS:
        shown, village = _placed(name, district, rng)
        if village is None:
            continue
        buyer, _ = Buyer.objects.get_or_create(name=shown, defaults={"kind": kind, "village": village})
        for code, grade, min_qty, price in offers:
            BuyerOffer.objects.create(
                buyer=buyer,
                commodity=commodities[code],
                grade=grades.get((code, grade)) if grade else None,
                min_quantity_kg=min_qty,
                price_per_kg=price,
                valid_from=today - dt.timedelta(days=30),
                valid_to=today + dt.timedelta(days=60),
            )
            n_offers += 1
    subscribers = _subscribers(rng, commodities, today)
    return {"points": len(points), "observations": len(observations), "offers": n_offers, "subscribers": subscribers}


def _subscribers(rng: random.Random, commodities, today: dt.date) -> int:
    farmers = list(
        Person.objects.filter(occupation__in=["farmer", "farm_labourer"], status="active")
        .exclude(phone="")
        .select_related("household__village")
        .order_by("id")[:400]
    )
    rng.shuffle(farmers)
    made = 0
    by_district = {
        "15.02.09": ["kopi_biji", "kopi_gelondong"],
        "15.02.01": ["kayu_manis", "kopi_biji"],
        "15.02.05": ["karet", "tbs"],
        "15.02.06": ["karet", "tbs"],
        "15.02.08": ["karet", "tbs"],
    }
    for person in farmers[:40]:
        district = person.household.village_id[:8]
        codes = by_district.get(district, ["karet", "gabah", "cabai"])
        sub = SubscriberConsent.objects.create(
            person=person,
            phone=person.phone,
            channel=c.MessageChannel.SMS if rng.random() < 0.7 else c.MessageChannel.WHATSAPP,
            district_id=district,
            consent_date=today - dt.timedelta(days=rng.randint(7, 300)),
        )
        sub.commodities.set([commodities[code] for code in codes if code in commodities])
        made += 1
    return made
