"""GoldenPay signed collect creation next to a bare JSON-echo app (bench/payin.py).

Every sandbox request is a `POST /api/v1/mch/pmt-orders` signed beforehand (distinct
`trans_id`s), so every request creates an order (file database), answers a signed payload and
writes the journal; every answer must be code 200 (success). The echo app gets the same bodies.
`load` (a plain send-everything client) is also what bench/soak.py drives the sandbox with.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import payin
from bench.results import record
from sandbox.signing.md5 import goldenpay_sign

TOKEN = "gp_test_token_5e6f7a8b"


def collect_request(trans_id: str, nonce: int, stamp: int) -> bytes:
    """One signed collect creation as raw HTTP/1.1 bytes (the demo merchant: no count limits)."""
    fields = {
        "mch_id": 10001,
        "trans_id": trans_id,
        "channel": "mock",
        "currency": "THB",
        "amount": "100.00",
        "callback_url": "http://127.0.0.1:9/notify",
        "nonce": f"nonce{nonce % 100_000_000:08d}",
        "timestamp": stamp,
    }
    body = json.dumps({**fields, "sign": goldenpay_sign(fields, TOKEN)}).encode()
    head = (
        "POST /api/v1/mch/pmt-orders HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class CollectCreations:
    name: str = "goldenpay"
    title: str = "GoldenPay signed collect creation (file DB)"
    sent: int = 0

    def sandbox_options(self, folder: Path) -> list[str]:
        return ["--db", str(folder / "bench.db")]

    def request(self, tag: str) -> bytes:
        self.sent += 1
        return collect_request(tag, self.sent, int(time.time()))

    def succeeded(self, body: bytes) -> bool:
        return body.startswith(b'{"code":200,')


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


async def load(port: int, requests: list[bytes], connections: int) -> tuple[float, list[bytes]]:
    """Send every request over `connections` keep-alive connections; (seconds, some bodies)."""
    queue = list(reversed(requests))
    samples: list[bytes] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                writer.write(queue.pop())
                status, body = await _read_response(reader)
                if status != 200 or len(samples) < 5:
                    samples.append(body)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - start, samples


def main(argv: Sequence[str]) -> int:
    workload = CollectCreations()
    run = payin.run_cli(workload, argv)
    print(run.table, flush=True)
    print(f"goldenpay: results in {record(workload.name, run.section)}", flush=True)
    return 0 if run.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
