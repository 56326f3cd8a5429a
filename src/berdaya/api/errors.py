"""Error bodies that name the field and the rule, in the language the client asked for.

Every error answers
    {"detail": "<summary>", "errors": [{"field": "nik", "rule": "invalid", "message": "NIK harus 16 digit angka."}]}
`field` is null for an error about the whole request or record; `rule` is the validator's code (required, invalid,
max_length, unique, permission_denied, not_found, throttled...). A service's `ValidationError` (the same rules and
messages as the web forms) becomes a 400 here, so the API never words a rule a second time.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from berdaya.core.conflicts import WRITE_CONFLICT, is_write_conflict, rolled_back
from berdaya.core.languages import language_of
from berdaya.registry.services import RegistrationErrors


def activate_request_language(request: Any) -> str:
    language = language_of(request)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _field(name: Any) -> str | None:
    if name in (None, NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY):
        return None
    return str(name)


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """DRF's nested error detail (dicts of lists of ErrorDetail) as a flat list of field/rule/message."""
    if isinstance(detail, dict):
        rows: list[dict[str, Any]] = []
        for key, value in detail.items():
            name = _field(key)
            rows += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return rows
    if isinstance(detail, list):
        return [row for item in detail for row in _flatten(item, field)]
    return [{"field": field, "rule": getattr(detail, "code", None) or "invalid", "message": str(detail)}]


def django_errors(exc: DjangoValidationError, prefix: str = "") -> list[dict[str, Any]]:
    if isinstance(exc, RegistrationErrors):
        # A registration's errors by part: the household's fields, then each member's by index as submitted.
        parts = django_errors(exc.household, "household.") if exc.household is not None else []
        for index, error in sorted(exc.members.items()):
            parts += django_errors(error, f"members.{index}.")
        return parts
    rows: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    field = _field(name)
                    path = f"{prefix}{field}" if field else (prefix.rstrip(".") or None)
                    rows.append({"field": path, "rule": error.code or "invalid", "message": message})
    else:
        for error in exc.error_list:
            for message in error.messages:
                rows.append({"field": prefix.rstrip(".") or None, "rule": error.code or "invalid", "message": message})
    return rows


_SUMMARY_RULES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def _own_wording(exc: Exception, message: str, method: str) -> str:
    """Ours for a DRF default wording that DRF's Indonesian catalogue lacks (it answered in English whatever
    Accept-Language said); `message` otherwise, so a message of ours raised with the same exception is kept."""
    if isinstance(exc, exceptions.MethodNotAllowed) and message == str(exc.default_detail).format(method=method):
        return _('Metode "%(method)s" tidak diizinkan.') % {"method": method}
    if isinstance(exc, exceptions.ParseError) and message == str(exc.default_detail):
        return _("Permintaan tidak dapat dibaca.")
    return message


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_write_conflict(exc) and rolled_back():
        # Another transaction wrote the same rows (core.conflicts): nothing was saved, the client may send it again.
        message = str(WRITE_CONFLICT)
        return Response(
            {"detail": message, "errors": [{"field": None, "rule": "conflict", "message": message}]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        rows = django_errors(exc)
        return Response({"detail": _("Data tidak valid."), "errors": rows}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        rows = _flatten(exc.detail)
        response.data = {"detail": _("Data tidak valid."), "errors": rows}
        return response
    data = response.data if isinstance(response.data, dict) else {}
    message = str(data.get("detail", "")) or _("Permintaan tidak dapat diproses.")
    rule = getattr(data.get("detail"), "code", None) or _SUMMARY_RULES.get(response.status_code, "error")
    message = _own_wording(exc, message, str(getattr(context.get("request"), "method", "")))
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        # The number Retry-After carries (DRF has already rounded the wait up to whole seconds).
        message = ngettext(
            "Terlalu banyak permintaan. Coba lagi dalam %(seconds)d detik.",
            "Terlalu banyak permintaan. Coba lagi dalam %(seconds)d detik.",
            int(exc.wait),
        ) % {"seconds": exc.wait}
    response.data = {"detail": message, "errors": [{"field": None, "rule": rule, "message": message}]}
    return response


def address_not_found(request: HttpRequest) -> JsonResponse:
    """The answer to an address under /api/ that names no endpoint (an unknown path, or an id that is not a number):
    the API's error body in the language of Accept-Language, not the site's HTML page."""
    language = activate_request_language(request)
    message = _("Alamat ini tidak ada di API.")
    body = {"detail": message, "errors": [{"field": None, "rule": "not_found", "message": message}]}
    response = JsonResponse(body, status=status.HTTP_404_NOT_FOUND, json_dumps_params={"ensure_ascii": False})
    response.headers["Content-Language"] = language
    return response
