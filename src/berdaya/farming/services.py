"""Writes of the farming app. Keyword-only, actor first, scope checked, full_clean(), one transaction.

Suspicious but possible input (a harvest above area × the commodity's maximum yield, a sale of more than was
harvested, a price far from the recent median) raises NeedsConfirmation listing the warnings; the form shows them and
saves only when the user ticks "checked, save anyway". Impossible input (zero or negative quantities, future dates)
is a plain ValidationError. Either way nothing is written half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.money import positive_rupiah
from berdaya.markets import selectors as market_selectors
from berdaya.markets.models import Commodity, Unit
from berdaya.registry.access import ensure_can_edit_household
from berdaya.registry.models import Group, Person

from .access import ensure_can_edit_group_profile
from .models import FarmerGroupProfile, Harvest, Plot, Practice, Sale


class NeedsConfirmation(ValidationError):
    def __init__(self, warnings: list[str]):
        super().__init__(warnings)
        self.warnings = warnings


def _not_future(date: dt.date | None, field: str) -> None:
    if date and date > timezone.localdate():
        raise ValidationError({field: _("Tanggal tidak boleh di masa depan.")})


def _positive(value: object, field: str) -> Decimal:
    try:
        value = Decimal(str(value))
    except Exception:
        raise ValidationError({field: _("Jumlah harus berupa angka.")}) from None
    if value <= 0:
        raise ValidationError({field: _("Jumlah harus lebih dari nol.")})
    return value


@transaction.atomic
def plot_save(*, actor: User, plot: Plot) -> Plot:
    ensure_can_edit_household(actor, plot.farmer.household)
    if plot.pk is None:
        plot.created_by = actor
    plot.full_clean()
    plot.save()
    return plot


@transaction.atomic
def group_profile_save(*, actor: User, group: Group, data: dict[str, Any]) -> FarmerGroupProfile:
    ensure_can_edit_group_profile(actor, group)
    profile = FarmerGroupProfile.objects.filter(group=group).first() or FarmerGroupProfile(group=group)
    for key, value in data.items():
        setattr(profile, key, value)
    profile.full_clean()
    profile.save()
    return profile


def harvest_warnings(*, plot: Plot, season: str, quantity_kg: Decimal, exclude_pk: int | None = None) -> list[str]:
    commodity = plot.commodity
    same_season = Harvest.objects.filter(plot=plot, season=season)
    if exclude_pk is not None:
        same_season = same_season.exclude(pk=exclude_pk)
    earlier = same_season.aggregate(s=Sum("quantity_kg"))["s"]
    total = (earlier or Decimal(0)) + quantity_kg
    limit = plot.area_ha * commodity.max_yield_kg_ha_season
    if total > limit:
        return [
            _(
                "Panen musim %(season)s menjadi %(total)s kg dari %(area)s ha (%(per_ha)s kg/ha), melebihi batas wajar "
                "%(max)s kg/ha untuk %(c)s. Periksa satuan dan luas lahan."
            )
            % {
                "season": season,
                "total": f"{total:,.0f}".replace(",", "."),
                "area": plot.area_ha.normalize(),
                "per_ha": f"{total / plot.area_ha:,.0f}".replace(",", "."),
                "max": f"{commodity.max_yield_kg_ha_season:,}".replace(",", "."),
                "c": commodity,
            }
        ]
    return []


@transaction.atomic
def harvest_record(
    *,
    actor: User,
    plot: Plot,
    harvested_on: dt.date,
    quantity: Decimal | int | str,
    unit: Unit,
    practices: Iterable[Practice] = (),
    confirm: bool = False,
) -> Harvest:
    ensure_can_edit_household(actor, plot.farmer.household)
    _not_future(harvested_on, "harvested_on")
    amount = _positive(quantity, "quantity")
    quantity_kg = market_selectors.to_kg(amount, unit, plot.commodity)
    season = plot.commodity.season_of(harvested_on)
    warnings = harvest_warnings(plot=plot, season=season, quantity_kg=quantity_kg)
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    harvest = Harvest(
        plot=plot,
        harvested_on=harvested_on,
        season=season,
        quantity=amount,
        unit=unit,
        quantity_kg=quantity_kg,
        warning="; ".join(warnings)[:300],
        recorded_by=actor,
    )
    harvest.full_clean()
    harvest.save()
    harvest.practices.set(practices)
    return harvest


def sale_warnings(
    *,
    farmer: Person,
    commodity: Commodity,
    season: str,
    quantity_kg: Decimal,
    price_per_kg: int,
    date: dt.date,
    channel: str = "",
) -> list[str]:
    warnings = []
    harvested = Harvest.objects.filter(plot__farmer=farmer, plot__commodity=commodity, season=season).aggregate(
        s=Sum("quantity_kg")
    )["s"] or Decimal(0)
    sold = Sale.objects.filter(farmer=farmer, commodity=commodity, season=season).aggregate(s=Sum("quantity_kg"))[
        "s"
    ] or Decimal(0)
    if harvested > 0 and sold + quantity_kg > harvested:
        warnings.append(
            _("Penjualan %(c)s musim %(s)s menjadi %(sold)s kg, lebih dari panen yang tercatat (%(h)s kg).")
            % {
                "c": commodity,
                "s": season,
                "sold": f"{sold + quantity_kg:,.0f}".replace(",", "."),
                "h": f"{harvested:,.0f}".replace(",", "."),
            }
        )
    check = market_selectors.check_price(
        commodity=commodity, price_per_kg=price_per_kg, on_date=date, channel=channel or None
    )
    if check.is_outlier:
        warnings.append(check.message)
    return warnings


@transaction.atomic
def sale_record(*, actor: User, farmer: Person, data: dict[str, Any], confirm: bool = False) -> Sale:
    ensure_can_edit_household(actor, farmer.household)
    date = data["date"]
    _not_future(date, "date")
    quantity = _positive(data["quantity"], "quantity")
    commodity = data["commodity"]
    plot = data.get("plot")
    if plot is not None and plot.farmer_id != farmer.pk:
        raise ValidationError({"plot": _("Lahan ini bukan milik petani ini.")})
    grade = data.get("grade")
    if grade is not None and grade.commodity_id != commodity.pk:
        raise ValidationError({"grade": _("Mutu ini bukan mutu komoditas yang dipilih.")})
    price = data["price_per_kg"]
    if not price or price <= 0:
        # Before the price check of the warnings, which compares it with the market; the model says the same.
        raise ValidationError({"price_per_kg": positive_rupiah.message})
    quantity_kg = market_selectors.to_kg(quantity, data["unit"], commodity)
    season = commodity.season_of(date)
    warnings = sale_warnings(
        farmer=farmer,
        commodity=commodity,
        season=season,
        quantity_kg=quantity_kg,
        price_per_kg=price,
        date=date,
        channel=data["channel"],
    )
    if warnings and not confirm:
        raise NeedsConfirmation(warnings)
    village_id = plot.village_id if plot else farmer.household.village_id
    sale = Sale(
        farmer=farmer,
        plot=plot,
        date=date,
        commodity=commodity,
        grade=grade,
        quality_pct=data.get("quality_pct"),
        quantity=quantity,
        unit=data["unit"],
        quantity_kg=quantity_kg,
        price_per_kg=price,
        buyer=data.get("buyer"),
        buyer_name=data.get("buyer_name") or (data["buyer"].name if data.get("buyer") else ""),
        channel=data["channel"],
        season=season,
        district_id=village_id[:8],
        warning="; ".join(warnings)[:300],
        recorded_by=actor,
        amount=0,
        week=0,
    )
    sale.full_clean(exclude=["amount", "week"])
    sale.save()
    return sale
