"""What each admin endpoint takes, for the OpenAPI document: query parameters and JSON bodies.

Path parameters are read from the route itself (`{id}`); everything else is declared here, by
`(METHOD, path)`. A gateway's admin helpers (trigger, complete, card actions) take that gateway's
fields on top of the ones shown; each gateway page lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.admin.check import REQUEST_SCHEMA as CHECK_BODY

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
NUMBER_TEXT: dict[str, Any] = {
    "type": ["string", "number"],
    "description": 'a decimal, e.g. "10.00"',
}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
# A served gateway's name: `with_gateway_names` makes it an enum of the gateways the app serves.
GATEWAY: dict[str, Any] = {"type": "string", "x-sandbox-gateway": True}


@dataclass(frozen=True)
class Query:
    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    query: tuple[Query, ...] = ()
    body: dict[str, Any] | None = None  # JSON Schema of the request body
    body_required: bool = True
    body_media: tuple[str, ...] = ("application/json",)


PAGE = (
    Query("page", {"type": "integer", "minimum": 1, "default": 1}, "page number, from 1"),
    Query(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
        "items per page",
    ),
)
BY_MERCHANT = (
    Query("gateway", GATEWAY, "only this gateway"),
    Query("merchant", STRING, "only this merchant id (with gateway)"),
)
CALLBACK_FILTERS = (
    *BY_MERCHANT,
    Query("order", STRING, "a platform order id or the merchant's order id"),
    Query("event", STRING, "the callback's event"),
)


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


_MERCHANT_BODY = {"gateway": GATEWAY, "merchant": STRING}

ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/_sandbox/events"): Endpoint(
        query=(
            *BY_MERCHANT,
            Query("kind", STRING, "comma-separated: request, order, attempt (default: all)"),
            Query("limit", INTEGER, "end the stream after this many events"),
            Query("timeout", INTEGER, "end the stream after this many seconds"),
        )
    ),
    ("GET", "/_sandbox/merchants"): Endpoint(query=(Query("gateway", GATEWAY, "only this one"),)),
    ("PUT", "/_sandbox/clock"): Endpoint(
        body=_object({"mode": {"type": "string", "enum": ["real", "manual"]}, "scale": NUMBER_TEXT})
    ),
    ("POST", "/_sandbox/clock/advance"): Endpoint(
        body=_object({"seconds": NUMBER_TEXT}, ("seconds",))
    ),
    ("POST", "/_sandbox/reset"): Endpoint(
        body=_object({**_MERCHANT_BODY, "clock": BOOLEAN}), body_required=False
    ),
    ("GET", "/_sandbox/callbacks"): Endpoint(
        query=(
            *CALLBACK_FILTERS,
            Query("state", {"type": "string", "enum": ["pending", "acked", "failed"]}),
            *PAGE,
        )
    ),
    ("GET", "/_sandbox/callbacks/wait"): Endpoint(
        query=(
            *CALLBACK_FILTERS,
            Query(
                "count", {"type": "integer", "minimum": 1, "default": 1}, "callbacks to wait for"
            ),
            Query(
                "state",
                {"type": "string", "enum": ["any", "acked", "failed", "pending"], "default": "any"},
            ),
            Query("timeout", {"type": "number", "maximum": 60, "default": 30}, "seconds"),
        )
    ),
    ("POST", "/_sandbox/callbacks/{id}/resend"): Endpoint(),
    ("GET", "/_sandbox/requests"): Endpoint(
        query=(*BY_MERCHANT, Query("operation", STRING, "the gateway's operation name"), *PAGE)
    ),
    ("GET", "/_sandbox/scenarios"): Endpoint(query=(Query("gateway", GATEWAY, "only this one"),)),
    ("POST", "/_sandbox/scenarios"): Endpoint(
        query=(Query("file", STRING, "the file name the upload is known by"),),
        body={"type": "string", "description": "a scenario file (YAML)"},
        body_media=("application/yaml", "application/json"),
    ),
    ("PUT", "/_sandbox/scenarios/active"): Endpoint(
        body=_object(
            {
                "names": {"type": ["array", "null"], "items": STRING},
                **_MERCHANT_BODY,
            },
            ("names",),
        )
    ),
    ("GET", "/_sandbox/orders"): Endpoint(
        query=(
            *BY_MERCHANT,
            Query("order", STRING, "a platform order id or the merchant's order id"),
            Query("status", STRING, "the gateway's own status value"),
            Query("kind", STRING, "payin, payout, refund, ..."),
            *PAGE,
        )
    ),
    ("GET", "/_sandbox/orders/{order_id}"): Endpoint(query=BY_MERCHANT),
    ("POST", "/_sandbox/orders/{order_id}/complete"): Endpoint(
        body=_object(
            {
                "status": {
                    "type": "string",
                    "enum": ["success", "failed", "expired", "canceled"],
                },
                "paid_amount": NUMBER_TEXT,
                "reason": STRING,
                **_MERCHANT_BODY,
            }
        ),
        body_required=False,
    ),
    ("POST", "/_sandbox/check"): Endpoint(body=CHECK_BODY),
    ("POST", "/_sandbox/trigger"): Endpoint(
        body=_object(
            {
                **_MERCHANT_BODY,
                "kind": STRING,
                "status": STRING,
                "amount": NUMBER_TEXT,
                "currency": STRING,
                "notify_url": STRING,
                "order_no": STRING,
            },
            ("gateway", "merchant"),
        )
    ),
    ("PUT", "/_sandbox/cards/{card_id}"): Endpoint(
        body=_object({"status": STRING, "reason": STRING}, ("status",))
    ),
    ("POST", "/_sandbox/cards/{card_id}/spend"): Endpoint(
        body=_object(
            {
                "amount": NUMBER_TEXT,
                "currency": STRING,
                "merchant_name": STRING,
                "decline": BOOLEAN,
                "settle": BOOLEAN,
            },
            ("amount",),
        )
    ),
}


def path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
    # `/_sandbox/reports/{token}.csv`: a parameter inside a segment.
    if not names and "{" in path:
        names = [path[path.index("{") + 1 : path.index("}")]]
    return [{"name": name, "in": "path", "required": True, "schema": STRING} for name in names]


def with_gateway_names(value: Any, names: list[str]) -> Any:
    """`value` (a piece of the document) with each `GATEWAY` schema naming the served gateways."""
    if isinstance(value, dict):
        if value.get("x-sandbox-gateway"):
            return {"type": "string", "enum": names}
        return {key: with_gateway_names(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [with_gateway_names(item, names) for item in value]
    return value


def declare(method: str, path: str, operation: dict[str, Any]) -> None:
    """Add the parameters and the request body of `METHOD path` to its OpenAPI operation."""
    parameters = path_parameters(path)
    endpoint = ENDPOINTS.get((method.upper(), path))
    if endpoint is not None:
        parameters += [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "schema": q.schema,
                **({"description": q.description} if q.description else {}),
            }
            for q in endpoint.query
        ]
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": endpoint.body_required,
                "content": {media: {"schema": endpoint.body} for media in endpoint.body_media},
            }
    if parameters:
        operation["parameters"] = parameters
