"""Panels that the apps above the registry add to its pages: the home page, a person's and a household's.

The registry sits below programmes, inclusion, farming and migration, so it must not know them. Each of them
registers its panel here from its AppConfig.ready(), and the page renders the panels registered for it, in order. A
panel is a template included with the page's context, plus, when it needs more, a function of the signed-in user and
the record shown that gives the template its own context (programmes reads its selectors there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for the type: the apps' AppConfig modules import this one, before any model may be loaded.
    from berdaya.accounts.models import User

HOME = "home"
PERSON = "person"
HOUSEHOLD = "household"


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: Callable[..., dict[str, Any]] | None = None


@dataclass(frozen=True)
class ShownPanel:
    """A panel ready for the page: its template and the context it adds to the page's."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


_PANELS: dict[str, dict[str, Panel]] = {HOME: {}, PERSON: {}, HOUSEHOLD: {}}


def register_panel(
    page: str, name: str, *, template: str, order: int, context: Callable[..., dict[str, Any]] | None = None
) -> None:
    """Add a panel to `page` (HOME, PERSON or HOUSEHOLD); `context(actor=user, obj=person_or_household)` gives the
    template what the page does not (obj is None on the home page). Registering a name again replaces the panel, so a ready() run twice adds none."""
    _PANELS[page][name] = Panel(template=template, order=order, context=context)


def panels_for(page: str, *, actor: User, obj) -> list[ShownPanel]:
    """The panels of `page` for `obj`, in order. The caller has already checked that `actor` may see `obj`."""
    shown = []
    for panel in sorted(_PANELS[page].values(), key=lambda p: p.order):
        extra = panel.context(actor=actor, obj=obj) if panel.context else {}
        shown.append(ShownPanel(template=panel.template, context=extra))
    return shown
