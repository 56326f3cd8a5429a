"""How the OpenAPI schema names Berdaya's bearer tokens (imported from ApiConfig.ready())."""

from __future__ import annotations

from typing import Any

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
