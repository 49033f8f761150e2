"""Pay-in throughput and callback delivery rate: SQLite, and 1 and 2 replicas on PostgreSQL.

Each setup runs `sandbox serve` process(es) and a fast callback receiver
(bench/callback_receiver.py) in their own processes. `--orders` signed TrustPay card pay-ins
(each answered "paid" at once, so each makes one callback) are sent over `--connections`
keep-alive connections, spread round-robin over the replicas. Pay-in rate: orders / time until
the last answer. Delivery rate: orders / time until the last callback is acknowledged (read
from the admin API). Ratios are against the SQLite run of the same command (a file database,
the durable single-process mode).

PostgreSQL: `--postgres URL` (an empty database), or a throw-away cluster started with the test
suite's helper (`initdb`/`pg_ctl` must be installed). No targets: the figures are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.startup import free_port, sandbox_command
from bench.trustpay import API_KEY, CONFIG, MERCHANT_ID, SECRET, _exchange, serve
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    setup: str
    orders: int
    payin_rate: float  # orders per second
    delivery_rate: float  # acknowledged callbacks per second, from the first order


def card_request(order_no: str, notify_url: str) -> bytes:
    fields: dict[str, object] = {
        "merchant_id": JsonNumber(str(MERCHANT_ID)),
        "order_no": order_no,
        "order_amount": JsonNumber("5.00"),
        "currency": "USD",
        "notify_url": notify_url,
        "card_number": "4111111111111111",
        "card_expiry": "2030-09",
        "card_cvv": "123",
        "card_holder_first_name": "Bench",
        "card_holder_last_name": "Mark",
        "billing_country": "GB",
    }
    fields["sign"] = trustpay_sign(fields, SECRET)
    body = compact_json(fields).encode()
    head = (
        "POST /v4/payin/create/card HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Api-Key: {API_KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def send_all(ports: Sequence[int], requests: list[bytes], connections: int) -> float:
    """Send every request (connection i talks to replica i mod n); seconds taken."""
    queue = list(reversed(requests))

    async def worker(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                body = await _exchange(reader, writer, queue.pop())
                if b'"code":880001' not in body:
                    raise RuntimeError(f"not a success: {body[:200]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(ports[i % len(ports)]) for i in range(connections)))
    return time.perf_counter() - started


def acked(port: int) -> int:
    url = f"http://127.0.0.1:{port}/_sandbox/callbacks?state=acked&page_size=1"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return int(json.loads(answer.read())["total"])


def run_setup(setup: str, db: str, replicas: int, orders: int, connections: int) -> Result:
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        config = Path(folder) / "bench.yaml"
        config.write_text(CONFIG, encoding="utf-8")
        receiver_port = free_port()
        receiver = [sys.executable, str(ROOT / "bench" / "callback_receiver.py")]
        stack.enter_context(_process([*receiver, "--port", str(receiver_port)], receiver_port))
        ports = [free_port() for _ in range(replicas)]
        for port in ports:
            command = [*sandbox_command(port), "--db", db, "--config", str(config)]
            stack.enter_context(serve(command, port))
        notify = f"http://127.0.0.1:{receiver_port}/notify"
        tag = setup.replace(" ", "")
        warm = [card_request(f"WARM-{tag}-{n}", notify) for n in range(50 * replicas)]
        asyncio.run(send_all(ports, warm, connections))
        while acked(ports[0]) < len(warm):
            time.sleep(0.01)  # the bench polls; tests use callbacks/wait instead
        before = acked(ports[0])
        prefix = f"BENCH-{tag}-{int(time.time())}-"
        requests = [card_request(f"{prefix}{n}", notify) for n in range(orders)]
        started = time.perf_counter()
        sent = asyncio.run(send_all(ports, requests, connections))
        while acked(ports[0]) < before + orders:
            time.sleep(0.005)
        delivered = time.perf_counter() - started
    result = Result(setup, orders, orders / sent, orders / delivered)
    print(
        f"replicas: {setup:<14} pay-ins {result.payin_rate:7.0f}/s  "
        f"callbacks {result.delivery_rate:7.0f}/s  ({orders} orders)",
        flush=True,
    )
    return result


@contextmanager
def _process(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", data=b"", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.02)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def postgres_databases(url: str | None) -> Iterator[list[str]]:
    """Two empty databases: the given one (and a second beside it), or a throw-away cluster's."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.postgres import PostgresCluster, find_binaries

    if url is not None:
        yield [url, url]  # the caller's one database; each setup counts only its own callbacks
        return
    bin_dir, reason = find_binaries()
    if bin_dir is None:
        raise SystemExit(f"replicas: {reason}; or pass --postgres URL")
    cluster = PostgresCluster(bin_dir).start()
    try:
        yield [cluster.create_database(), cluster.create_database()]
    finally:
        cluster.stop()


def report(results: list[Result]) -> str:
    base = results[0]
    lines = ["Pay-ins and callbacks, one run, ratios against SQLite (one process, file DB)"]
    for r in results:
        payins = r.payin_rate / base.payin_rate
        callbacks = r.delivery_rate / base.delivery_rate
        lines.append(
            f"  {r.setup:<14} pay-ins {r.payin_rate:7.0f}/s ({payins:4.2f}x)"
            f"  callbacks {r.delivery_rate:7.0f}/s ({callbacks:4.2f}x)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench replicas")
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to use")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = str(Path(folder) / "bench.db")
        results.append(run_setup("sqlite", sqlite, 1, args.orders, args.connections))
    with postgres_databases(args.postgres) as (first, second):
        results.append(run_setup("postgresql x1", first, 1, args.orders, args.connections))
        results.append(run_setup("postgresql x2", second, 2, args.orders, args.connections))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
