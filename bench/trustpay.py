"""TrustPay signed Cashier Payin creation next to a bare JSON-echo app (bench/payin.py).

Every sandbox request is a signed `POST /v4/payin/create/order` with a distinct order number,
which the sandbox verifies, validates, stores with its expiry timer (one commit, file database:
WAL, the durable mode) and journals; every answer must be code 880001 (success). The echo app
gets the same bodies. Reported at 8 and 32 connections: requests/s, p50/p99, server CPU per
request, ratios; targets: >= 0.3x and >= 0.5x the echo app's rate, p99 <= 10 ms at 32.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import payin
from bench.results import record
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json

API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
SECRET = "tp_test_secret_9f8e7d6c"
MERCHANT_ID = 8820250900009
P99_TARGET_MS = 10.0

# The demo merchant with daily/monthly limits far above what a run creates (10000 a day by default).
CONFIG = f"""merchants:
  trustpay:
    - merchant_id: {MERCHANT_ID}
      api_key: {API_KEY}
      secret: {SECRET}
      limits: {{daily_count: 1000000000, daily_amount: '1000000000000.00',
                monthly_amount: '1000000000000.00'}}
"""


serve = payin.serve  # bench/replicas.py starts its servers and talks to them with these


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    """One keep-alive round trip; the body of a 200 answer (anything else raises)."""
    status, body = await payin.exchange(reader, writer, request)
    if status != b"200":
        raise payin.WrongAnswer(f"HTTP {status.decode()}: {body[:300]!r}")
    return body


def cashier_request(order_no: str) -> bytes:
    """One signed Cashier Payin request as raw HTTP/1.1 bytes."""
    fields: dict[str, object] = {
        "merchant_id": JsonNumber(str(MERCHANT_ID)),
        "order_no": order_no,
        "order_amount": JsonNumber("5.00"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/never-called",
    }
    fields["sign"] = trustpay_sign(fields, SECRET)
    body = compact_json(fields).encode()
    head = (
        "POST /v4/payin/create/order HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Api-Key: {API_KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass(frozen=True)
class CashierPayins:
    name: str = "trustpay"
    title: str = "TrustPay signed Cashier Payin creation (file DB)"

    def sandbox_options(self, folder: Path) -> list[str]:
        config = folder / "bench.yaml"
        config.write_text(CONFIG, encoding="utf-8")
        return ["--db", str(folder / "bench.db"), "--seed", "1", "--config", str(config)]

    def request(self, tag: str) -> bytes:
        return cashier_request(tag)

    def succeeded(self, body: bytes) -> bool:
        return b'"code":880001' in body


def main(argv: Sequence[str]) -> int:
    workload = CashierPayins()
    run = payin.run_cli(workload, argv)
    widest = max(run.summaries, key=lambda s: s.connections)
    p99_ok = widest.p99_ms <= P99_TARGET_MS
    run.table += (
        f"\n  p99 at {widest.connections} connections {widest.p99_ms:.2f} ms, "
        f"target <= {P99_TARGET_MS} ms: {'PASS' if p99_ok else 'FAIL'}"
    )
    print(run.table, flush=True)
    run.section["p99_target_ms"] = P99_TARGET_MS
    print(f"trustpay: results in {record(workload.name, run.section)}", flush=True)
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
