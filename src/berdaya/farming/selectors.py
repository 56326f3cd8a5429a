"""Reads of the farming app, already scoped (.access): a facilitator sees the plots, harvests and sales of the farmers
in their villages, partner staff those of their beneficiaries, viewers only aggregates."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractYear

from berdaya.accounts.models import User
from berdaya.markets.selectors import annotate_premium
from berdaya.programmes.models import Enrolment

from .access import harvests_visible_to, sales_visible_to

# Programme kinds that teach farming or selling: their completion date splits "before" from "after".
FARMER_PROGRAMME_KINDS = ("field_school", "farm_business", "market_access", "skills_training")


def sale_list(*, actor: User, filters: dict | None = None) -> QuerySet:
    """Sales with their reference price and premium (%) annotated in SQL."""
    filters = filters or {}
    qs = sales_visible_to(actor).select_related("farmer", "commodity", "grade", "district")
    if filters.get("commodity"):
        qs = qs.filter(commodity__code=filters["commodity"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    return annotate_premium(qs).order_by("-date", "-id")


def yield_by_plot_season(qs: QuerySet) -> QuerySet:
    """kg harvested and kg per ha for each plot and season."""
    return (
        qs.values("plot_id", "plot__commodity__name", "plot__area_ha", "season")
        .annotate(kg=Sum("quantity_kg"))
        .annotate(
            kg_per_ha=ExpressionWrapper(
                F("kg") / F("plot__area_ha"), output_field=DecimalField(max_digits=14, decimal_places=2)
            )
        )
        .order_by("-season", "plot_id")
    )


def income_by_season(qs: QuerySet) -> QuerySet:
    return qs.values("season").annotate(amount=Sum("amount"), kg=Sum("quantity_kg"), n=Count("id")).order_by("-season")


def income_by_year(qs: QuerySet) -> QuerySet:
    return (
        qs.annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(amount=Sum("amount"), kg=Sum("quantity_kg"), n=Count("id"))
        .order_by("-year")
    )


def _completions() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        status="completed", programme__kind__in=FARMER_PROGRAMME_KINDS, ended_on__isnull=False
    )


def _trained_on(person_ref: str) -> Subquery:
    return Subquery(_completions().filter(person=OuterRef(person_ref)).order_by("ended_on").values("ended_on")[:1])


def training_comparison(*, actor: User) -> list[dict]:
    """Per commodity, for farmers who completed a farming programme: average price, premium against the reference
    price, and yield per ha, before and after their first completion. Grouped queries, no per-farmer loop."""
    # Only graduates' rows reach the correlated subqueries: the IN filter keeps the work proportional to them.
    graduates = _completions().values("person")
    sales = (
        annotate_premium(sales_visible_to(actor).filter(farmer__in=graduates))
        .annotate(trained_on=_trained_on("farmer"))
        .filter(trained_on__isnull=False)
    )
    before, after = Q(date__lt=F("trained_on")), Q(date__gte=F("trained_on"))
    rows = {
        r["commodity__name"]: r
        for r in sales.values("commodity__name").annotate(
            price_before=Avg("price_per_kg", filter=before),
            price_after=Avg("price_per_kg", filter=after),
            premium_before=Avg("premium_pct", filter=before),
            premium_after=Avg("premium_pct", filter=after),
            sales_before=Count("id", filter=before),
            sales_after=Count("id", filter=after),
        )
    }
    harvests = (
        harvests_visible_to(actor)
        .filter(plot__farmer__in=graduates)
        .annotate(trained_on=_trained_on("plot__farmer"))
        .filter(trained_on__isnull=False)
        .values("plot_id", "plot__commodity__name", "plot__area_ha", "season", "trained_on")
        .annotate(kg=Sum("quantity_kg"), n=Count("id"), late=Count("id", filter=Q(harvested_on__gte=F("trained_on"))))
    )
    # Whole seasons only: a season that straddles the completion date is neither before nor after.
    yields: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: {"before": [], "after": []})
    for h in harvests:
        if h["late"] not in (0, h["n"]):
            continue
        side = "after" if h["late"] else "before"
        yields[h["plot__commodity__name"]][side].append(h["kg"] / h["plot__area_ha"])
    out = []
    for name in sorted(set(rows) | set(yields)):
        r = rows.get(name, {})
        y = yields.get(name, {"before": [], "after": []})
        out.append(
            {
                "commodity": name,
                "price_before": r.get("price_before"),
                "price_after": r.get("price_after"),
                "premium_before": r.get("premium_before"),
                "premium_after": r.get("premium_after"),
                "sales_before": r.get("sales_before", 0),
                "sales_after": r.get("sales_after", 0),
                "yield_before": sum(y["before"]) / len(y["before"]) if y["before"] else None,
                "yield_after": sum(y["after"]) / len(y["after"]) if y["after"] else None,
            }
        )
    return out
