from __future__ import annotations

from typing import Any

from berdaya.accounts.models import User

from .access import can_handle, requests_visible_to


def person_panel(*, actor: User, obj: Any) -> dict[str, Any]:
    """The person's data-subject requests, for the data-protection officer only (others see no panel)."""
    if not can_handle(actor):
        return {"pdp_shown": False}
    return {"pdp_shown": True, "pdp_requests": list(requests_visible_to(actor).filter(person=obj)[:10])}
