"""How the OpenAPI schema names Berdaya's bearer tokens and browser sessions (imported from ApiConfig.ready())."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "berdaya.api.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token API Berdaya: `Authorization: Bearer bdy_...` (berdaya api token USERNAME).",
        }


class BrowserSessionScheme(SessionScheme):
    """The session cookie, as drf-spectacular names DRF's SessionAuthentication (ours words its CSRF refusal)."""

    target_class = "berdaya.api.authentication.SessionAuthentication"


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Setiap galat: ringkasan dan daftar galat yang menyebut kolom dan aturannya.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "rule": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "rule", "message"],
            },
        },
    },
    "required": ["detail", "errors"],
}

_ERRORS = {
    "400": "Data atau filter tidak valid.",
    "401": "Tanpa token, atau token tidak sah, dicabut atau kedaluwarsa.",
    "403": "Peran pemilik token tidak boleh melakukan ini.",
    "404": "Tidak ada, atau di luar wilayah pemilik token.",
    "429": "Terlalu banyak permintaan untuk token ini.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the error body it may answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            # An id in the path is matched by Django's <int:pk> (digits only): a negative one never reaches a view.
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("schema", {}).get("type") == "integer":
                    parameter["schema"]["minimum"] = 0
            codes = ["429"] if "/public/" in path else list(_ERRORS)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code, {"description": _ERRORS[code], "content": {"application/json": {"schema": ref}}}
                )
    return result
