"""`sandbox trigger`: create an order already in a state on a running sandbox and send its
callback, through the admin API (`POST /_sandbox/trigger`); prints the order and the result of
the callback's first delivery attempt.

The HTTP client is imported only when the command runs, so `sandbox serve` does not pay for it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.client import SandboxClient
    from sandbox.gateways.plug import TriggerMenu

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_WAIT_S = 15.0


def menus() -> dict[str, TriggerMenu]:
    """Each installed gateway's trigger menu (kind: statuses, its extras, default currency)."""
    from sandbox.gateways.installed import installed_gateways

    return {p.name: p.trigger_menu for p in installed_gateways() if p.trigger_menu is not None}


def add_trigger_command(commands: Any) -> None:
    """Add `sandbox trigger` to the sub-command parsers."""
    trigger = commands.add_parser(
        "trigger",
        help="create an order in a given state on a running sandbox and send its callback",
        description=(
            "Create an order already in a state (like a gateway dashboard's 'trigger event') "
            "and send its callback to --notify-url; prints the order and the first delivery "
            "attempt. Exit 0 when that attempt was acknowledged, 1 when not."
        ),
    )
    trigger.add_argument("gateway", nargs="?", choices=sorted(menus()))
    trigger.add_argument("kind", nargs="?", help="payin, payout or refund (see --list)")
    trigger.add_argument("--status", default="success", help="the state (default success)")
    trigger.add_argument("--amount", help="the order amount (EzPay: minor units)")
    trigger.add_argument("--currency", help="the currency (default: the gateway's)")
    trigger.add_argument("--notify-url", help="where the callback goes")
    trigger.add_argument("--merchant", help="merchant id (default: the gateway's first merchant)")
    trigger.add_argument(
        "--set",
        dest="extras",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a gateway extra field (repeatable), e.g. --set order_no=SHOP-1",
    )
    trigger.add_argument(
        "--url",
        default=os.environ.get("SANDBOX_URL", DEFAULT_URL),
        help=f"the sandbox [SANDBOX_URL; default {DEFAULT_URL}]",
    )
    trigger.add_argument(
        "--admin-token",
        default=os.environ.get("SANDBOX_ADMIN_TOKEN"),
        help="admin token [SANDBOX_ADMIN_TOKEN]",
    )
    trigger.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="SECONDS",
        help=f"how long to wait for the first attempt (default {DEFAULT_WAIT_S:g})",
    )
    trigger.add_argument("--json", action="store_true", help="print one JSON object instead")
    trigger.add_argument("--list", action="store_true", help="show what each gateway triggers")
    trigger.set_defaults(handler=run_trigger)


def list_triggers() -> str:
    """The `--list` text: each gateway's kinds, statuses and extras."""
    lines = []
    for gateway, menu in menus().items():
        lines.append(gateway)
        for kind, statuses in menu.kinds.items():
            lines.append(f"  {kind:<7} --status {' | '.join(statuses)}")
        lines.append(f"  --set    {menu.extras}")
    return "\n".join(lines)


def trigger_body(args: argparse.Namespace, merchant: str) -> dict[str, Any]:
    """The `POST /_sandbox/trigger` body from the command line."""
    menu = menus()[args.gateway]
    body: dict[str, Any] = {
        "gateway": args.gateway,
        "merchant": merchant,
        "kind": args.kind,
        "status": args.status,
    }
    optional = {
        "amount": args.amount,
        "currency": args.currency or menu.currency,
        "notify_url": args.notify_url,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    for item in args.extras:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set {item!r}: expected KEY=VALUE")
        body[key] = value
    if menu.minor_units and isinstance(body.get("amount"), str):
        if not body["amount"].isdigit():
            raise UsageError(
                f"--amount: {args.gateway} amounts are whole minor units (2500 = 25.00)"
            )
        body["amount"] = int(body["amount"])
    return body


class UsageError(Exception):
    """Bad command-line input (exit 2)."""

    pass


def run_trigger(args: argparse.Namespace) -> int:
    """The `sandbox trigger` command: exit 0 when the first attempt was acknowledged."""
    import httpx

    from sandbox.client import SandboxClient, SandboxError

    if args.list:
        print(list_triggers())
        return 0
    if not args.gateway or not args.kind:
        print("sandbox trigger: error: GATEWAY and KIND are required (or --list)", file=sys.stderr)
        return 2
    if args.kind not in menus()[args.gateway].kinds:
        kinds = ", ".join(menus()[args.gateway].kinds)
        print(f"sandbox trigger: error: {args.gateway} triggers {kinds}", file=sys.stderr)
        return 2
    with SandboxClient(args.url, args.admin_token) as client:
        try:
            merchant = args.merchant or first_merchant(client, args.gateway)
            order = client.trigger(**trigger_body(args, merchant))
            delivered = first_attempts(client, order["id"], args.gateway, args.wait)
        except UsageError as exc:
            print(f"sandbox trigger: error: {exc}", file=sys.stderr)
            return 2
        except SandboxError as exc:
            print(f"sandbox trigger: error: {exc}", file=sys.stderr)
            return 1
        except httpx.TransportError as exc:
            print(f"sandbox trigger: error: cannot reach {args.url}: {exc}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps({"order": order, "callbacks": delivered}, indent=2))
    else:
        print(describe(order, delivered))
    acked = all(c["attempts"] and c["attempts"][0].get("acked") for c in delivered)
    return 0 if acked else 1


def first_merchant(client: SandboxClient, gateway: str) -> str:
    """The id of the gateway's first merchant on the sandbox."""
    merchants = client.merchants(gateway)
    if not merchants:
        raise UsageError(f"the sandbox has no {gateway} merchant")
    merchant = merchants[0]
    return str(merchant.get("merchant") or merchant.get("id"))


def first_attempts(
    client: SandboxClient, order_id: str, gateway: str, wait: float
) -> list[dict[str, Any]]:
    """The order's callbacks with their attempts, once each has had its first attempt."""
    from sandbox.client import CallbackTimeout

    client.advance(0)  # returns once the attempts due now have run, on either clock
    found = client.callbacks(order=order_id, gateway=gateway)
    if any(item["attempt_count"] == 0 for item in found):
        # A failed first attempt leaves the callback pending (not settled): shown as such.
        with contextlib.suppress(CallbackTimeout):
            client.wait_callbacks(count=len(found), timeout=wait, order=order_id, gateway=gateway)
    return [client.callback(item["id"]) for item in reversed(found)]


def describe(order: dict[str, Any], callbacks: list[dict[str, Any]]) -> str:
    """The order and each callback's first attempt, as text."""
    lines = [
        f"order     {order['id']} ({order.get('merchant_order_id')}) {order['gateway']} "
        f"{order['kind']} status {order['status']} {order['amount']} {order['currency']}",
    ]
    if not callbacks:
        lines.append("callback  none (no notify URL, or the state sends none)")
    for callback in callbacks:
        lines.append(f"callback  {callback['id']} {callback['event']} -> {callback['url']}")
        attempts = callback["attempts"]
        if not attempts:
            lines.append(f"  not attempted yet (next at {callback.get('next_attempt_at')})")
            continue
        first = attempts[0]
        verdict = "acknowledged" if first.get("acked") else "NOT acknowledged"
        reply = first.get("status") or first.get("error")
        lines.append(f"  attempt 1: {reply} {verdict} in {first.get('latency_ms')} ms")
        if not first.get("acked") and callback.get("next_attempt_at"):
            lines.append(f"  next attempt at {callback['next_attempt_at']}")
    return "\n".join(lines)
