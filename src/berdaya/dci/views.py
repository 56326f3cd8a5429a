"""The SPDCI endpoints (JSON, bearer token, no cookies) and the admin's page of deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities
from berdaya.core.auth_hooks import BearerClient, authenticate_bearer
from berdaya.core.forms import service_errors
from berdaya.core.languages import language_of

from . import envelope as env
from . import services, signatures
from .access import deliveries_visible_to, ensure_can_see_exchanges
from .models import Delivery
from .selectors import delivery_list

Handler = Callable[[BearerClient, str, bytes], services.Answer]

HANDLERS: dict[str, Handler] = {
    "sync-search": lambda c, r, b: services.sync_search(client=c, registry=r, body=b),
    "search": lambda c, r, b: services.async_request(client=c, registry=r, action="search", body=b),
    "subscribe": lambda c, r, b: services.async_request(client=c, registry=r, action="subscribe", body=b),
    "unsubscribe": lambda c, r, b: services.async_request(client=c, registry=r, action="unsubscribe", body=b),
    "txn-status": lambda c, r, b: services.async_request(client=c, registry=r, action="txn-status", body=b),
    "sync-txn-status": lambda c, r, b: services.sync_status(client=c, registry=r, body=b),
}


def _json(status: int, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def address_not_found(request: HttpRequest) -> JsonResponse:
    """An address under /dci/ that names no endpoint: the spec's HttpErrorResponse, not the site's HTML page."""
    return _json(404, env.http_error("err.request.not_found", _("Alamat ini tidak ada di antarmuka SPDCI.")))


def endpoint(registry: str, name: str) -> Callable[[HttpRequest], HttpResponse]:
    handler = HANDLERS[name]

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        # Messages (status_reason_message, errors) in the language the client asks for, as the REST API's.
        language = language_of(request)
        with translation.override(language):
            response = answer(request)
        response["Content-Language"] = language
        return response

    def answer(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            response = _json(405, env.http_error("err.request.bad", _("Gunakan POST.")))
            response["Allow"] = "POST"
            return response
        client = authenticate_bearer(request)
        if client is None:
            response = _json(
                401,
                env.http_error("err.request.unauthorized", _("Token tidak ada, tidak sah, dicabut atau kedaluwarsa.")),
            )
            response["WWW-Authenticate"] = 'Bearer realm="dci"'
            return response
        if not capabilities(client.user).sees_people:
            return _json(
                403,
                env.http_error(
                    "err.request.forbidden", _("Peran pengguna token ini hanya boleh melihat data agregat.")
                ),
            )
        answer = handler(client, registry, request.body)
        # A synchronous answer (it has a header) leaves signed with Berdaya's key, when one is configured.
        body = signatures.signed(answer.body)
        if answer.message_json is None:
            return _json(answer.status, body)
        # The message as it was encoded for its transaction row; the rest as _json writes it, in the same order.
        parts = b",".join(
            services.encode(key) + b":" + (answer.message_json if key == "message" else services.encode(value))
            for key, value in body.items()
        )
        return HttpResponse(b"{" + parts + b"}", status=answer.status, content_type="application/json")

    view.__name__ = f"dci_{registry}_{name}".replace("-", "_")
    return view


@login_required
def delivery_list_view(request: HttpRequest) -> HttpResponse:
    ensure_can_see_exchanges(request.user)  # type: ignore[arg-type]
    status = request.GET.get("status", "")
    deliveries = delivery_list(actor=request.user, status=status)[:200]  # type: ignore[arg-type]
    return render(
        request,
        "dci/delivery_list.html",
        {"deliveries": deliveries, "status": status, "statuses": Delivery.Status.choices},
    )


@login_required
@require_POST
def delivery_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    ensure_can_see_exchanges(request.user)  # type: ignore[arg-type]
    delivery = get_object_or_404(deliveries_visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    with service_errors(request, also=(PermissionDenied,)):
        services.delivery_retry(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
    return redirect("dci:deliveries")
