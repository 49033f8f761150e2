"""`sandbox tail`: stream a running sandbox's events (`GET /_sandbox/events`), one line each, like
`stripe listen`; `--forward-to URL` relays each callback, exact body and headers, to another URL
(e.g. the merchant's server on a laptop) and prints its answer.

The HTTP client is imported only when the command runs, so `sandbox serve` does not pay for it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
KINDS = ("request", "order", "attempt")
# Headers that describe one hop, not the callback: the relay sets its own.
HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})


def add_tail_command(commands: Any) -> None:
    tail = commands.add_parser(
        "tail",
        help="stream a running sandbox's requests, orders and callback attempts",
        description=(
            "Print each event of a running sandbox as it happens: gateway requests, order "
            "changes and callback attempts (like `stripe listen`). --forward-to relays every "
            "callback, exact body and headers, to another URL and prints its answer."
        ),
        epilog=(
            "examples:\n"
            "  sandbox tail\n"
            "  sandbox tail --gateway trustpay --kind attempt --format json\n"
            "  sandbox tail --forward-to http://localhost:3000/webhooks/trustpay"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tail.add_argument(
        "--url",
        default=os.environ.get("SANDBOX_URL", DEFAULT_URL),
        help=f"the sandbox [SANDBOX_URL; default {DEFAULT_URL}]",
    )
    tail.add_argument(
        "--admin-token",
        default=os.environ.get("SANDBOX_ADMIN_TOKEN"),
        help="admin token [SANDBOX_ADMIN_TOKEN]",
    )
    tail.add_argument("--gateway", choices=["trustpay", "ezpay", "goldenpay"])
    tail.add_argument("--merchant", help="only this merchant id")
    tail.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="only these kinds of event (repeatable; default: all)",
    )
    tail.add_argument("--format", choices=["text", "json"], default="text", dest="output")
    tail.add_argument(
        "--forward-to",
        metavar="URL",
        help="relay each callback (its first attempt) to this URL and print the answer",
    )
    tail.add_argument("--limit", type=int, metavar="N", help="stop after N events")
    tail.add_argument("--timeout", type=int, metavar="SECONDS", help="stop after this long")
    tail.set_defaults(handler=run_tail)


def run_tail(args: argparse.Namespace) -> int:
    import httpx

    params: dict[str, str] = {}
    if args.gateway:
        params["gateway"] = args.gateway
    if args.merchant:
        params["merchant"] = args.merchant
    kinds = list(args.kind or ())
    if args.forward_to and kinds and "attempt" not in kinds:
        kinds.append("attempt")  # forwarding needs the callbacks
    if kinds:
        params["kind"] = ",".join(kinds)
    if args.limit is not None:
        params["limit"] = str(args.limit)
    if args.timeout is not None:
        params["timeout"] = str(args.timeout)
    headers = {"Accept": "text/event-stream"}
    if args.admin_token:
        headers["Authorization"] = f"Bearer {args.admin_token}"
    url = args.url.rstrip("/") + "/_sandbox/events"
    timeout = httpx.Timeout(10.0, read=None)
    try:
        with (
            httpx.Client(timeout=timeout) as client,
            client.stream("GET", url, params=params, headers=headers) as response,
        ):
            if response.status_code != 200:
                response.read()
                print(f"sandbox: error: {response.status_code} {response.text}", file=sys.stderr)
                return 1
            for kind, data in sse_events(response.iter_lines()):
                if kind == "subscribed":
                    print(f"listening to {args.url} ({', '.join(data['kinds'])})", file=sys.stderr)
                    continue
                print(format_event(kind, data, args.output), flush=True)
                if args.forward_to and kind == "attempt" and data.get("attempt") == 1:
                    print(forward(client, args.forward_to, data, args.output), flush=True)
    except httpx.HTTPError as exc:
        print(f"sandbox: error: cannot stream {url}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def sse_events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data as JSON) of each server-sent event; comments (pings) are skipped."""
    kind: str = "message"
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data.append(value)


def format_event(kind: str, data: dict[str, Any], output: str) -> str:
    if output == "json":
        return json.dumps({"kind": kind, **data}, ensure_ascii=False)
    where = f"{data.get('gateway', '')}/{data.get('merchant', '')}"
    if kind == "request":
        return (
            f"request  {where} {data['method']} {data['path']} {data['operation']} "
            f"{data['status']} {data.get('note') or '-'} sign={data['signature']}"
        )
    if kind == "order":
        return (
            f"order    {where} {data['order_id']} ({data['merchant_order_id'] or '-'}) "
            f"{data['kind']} {data['status']} {data['amount']} {data['currency']}"
        )
    if kind == "attempt":
        outcome = data["error"] if data["error"] is not None else data["status"]
        retry = f" next={data['next_retry']}" if data.get("next_retry") else ""
        return (
            f"callback {where} {data['callback']} #{data['attempt']} {data['event']} "
            f"{data['url']} {outcome} {data['verdict']}{retry}"
        )
    return f"{kind} {json.dumps(data, ensure_ascii=False)}"


def forward(client: httpx.Client, target: str, data: dict[str, Any], output: str) -> str:
    """POST the callback as the sandbox sent it to `target`; the answer as one line."""
    import httpx

    body = (
        base64.b64decode(data["body"])
        if data.get("body_encoding") == "base64"
        else str(data["body"]).encode("utf-8")
    )
    headers = {k: v for k, v in data["headers"].items() if k.lower() not in HOP_HEADERS}
    started = time.perf_counter()
    try:
        answer = client.post(target, content=body, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        result: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)}
    else:
        result = {"status": answer.status_code, "response": answer.text[:200]}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if output == "json":
        return json.dumps(
            {"kind": "forwarded", "callback": data["callback"], "to": target, **result}
        )
    outcome = result.get("status", result.get("error"))
    excerpt = result.get("response", result.get("detail", ""))
    return f"  -> forwarded {data['callback']} to {target}: {outcome} {excerpt!r}"
