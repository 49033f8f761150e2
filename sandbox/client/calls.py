"""Every admin API call as data (method, path, query, body), shared by the sync and async clients,
and how an answer becomes a value or a `SandboxError`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.client.errors import SandboxError

# The server waits at most this long per `callbacks/wait` request; longer waits are several.
MAX_SERVER_WAIT_S = 60.0
# A check against a handler that never answers waits out the gateway's timeout on every delivery.
CHECK_HTTP_TIMEOUT_S = 900.0
ADMIN = "/_sandbox"


@dataclass(frozen=True)
class Call:
    """One admin API request: method, path under `/_sandbox`, query, JSON or raw body."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None


def query(filters: Mapping[str, object]) -> dict[str, str]:
    """Query parameters from keyword filters: None is left out, booleans are `true`/`false`."""
    params: dict[str, str] = {}
    for name, value in filters.items():
        if value is None:
            continue
        params[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return params


def get(path: str, **filters: object) -> Call:
    """`GET /_sandbox/<path>` with keyword filters as the query."""
    return Call("GET", f"{ADMIN}/{path}", params=query(filters))


def post(path: str, body: Mapping[str, object] | None = None) -> Call:
    """`POST /_sandbox/<path>` with a JSON object body (`{}` when none)."""
    return Call("POST", f"{ADMIN}/{path}", json=dict(body) if body is not None else {})


def put(path: str, body: Mapping[str, object]) -> Call:
    """`PUT /_sandbox/<path>` with a JSON object body."""
    return Call("PUT", f"{ADMIN}/{path}", json=dict(body))


def wait(count: int, timeout: float, filters: Mapping[str, object]) -> Call:
    """`GET /_sandbox/callbacks/wait`, with an HTTP timeout longer than the wait."""
    params = query({**filters, "count": count, "timeout": f"{timeout:g}"})
    return Call("GET", f"{ADMIN}/callbacks/wait", params=params, timeout=timeout + 10)


def check(
    gateway: str,
    notify_url: str,
    merchant: str | None,
    only: tuple[str, ...] | list[str],
    state_url: str | None,
    kinds: tuple[str, ...] | list[str] = (),
) -> Call:
    """`POST /_sandbox/check`, with an HTTP timeout as long as a whole battery may take."""
    body = without_none({"gateway": gateway, "notify_url": notify_url, "merchant": merchant})
    if only:
        body["only"] = list(only)
    if kinds:
        body["kinds"] = list(kinds)
    if state_url is not None:
        body["state_url"] = state_url
    return Call("POST", f"{ADMIN}/check", json=body, timeout=CHECK_HTTP_TIMEOUT_S)


def upload(yaml_text: str, file: str | None) -> Call:
    """`POST /_sandbox/scenarios` with YAML text."""
    return Call(
        "POST",
        f"{ADMIN}/scenarios",
        params=query({"file": file}),
        content=yaml_text.encode("utf-8"),
        headers={"Content-Type": "application/yaml"},
    )


def clock_body(mode: str | None, scale: float | None) -> dict[str, object]:
    """The `PUT /_sandbox/clock` body: only what is given."""
    body: dict[str, object] = {}
    if mode is not None:
        body["mode"] = mode
    if scale is not None:
        body["scale"] = scale
    return body


def without_none(fields: Mapping[str, object]) -> dict[str, object]:
    """The fields that have a value."""
    return {name: value for name, value in fields.items() if value is not None}


def request_args(call: Call, token: str | None) -> dict[str, Any]:
    """Keyword arguments of `httpx.Client.request` for a call."""
    headers = dict(call.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    args: dict[str, Any] = {"params": call.params, "headers": headers}
    if call.content is not None:
        args["content"] = call.content
    elif call.json is not None:
        args["json"] = call.json
    if call.timeout is not None:
        args["timeout"] = call.timeout
    return args


def answer(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; any other raises `SandboxError` with its code and message."""
    if response.is_success:
        return response.json()
    raise error_of(response)


def error_of(response: httpx.Response) -> SandboxError:
    """The `SandboxError` of an error answer (its code and message, or the HTTP status)."""
    try:
        body = response.json()
        error = body["error"]
        message = str(error["message"])
        if isinstance(body.get("errors"), list):
            message = "; ".join([message, *map(str, body["errors"])])
        return SandboxError(str(error["code"]), message, response.status_code)
    except (ValueError, KeyError, TypeError):
        text = response.text[:200] or response.reason_phrase
        return SandboxError("http_error", text, response.status_code)


def selection_of(listing: Mapping[str, Any], gateway: str | None, merchant: str | None) -> Any:
    """The names selected now for a merchant (None: no own selection), or globally (a list)."""
    selection = listing["selection"]
    if merchant is None:
        return list(selection["global"])
    for entry in selection["merchants"]:
        if entry["gateway"] == gateway and str(entry["merchant"]) == str(merchant):
            return list(entry["names"])
    return None


def activate(names: list[str] | None, gateway: str | None, merchant: str | None) -> Call:
    """`PUT /_sandbox/scenarios/active`, globally or for one merchant."""
    body: dict[str, object] = {"names": names}
    if merchant is not None:
        body.update(gateway=gateway, merchant=merchant)
    return put("scenarios/active", body)
