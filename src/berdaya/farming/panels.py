"""The farming section of the registry's person page (registered from apps.FarmingConfig)."""

from __future__ import annotations

from typing import Any

from berdaya.accounts.models import User
from berdaya.core.compiled import CompiledQuery

from .models import Plot

# The person's plots, compiled once (core.compiled): every person page asks.
_PLOTS = CompiledQuery(lambda person: Plot.objects.filter(farmer=person).values_list("pk", flat=True), person=int)


def person_panel(*, actor: User, obj: Any) -> dict[str, Any]:
    return {"farm_plot_count": len(_PLOTS(person=obj.pk))}
