"""What gateways read off an incoming request the same way: a JSON-object body (a key given twice
is refused, never silently merged) and the TCP peer's address for IP allow-lists. Each gateway
passes its own refusals, so the answers stay in its envelope and wording."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request

from sandbox.connection import TRANSPORT_KEY
from sandbox.signing.values import DuplicateKeyError, parse_request_json


def read_json_object(
    raw: bytes | str,
    duplicate: Callable[[str], Exception],
    malformed: Callable[[], Exception],
    not_object: Callable[[], Exception] | None = None,
) -> dict[str, Any]:
    """`raw` as a JSON object, or the gateway's refusal: a key given twice (`duplicate(key)`),
    not JSON (`malformed()`), JSON but not an object (`not_object()`, by default `malformed()`)."""
    try:
        value = parse_request_json(raw)
    except DuplicateKeyError as exc:
        raise duplicate(exc.key) from None
    except ValueError:
        raise malformed() from None
    if not isinstance(value, dict):
        raise (not_object or malformed)()
    return value


def peer_host(request: Request) -> str:
    """The TCP peer's address: uvicorn rewrites `client` from X-Forwarded-For sent by a local
    proxy, and an allow-list checks the real peer, so read the transport when there is one."""
    transport = request.scope.get(TRANSPORT_KEY)
    peer = transport.get_extra_info("peername") if transport is not None else None
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return request.client.host if request.client is not None else ""


def peer_allowed(networks: Sequence[str], request: Request) -> bool:
    """Whether the peer is in one of `networks` (CIDR or single addresses); none: any peer."""
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(peer_host(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
