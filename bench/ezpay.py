"""EzPay signed payment creation next to a bare JSON-echo app (bench/payin.py).

Every sandbox request is a `payment/generate` envelope signed with the demo merchant's RSA key
beforehand (distinct `mchOrderId`s), which the sandbox verifies, stores with its expiry timer
(file database) and journals; every answer must be code 10000 (success). The echo app gets the
same envelopes. Then, in this process, the pieces of one request are timed on their own (RSA
verification, JSON parsing, the scenario plan) to say where the server's time goes.
"""

from __future__ import annotations

import json
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from bench import payin
from bench.results import record
from sandbox.gateways.ezpay.plug import PLUG as EZPAY
from sandbox.runtime import scenario_terms
from sandbox.scenarios.engine import RequestFacts
from sandbox.scenarios.service import open_scenarios
from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
    EZPAY_DEMO_PLATFORM_PRIVATE_KEY,
)
from sandbox.signing.rsa import load_private_key, load_public_key, sign_param, verify_param
from sandbox.signing.values import parse_json

APP_ID = "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"
PATH = "/open-api/philippines/payment/generate"


def signed_body(key: Any, order_id: str, now: int) -> bytes:
    """One signed `payment/generate` envelope (the demo merchant has no daily limits)."""
    param = json.dumps(
        {
            "mchOrderId": order_id,
            "amount": 500,
            "customerName": "Juan Dela Cruz",
            "channelCode": "PH_GCASH_URL",
            "notifyUrl": "https://merchant.example/ezpay/notify",
            "redirectUrl": "https://merchant.example/return",
            "email": "juan@example.com",
            "mobile": "09171234567",
            "timestamp": now,
        },
        separators=(",", ":"),
    )
    envelope = {"appId": APP_ID, "sign": sign_param(key, param), "param": param}
    return json.dumps(envelope).encode()


def signed_bodies(count: int, tag: str) -> list[bytes]:
    key = load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
    now = int(time.time())
    return [signed_body(key, f"BENCH-{tag}-{n}", now) for n in range(count)]


@dataclass(frozen=True)
class PaymentCreations:
    name: str = "ezpay"
    title: str = "EzPay signed payment creation (file DB)"

    @cached_property
    def key(self) -> Any:
        return load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)

    def sandbox_options(self, folder: Path) -> list[str]:
        return ["--db", str(folder / "bench.db")]

    def request(self, tag: str) -> bytes:
        body = signed_body(self.key, tag, int(time.time()))
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def succeeded(self, body: bytes) -> bool:
        return b'"code":10000' in body


def pieces(repeat: int = 2000) -> dict[str, float]:
    """Microseconds per call of the parts of one payment creation, in this process."""
    key = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    body = signed_bodies(1, "piece")[0]
    outer = json.loads(body)
    param, sign = outer["param"], outer["sign"]
    platform = load_private_key(EZPAY_DEMO_PLATFORM_PRIVATE_KEY)
    scenarios = open_scenarios(scenario_terms([EZPAY]), (), ())
    facts = RequestFacts(
        gateway="ezpay",
        operation="payment.create",
        merchant=APP_ID,
        amount=Decimal(500),
        currency="PHP",
        channel="PH_GCASH_URL",
        order_no="BENCH-1",
        headers={"host": "127.0.0.1", "content-type": "application/json"},
    )

    def per_call(fn: Callable[[], object], n: int = repeat) -> float:
        return min(timeit.repeat(fn, number=n, repeat=3)) / n * 1e6

    return {
        "RSA-2048 verify (SHA-256, cached key)": per_call(lambda: verify_param(key, param, sign)),
        "key lookup (lru cache on the PEM text)": per_call(
            lambda: load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
        ),
        "parse outer body + param (token-exact JSON)": per_call(
            lambda: parse_json(parse_json(body)["param"])
        ),
        "scenario plan (selection + default.yaml's rules)": per_call(
            lambda: scenarios.plan(facts), max(100, repeat // 4)
        ),
        "RSA-2048 sign (one notification)": per_call(
            lambda: sign_param(platform, param), max(50, repeat // 20)
        ),
    }


def pieces_report(summaries: Sequence[payin.Summary], parts: dict[str, float]) -> str:
    per_request_us = max(s.cpu_us for s in summaries)
    lines = [f"  one creation costs ~{per_request_us:,.0f} µs of server CPU; of which:"]
    for name, micros in parts.items():
        share = "" if name.startswith("RSA-2048 sign") else f" ({micros / per_request_us:.0%})"
        lines.append(f"    {name}: {micros:,.1f} µs{share}")
    return "\n".join(lines)


def report(summaries: Sequence[payin.Summary], parts: dict[str, float]) -> str:
    table, _ = payin.report(PaymentCreations.title, summaries)
    return f"{table}\n{pieces_report(summaries, parts)}"


def main(argv: Sequence[str]) -> int:
    workload = PaymentCreations()
    run = payin.run_cli(workload, argv, duration=2.0)
    parts = pieces()
    print(f"{run.table}\n{pieces_report(run.summaries, parts)}", flush=True)
    run.section["pieces_us"] = parts
    print(f"ezpay: results in {record(workload.name, run.section)}", flush=True)
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
