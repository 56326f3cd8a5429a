"""Reads of prices: unit conversion, recent medians and outliers, weekly series and summaries, reference prices for
sales, and the channels ranked by net price. Prices are not personal data: every signed-in role reads them, and the
public page reads the aggregates."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, FloatField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.areas.models import Village
from berdaya.core.conf import conf
from berdaya.core.dates import monday_of
from berdaya.core.money import thousands
from berdaya.partners.choices import CommitmentKind
from berdaya.partners.models import Commitment

from . import choices as c
from .models import Buyer, BuyerOffer, Commodity, PriceObservation, PricePoint, Unit, UnitConversion, iso_week

M = TypeVar("M", bound=Model)

# Unit conversion


def kg_per_unit(unit: Unit, commodity: Commodity) -> Decimal:
    """Kilograms in one `unit` of `commodity`: the commodity's own conversion, else the general one."""
    rows = {
        row.commodity_id: row.kg_per_unit
        for row in UnitConversion.objects.filter(unit=unit).filter(Q(commodity=commodity) | Q(commodity__isnull=True))
    }
    factor = rows.get(getattr(commodity, "pk", None)) or rows.get(None)
    if factor is None:
        raise ValidationError(
            {"unit": _("Belum ada konversi satuan %(unit)s ke kg untuk %(c)s.") % {"unit": unit, "c": commodity}}
        )
    return factor


def to_kg(quantity: Decimal | int | str, unit: Unit, commodity: Commodity) -> Decimal:
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise ValidationError({"quantity": _("Jumlah harus lebih dari nol.")})
    return (quantity * kg_per_unit(unit, commodity)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# Outliers


def counted() -> QuerySet[PriceObservation]:
    return PriceObservation.objects.filter(status__in=c.COUNTED_STATUSES)


@dataclass(frozen=True)
class OutlierCheck:
    is_outlier: bool
    median: int | None
    n: int
    message: str = ""


def check_price(
    *,
    commodity: Commodity,
    price_per_kg: int,
    on_date: dt.date,
    channel: str | None = None,
    exclude_pk: int | None = None,
) -> OutlierCheck:
    """Is `price_per_kg` far from the recent median of `commodity`?

    Two rules, both settings: outside [median / R, median × R] (catches a price per ton or per quintal typed as per
    kg, whatever the spread), over the commodity's prices in every channel; and, with enough observations of the
    same channel, more than K scaled MADs from that channel's median (an UPPB paying 50% more than the collectors
    is normal; a collector suddenly paying 50% more is worth a second look).
    """
    weeks = conf().price_outlier_weeks
    ratio = conf().price_outlier_ratio
    mad_k = conf().price_outlier_mad_k
    min_n = conf().price_outlier_min_n
    qs = (
        counted()
        .filter(commodity=commodity, date__gte=on_date - dt.timedelta(weeks=weeks), date__lte=on_date)
        .exclude(price_type=c.PriceType.RETAIL)
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    rows = list(qs.order_by("-date").values_list("price_per_kg", "channel")[:2000])
    values = [price for price, _ch in rows]
    if not values:
        return OutlierCheck(False, None, 0)
    median = statistics.median(values)
    n = len(values)
    if price_per_kg > median * ratio or price_per_kg < median / ratio:
        factor = price_per_kg / median
        hint = ""
        if factor >= 500:
            hint = _(" Apakah ini harga per ton? Masukkan harga per kg.")
        elif factor >= 50:
            hint = _(" Apakah ini harga per kuintal (100 kg)? Masukkan harga per kg.")
        elif factor <= 1 / 500:
            hint = _(" Apakah angka nol kurang, atau ini harga per gram/ons?")
        return OutlierCheck(
            True,
            round(median),
            n,
            _("Harga Rp%(p)s/kg jauh dari median %(w)s minggu terakhir Rp%(m)s/kg (%(n)s pengamatan).%(hint)s")
            % {"p": thousands(price_per_kg), "w": weeks, "m": thousands(median), "n": n, "hint": hint},
        )
    same = [price for price, ch in rows if ch == channel] if channel else values
    if len(same) >= min_n:
        centre = statistics.median(same)
        mad = statistics.median(abs(v - centre) for v in same) * 1.4826
        if mad > 0 and abs(price_per_kg - centre) > mad_k * mad:
            return OutlierCheck(
                True,
                round(centre),
                len(same),
                _("Harga Rp%(p)s/kg menyimpang jauh dari kebiasaan (median Rp%(m)s/kg, %(n)s pengamatan %(w)s minggu).")
                % {"p": thousands(price_per_kg), "m": thousands(centre), "n": len(same), "w": weeks},
            )
    return OutlierCheck(False, round(median), n)


# Weekly series and summaries


def week_monday(week: int) -> dt.date:
    return dt.date.fromisocalendar(week // 100, week % 100, 1)


def weeks_back(today: dt.date, n: int) -> list[int]:
    monday = monday_of(today)
    return [iso_week(monday - dt.timedelta(weeks=k)) for k in range(n - 1, -1, -1)]


def series_key(channel: str, price_type: str) -> str:
    return "retail" if price_type == c.PriceType.RETAIL else channel


SERIES_LABELS = {**dict(c.Channel.choices), "retail": _("Eceran di pasar")}


def weekly_series(*, commodity: Commodity, weeks: list[int], district: str | None = None) -> dict[str, dict[int, int]]:
    """Average price per week and channel (retail apart): {channel: {week: price}}. One grouped query."""
    qs = counted().filter(commodity=commodity, week__gte=weeks[0], week__lte=weeks[-1])
    if district:
        qs = qs.filter(district_id=district)
    out: dict[str, dict[int, list[tuple[float, int]]]] = {}
    for row in qs.values("week", "channel", "price_type").annotate(avg=Avg("price_per_kg"), n=Count("id")):
        key = series_key(row["channel"], row["price_type"])
        out.setdefault(key, {}).setdefault(row["week"], []).append((row["avg"], row["n"]))
    return {
        key: {w: round(sum(a * n for a, n in cells) / sum(n for _a, n in cells)) for w, cells in by_week.items()}
        for key, by_week in out.items()
    }


def gap_rows(series: dict[str, dict[int, int]], weeks: list[int]) -> list[dict]:
    """Per week: the farm-gate (collector) price, the best organised channel, and the gap in Rp and %."""
    rows = []
    for w in weeks:
        farm = series.get(c.Channel.COLLECTOR, {}).get(w)
        organised = [series[ch][w] for ch in c.ORGANISED_CHANNELS if w in series.get(ch, {})]
        best = max(organised) if organised else None
        gap = best - farm if farm and best else None
        rows.append(
            {
                "week": w,
                "monday": week_monday(w),
                "cells": [series.get(k, {}).get(w) for k in series],
                "farm_gate": farm,
                "organised": best,
                "gap": gap,
                "gap_pct": round(gap * 100 / farm, 1) if gap is not None and farm else None,
            }
        )
    return rows


def weekly_summary_by_district(*, week: int) -> list[dict]:
    """One row per district and commodity for `week`: farm-gate and organised averages, observations."""
    return list(
        counted()
        .filter(week=week)
        .values("district_id", "district__name", "commodity__name", "commodity__order")
        .annotate(
            farm_gate=Avg("price_per_kg", filter=Q(channel=c.Channel.COLLECTOR)),
            organised=Avg("price_per_kg", filter=Q(channel__in=c.ORGANISED_CHANNELS)),
            market=Avg("price_per_kg", filter=Q(channel=c.Channel.MARKET)),
            n=Count("id"),
        )
        .order_by("district_id", "commodity__order", "commodity__name")
    )


def latest_by_commodity_district(*, today: dt.date, weeks: int = 4) -> list[dict]:
    """For each commodity and district, the latest week with data: farm-gate and organised averages."""
    recent = weeks_back(today, weeks)
    rows = (
        counted()
        .filter(week__gte=recent[0])
        .exclude(price_type=c.PriceType.RETAIL)
        .values("commodity_id", "district_id", "district__name", "week")
        .annotate(
            farm_gate=Avg("price_per_kg", filter=Q(channel=c.Channel.COLLECTOR)),
            organised=Avg("price_per_kg", filter=Q(channel__in=c.ORGANISED_CHANNELS)),
            market=Avg("price_per_kg", filter=Q(channel=c.Channel.MARKET)),
        )
        .order_by("commodity_id", "district_id", "-week")
    )
    latest: dict[tuple[int, str], dict] = {}
    for row in rows:
        latest.setdefault((row["commodity_id"], row["district_id"]), row)
    return list(latest.values())


def reference_price_expr(*, price_type: str | None = None) -> Coalesce:
    """For each Sale row, the average counted price of the same commodity, grade and ISO week in the sale's district;
    when that district has no price that week, the regency average (enumerators do not reach every district every
    week). Grade matches NULL to NULL through Coalesce. One Coalesce of two correlated subqueries, both on the
    (commodity, week, district) index."""
    price_type = price_type or conf().premium_reference_price_type

    def average(**extra: Any) -> Subquery:
        ref = (
            counted()
            .filter(commodity=OuterRef("commodity"), week=OuterRef("week"), price_type=price_type, **extra)
            .annotate(gk=Coalesce("grade_id", Value(0)))
            .filter(gk=Coalesce(OuterRef("grade_id"), Value(0)))
            .order_by()
            .values("commodity")
            .annotate(avg=Avg("price_per_kg"))
            .values("avg")[:1]
        )
        return Subquery(ref, output_field=FloatField())

    return Coalesce(average(district=OuterRef("district")), average(), output_field=FloatField())


def annotate_premium(qs: QuerySet[M]) -> QuerySet[M]:
    """Add `reference_price` (Rp/kg) and `premium_pct` (the sale price against it, in %, one decimal) to sales."""
    qs = qs.annotate(reference_price=reference_price_expr())
    return qs.annotate(
        premium_pct=Round(
            (Cast(F("price_per_kg"), FloatField()) - F("reference_price")) * Value(100.0) / F("reference_price"),
            1,
        )
    )


def premium_pct(price: int, reference: float | None) -> float | None:
    if not reference:
        return None
    return round((price - reference) * 100 / reference, 1)


# Net-price ranking


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass
class ChannelOption:
    name: str
    source: str  # "point", "buyer" or "commitment"
    channel: str
    price: int
    distance_km: float | None
    transport: int
    net: int
    as_of: dt.date | None = None
    min_quantity_kg: int = 0
    note: str = ""

    @property
    def channel_label(self) -> str:
        return str(dict(c.Channel.choices).get(self.channel, self.channel))


def village_location(village: Village | None) -> tuple[float, float] | None:
    if village is not None and village.latitude is not None and village.longitude is not None:
        return float(village.latitude), float(village.longitude)
    return None


def rank_channels(
    *,
    commodity: Commodity,
    origin: tuple[float, float] | None,
    today: dt.date | None = None,
    weeks: int = 4,
    limit: int = 10,
) -> list[ChannelOption]:
    """Where to sell `commodity` from `origin`, best net price first: price − transport cost × distance.

    Candidates are the price points with a counted price in the last `weeks` (retail excluded: a farmer does not
    sell at the retail price) and the buyers' valid offers. A candidate without a location keeps its price and no
    transport cost is assumed, which is shown ("jarak tidak diketahui").
    """
    today = today or timezone.localdate()
    cost = Decimal(str(conf().transport_rp_per_km_kg))
    since = today - dt.timedelta(weeks=weeks)
    latest: dict[int, tuple[dt.date, list[int]]] = {}
    obs = (
        counted()
        .filter(commodity=commodity, date__gte=since, date__lte=today, point__is_active=True)
        .exclude(price_type=c.PriceType.RETAIL)
        .values_list("point_id", "date", "price_per_kg")
        .order_by("point_id", "-date")
    )
    for point_id, date, price in obs:
        seen = latest.get(point_id)
        if seen is None:
            latest[point_id] = (date, [price])
        elif seen[0] == date:
            seen[1].append(price)
    options: list[ChannelOption] = []

    def add(
        name: str,
        source: str,
        channel: str,
        price: float,
        location: tuple[float, float] | None,
        as_of: dt.date | None = None,
        min_qty: int = 0,
        note: str = "",
    ) -> None:
        distance = haversine_km(origin, location) if origin and location else None
        transport = int((cost * Decimal(str(distance))).quantize(Decimal(1))) if distance is not None else 0
        options.append(
            ChannelOption(
                name, source, channel, int(price), distance, transport, int(price) - transport, as_of, min_qty, note
            )
        )

    for point in PricePoint.objects.filter(pk__in=latest).select_related("village"):
        date, prices = latest[point.pk]
        add(point.name, "point", point.channel, round(sum(prices) / len(prices)), point.location(), date)
    offers = (
        BuyerOffer.objects.filter(commodity=commodity, buyer__is_active=True, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("buyer__village", "grade")
    )
    for offer in offers:
        note = str(offer.grade) if offer.grade_id else ""
        add(
            offer.buyer.name,
            "buyer",
            offer.buyer.channel,
            offer.price_per_kg,
            offer.buyer.location(),
            offer.valid_from,
            offer.min_quantity_kg,
            note,
        )
    options.sort(key=lambda o: (-o.net, o.distance_km if o.distance_km is not None else 1e9))
    return options[:limit]


def buyers_directory(*, commodity: Commodity | None = None) -> QuerySet[Buyer]:
    qs = Buyer.objects.filter(is_active=True).select_related("village__district", "organisation")
    if commodity is not None:
        qs = qs.filter(offers__commodity=commodity).distinct()
    return qs.prefetch_related("offers__commodity", "offers__grade")


def market_access_commitments(*, commodity: Commodity | None = None, today: dt.date | None = None) -> list[Commitment]:
    """Current market-access commitments of partners (berdaya.partners, below markets in the layers: a buyer's
    promise to purchase a commodity at a price or premium)."""
    today = today or timezone.localdate()
    qs = Commitment.objects.filter(kind=CommitmentKind.MARKET_ACCESS, end_date__gte=today).select_related(
        "organisation"
    )
    if commodity is not None:
        # The partners app records the commodity as free text ("Kopi robusta", "karet"): match on its first word.
        word = commodity.name.split()[0]
        qs = qs.filter(Q(commodity__icontains=word) | Q(commodity__icontains=commodity.code))
    return list(qs.order_by("start_date", "id")[:100])


def active_commodities() -> QuerySet[Commodity]:
    return Commodity.objects.filter(is_active=True)


# Delivery of messages


def with_delivery(bulletins: QuerySet) -> QuerySet:
    """Bulletins with their messages counted by status, and the SMS segments billed: what officers read to see
    whether a bulletin reached people."""
    from django.db.models import Sum

    counts = {f"n_{status}": Count("messages", filter=Q(messages__status=status)) for status in c.OutboxStatus.values}
    return bulletins.annotate(**counts, n_segments=Coalesce(Sum("messages__segments"), 0))


@dataclass(frozen=True)
class Delivery:
    queued: int
    sent: int
    delivered: int
    failed: int
    segments: int

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.delivered + self.failed

    @property
    def delivered_pct(self) -> int | None:
        """Delivered, out of the messages that left the queue (a message still in flight counts as not yet)."""
        left = self.sent + self.delivered + self.failed
        return round(self.delivered * 100 / left) if left else None


def delivery_of(bulletin: Any) -> Delivery:
    """The counts of a bulletin annotated by `with_delivery`."""
    return Delivery(
        queued=bulletin.n_queued,
        sent=bulletin.n_sent,
        delivered=bulletin.n_delivered,
        failed=bulletin.n_failed,
        segments=bulletin.n_segments,
    )
