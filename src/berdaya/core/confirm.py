"""The confirmation step before an irreversible action: a page of its own, rendered by the server.

A JavaScript confirm() (or htmx's hx-confirm) cannot say how many people a step touches, is skipped without
JavaScript, and is easy to click through. The action's view calls confirm_first(); without the confirmation field in
the POST it answers with a page that says what will happen and to how many, and whose button posts the same fields
again, confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"


def confirm_first(
    request: HttpRequest,
    *,
    title: str,
    consequences: Iterable[str],
    confirm_label: str,
    cancel_url: str,
    danger: bool = False,
) -> HttpResponse | None:
    """None when the POST carries the confirmation; else the confirmation page to answer with."""
    if request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes":
        return None
    carry = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", CONFIRM_FIELD}
        for value in values
    ]
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequences": list(consequences),
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "carry": carry,
            "danger": danger,
            "confirm_field": CONFIRM_FIELD,
        },
    )
