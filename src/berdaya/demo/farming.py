"""Demo farms: plots, harvests and sales for smallholder people of `berdaya demo`, with plausible yields (rubber
about 1 t/ha/yr dry rubber, i.e. ~2 t of slab; coffee about 1 t/ha of beans in Lembah Masurai; oil-palm TBS 12-20
t/ha/yr; rice 4-5 t/ha per season) and prices taken from the demo price series. Farmers who completed a farming
programme sell more through organised channels, and harvest a little more, after their completion date.
Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Min
from django.utils import timezone

from berdaya.farming import choices as c
from berdaya.farming.models import FarmerGroupProfile, Harvest, Plot, Practice, Sale
from berdaya.farming.selectors import FARMER_PROGRAMME_KINDS
from berdaya.markets import choices as mc
from berdaya.markets.models import Commodity, PriceObservation, Unit, iso_week
from berdaya.programmes.models import Enrolment
from berdaya.registry.models import Group, Person

# District → commodities grown there (../shared/domain.md: coffee in Lembah Masurai, cinnamon in Jangkat).
CROPS = {
    "15.02.09": ["kopi_biji", "kopi_biji", "kayu_manis"],
    "15.02.01": ["kayu_manis", "kopi_biji"],
    "15.02.05": ["karet", "tbs"],
    "15.02.06": ["tbs", "karet"],
    "15.02.08": ["karet", "tbs"],
    "15.02.07": ["karet", "tbs"],
    "15.02.04": ["gabah", "karet", "cabai"],
    "15.02.02": ["karet", "gabah", "cabai"],
}
DEFAULT_CROPS = ["karet", "karet", "tbs", "gabah"]
# kg per ha per year (tree crops) or per season (rice, chili), before training.
YIELD = {
    "karet": 2000,
    "tbs": 15000,
    "kopi_biji": 950,
    "kayu_manis": 2500,
    "gabah": 4500,
    "cabai": 7000,
}
BASE_PRICE = {"karet": 7500, "tbs": 2500, "kopi_biji": 52000, "kayu_manis": 56000, "gabah": 6500, "cabai": 30000}
# Harvest months in a year: rubber and TBS through the year, coffee Apr-Jul, cinnamon once, rice and chili twice.
MONTHS = {
    "karet": list(range(1, 13)),
    "tbs": list(range(1, 13)),
    "kopi_biji": [5, 6, 7],
    "kayu_manis": [8],
    "gabah": [3, 9],
    "cabai": [4, 10],
}
ORGANISED = {
    "karet": mc.Channel.UPPB,
    "tbs": mc.Channel.MILL,
    "kopi_biji": mc.Channel.UPPB,
    "kayu_manis": mc.Channel.OFFTAKE,
}


def _first_of_month(d: dt.date) -> dt.date:
    return d.replace(day=1)


@transaction.atomic
def demo_farming(*, seed: int, today: dt.date | None = None, limit: int = 400) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    trained = dict(
        Enrolment.objects.filter(status="completed", programme__kind__in=FARMER_PROGRAMME_KINDS, ended_on__isnull=False)
        .values("person")
        .annotate(first=Min("ended_on"))
        .values_list("person", "first")
    )
    base = Person.objects.filter(occupation__in=["farmer", "farm_labourer"], status="active").select_related(
        "household__village"
    )
    smallholders = list(
        base.filter(household__land_operated_ha__gt=0, household__land_operated_ha__lte=2).order_by("id")
    )
    # Every farming graduate of a farming programme gets plots, whatever land the household declared: the
    # before/after comparison needs them.
    chosen = list(base.filter(pk__in=list(trained)).order_by("id"))[: limit // 2]
    chosen_ids = {p.pk for p in chosen}
    chosen += [p for p in smallholders if p.pk not in chosen_ids][: limit - len(chosen)]
    commodities = {com.code: com for com in Commodity.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    prices: dict = _price_table()
    prices["_kg_unit"] = units["kg"]
    practices = defaultdict(list)
    for practice in Practice.objects.all():
        practices[practice.commodity.code if practice.commodity is not None else None].append(practice)

    plots: list[Plot] = []
    for person in chosen:
        district = person.household.village_id[:8]
        crops = CROPS.get(district, DEFAULT_CROPS)
        total = person.household.land_operated_ha
        if not 0 < total <= 2:
            total = Decimal(str(round(rng.uniform(0.3, 1.8), 2)))
        n = 1 if total < Decimal("0.8") or rng.random() < 0.5 else 2
        shares = [Decimal(1)] if n == 1 else [Decimal("0.6"), Decimal("0.4")]
        for i, share in enumerate(shares):
            code = crops[(i + rng.randrange(len(crops))) % len(crops)]
            com = commodities[code]
            area = max(Decimal("0.100"), (total * share).quantize(Decimal("0.001")))
            if code == "cabai":
                area = min(area, Decimal("0.250"))  # chili is a small, input-heavy plot next to the main crop
            plots.append(
                Plot(
                    farmer=person,
                    village_id=person.household.village_id,
                    name=f"Lahan {i + 1}",
                    area_ha=area,
                    tenure=rng.choices(list(c.Tenure.values), weights=[70, 10, 15, 5])[0],
                    commodity=com,
                    variety={"karet": "PB 260", "kopi_biji": "Robusta BP 42", "gabah": "Inpari 32", "tbs": "DxP"}.get(
                        code, ""
                    ),
                    planting_year=today.year - rng.randint(4, 20) if com.is_tree_crop else None,
                )
            )
    Plot.objects.bulk_create(plots, batch_size=500)

    harvests: list[Harvest] = []
    sales: list[Sale | None] = []
    harvest_practices: list[tuple[int, list[Practice]]] = []
    start = dt.date(today.year - 1, 1, 1)  # whole seasons: last year and this one
    for plot in plots:
        code = plot.commodity.code
        trained_on = trained.get(plot.farmer_id)
        per_year = code in {"karet", "tbs", "kopi_biji", "kayu_manis"}
        months = MONTHS[code]
        month = start
        while month <= today:
            if month.month in months:
                date = min(month + dt.timedelta(days=rng.randint(0, 27)), today)
                after = trained_on is not None and date >= trained_on
                boost = 1.15 if after else 1.0
                per_harvest = YIELD[code] / (len(months) if per_year else 1)
                kg = Decimal(per_harvest * float(plot.area_ha) * boost * rng.uniform(0.75, 1.2)).quantize(
                    Decimal("0.01")
                )
                if kg > 0:
                    harvest = Harvest(
                        plot=plot,
                        harvested_on=date,
                        season=plot.commodity.season_of(date),
                        quantity=kg,
                        unit=units["kg"],
                        quantity_kg=kg,
                    )
                    harvests.append(harvest)
                    pool = practices.get(code, []) + practices.get(None, [])
                    chosen_practices = [p for p in pool if rng.random() < (0.6 if after else 0.2)]
                    harvest_practices.append((len(harvests) - 1, chosen_practices))
                    sales.append(_sale(rng, plot, date, kg, after, prices, code))
            month = (month + dt.timedelta(days=32)).replace(day=1)
    Harvest.objects.bulk_create(harvests, batch_size=1000)
    through = Harvest.practices.through
    through.objects.bulk_create(
        [through(harvest_id=harvests[i].pk, practice_id=p.pk) for i, chosen in harvest_practices for p in chosen],
        batch_size=2000,
    )
    Sale.objects.bulk_create([s for s in sales if s is not None], batch_size=1000)
    profiles = _group_profiles(rng, commodities)
    return {
        "farmers": len(chosen),
        "trained": sum(1 for p in chosen if p.pk in trained),
        "plots": len(plots),
        "harvests": len(harvests),
        "sales": sum(1 for s in sales if s is not None),
        "group_profiles": profiles,
    }


def _price_table() -> dict[tuple[str, int, str], int]:
    """Regency average per commodity, week and channel from the demo prices: sales follow the market."""
    rows = (
        PriceObservation.objects.exclude(price_type="retail")
        .values("commodity__code", "week", "channel")
        .annotate(avg=Avg("price_per_kg"))
    )
    return {(r["commodity__code"], r["week"], r["channel"]): round(r["avg"]) for r in rows}


def _sale(rng, plot: Plot, date: dt.date, kg: Decimal, after: bool, prices, code: str) -> Sale | None:
    sold = (kg * Decimal(str(rng.uniform(0.85, 1.0)))).quantize(Decimal("0.01"))
    if sold <= 0:
        return None
    organised = ORGANISED.get(code)
    use_organised = organised is not None and rng.random() < (0.65 if after else 0.1)
    channel = (
        organised
        if organised is not None and use_organised
        else (mc.Channel.MARKET if code == "cabai" else mc.Channel.COLLECTOR)
    )
    week = iso_week(date)
    price = prices.get((code, week, channel)) or prices.get((code, week, mc.Channel.COLLECTOR)) or BASE_PRICE[code]
    if use_organised and (code, week, channel) not in prices:
        price = round(price * 1.3)
    price = max(1, round(price * rng.uniform(0.96, 1.04) / 10) * 10)
    return Sale(
        farmer_id=plot.farmer_id,
        plot=plot,
        date=date,
        commodity=plot.commodity,
        quantity=sold,
        unit=prices["_kg_unit"],
        quantity_kg=sold,
        price_per_kg=price,
        amount=int((sold * price).quantize(Decimal(1))),
        buyer_name="",
        channel=channel,
        season=plot.commodity.season_of(date),
        week=week,
        district_id=plot.village_id[:8],
    )


def _group_profiles(rng: random.Random, commodities) -> int:
    made = 0
    groups = list(Group.objects.filter(kind__in=["poktan", "gapoktan"]).exclude(farming_profile__isnull=False))
    gapoktan_by_district = defaultdict(list)
    for group in groups:
        if group.kind == "gapoktan":
            gapoktan_by_district[group.village_id[:8]].append(group)
    names = ["Siti Rahmah, S.P.", "Ahmad Fauzi, S.P.", "Dedi Kurniawan", "Yusniar, S.TP.", "Hendra Saputra, S.P."]
    for group in groups:
        district = group.village_id[:8]
        crops = CROPS.get(district, DEFAULT_CROPS)
        parent = None
        if group.kind == "poktan" and gapoktan_by_district.get(district):
            parent = rng.choice(gapoktan_by_district[district])
        FarmerGroupProfile.objects.create(
            group=group,
            group_class=rng.choices(list(c.GroupClass.values), weights=[45, 35, 15, 5])[0],
            extension_worker_name=rng.choice(names),
            main_commodity=commodities.get(crops[0]),
            parent=parent,
        )
        made += 1
    return made
