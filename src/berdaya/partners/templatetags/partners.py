"""Template helpers of partners: the dashboard's agreement reminders, quantities."""

from __future__ import annotations

from decimal import Decimal

from django import template

from berdaya.partners import choices as c
from berdaya.partners.selectors import agreement_reminders

register = template.Library()


@register.inclusion_tag("partners/_dashboard_reminders.html", takes_context=True)
def dashboard_agreement_reminders(context):
    """Agreements ending within 60 days that the user may see (none for roles that see no agreements)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "reminders": agreement_reminders(actor=user) if user is not None else [],
        "days": c.REMINDER_DAYS,
        # An inclusion tag's template sees only what it is given: the regency names the government as a party.
        "REGENCY": context.get("REGENCY"),
    }


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros, Indonesian decimal comma: 12, 2,5, 1.250."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if number == number.to_integral():
        return f"{int(number):,}".replace(",", ".")
    whole, _sep, frac = f"{number.normalize():f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac
