"""The SPDCI OpenAPI files (vendored in spec/, Apache-2.0) as JSON Schema validators: the tests validate every
request Berdaya accepts and every answer and callback it sends against them.

OpenAPI 3.0 schemas are JSON Schema (draft 4 with extensions); the files reference each other's parts by JSON
pointer, some into places no schema tool expects (`.../txnstatus_response/example`). The small resolver here serves
the whole file as one resource to `referencing`, so any pointer resolves, and checks against the operation's
request body or response schema.

One correction is applied on loading (docs/decisions.md, "SPDCI"): the social registry's NotifyEventRequest allows
only REGISTER and NewHouseHoldMember as `reg_event_type`, while subscriptions in both registries (and the farmer
registry's notify, a free string) use the SPDCI registry event types; the enum is widened to them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry as SchemaRegistry
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).parent / "spec"
FILES = {"social": "social_api_v1.0.0.yaml", "farmer": "fr_api_v1.0.0.yaml"}
EVENT_TYPES = ["REGISTER", "NewHouseHoldMember", "UPDATE", "DELETE", "LINK", "UNLINK"]


@cache
def document(registry: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SPEC_DIR / FILES[registry]).read_text(encoding="utf-8"))
    notify = data["components"]["schemas"]["NotifyEventRequest"]
    event = notify["properties"]["notify_event"]["items"]["properties"]["data"]["properties"]["reg_event_type"]
    if "enum" in event:
        event["enum"] = EVENT_TYPES
    return data


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _registry(registry: str) -> SchemaRegistry:
    uri = f"urn:spdci:{registry}"
    return SchemaRegistry().with_resource(uri, DRAFT4.create_resource(document(registry)))


def validator(registry: str, path: str, part: str = "request", status: str = "default") -> Draft4Validator:
    """The validator of a request body (`part="request"`) or a response body (`part="response"`, `status` "default",
    "401", ...) of `POST path` in the registry's spec."""
    operation = ["paths", path, "post"]
    if part == "request":
        where = [*operation, "requestBody", "content", "application/json", "schema"]
    else:
        response = document(registry)["paths"][path]["post"]["responses"][status]
        if "$ref" in response:  # a shared response: #/components/responses/Name
            where = [*response["$ref"][2:].split("/"), "content", "application/json", "schema"]
        else:
            where = [*operation, "responses", status, "content", "application/json", "schema"]
    schema = {"$ref": f"urn:spdci:{registry}{_pointer(*where)}"}
    return Draft4Validator(schema, registry=_registry(registry))


def component(registry: str, name: str) -> Draft4Validator:
    schema = {"$ref": f"urn:spdci:{registry}{_pointer('components', 'schemas', name)}"}
    return Draft4Validator(schema, registry=_registry(registry))


def errors(registry: str, path: str, body: Any, part: str = "request", status: str = "default") -> list[str]:
    """Every violation of `body` against the spec, as readable lines (empty: valid)."""
    found = validator(registry, path, part, status).iter_errors(body)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found]
