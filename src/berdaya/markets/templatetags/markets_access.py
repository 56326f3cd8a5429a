from __future__ import annotations

from django import template

from berdaya.markets.access import MarketAccess, market_access

register = template.Library()


@register.simple_tag(takes_context=True)
def market_menu(context) -> MarketAccess:
    """What the signed-in user may open in the price pages: the menu shows only those entries."""
    return market_access(context["request"].user)
