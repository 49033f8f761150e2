"""One signed TrustPay Cashier Payin on a manual clock and a fixed seed leaves exactly these
answer bytes, journal entry and stored order rows: the start-up and per-pay-in work cut for
the instruction counts (docs/performance.md) must not change what a pay-in answers or keeps."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from support.server import run_sandbox

from bench import trustpay


def send(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return int(value)
    return 0


def test_a_payin_answers_and_keeps_exactly_this(tmp_path: Path) -> None:
    config = tmp_path / "merchants.yaml"
    config.write_text(trustpay.CONFIG, encoding="utf-8")
    flags: dict[str, Any] = {
        "clock": "manual",
        "clock_start": "2026-12-01T10:00:00Z",
        "seed": 1,
        "config": str(config),
    }
    with run_sandbox(flags) as server:
        port = int(server.url.rsplit(":", 1)[1])
        answer = send(port, trustpay.cashier_request("RECORD-1"))
        head, _, body = answer.partition(b"\r\n\r\n")
        entries = server.admin("GET", "requests", params={"gateway": "trustpay"}).json()
        detail = server.admin("GET", f"requests/{entries['items'][0]['id']}").json()
        orders = server.admin("GET", "orders", params={"gateway": "trustpay"}).json()["items"]
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
    assert body == EXPECTED_BODY
    assert detail == EXPECTED_JOURNAL
    assert orders == EXPECTED_ORDERS


EXPECTED_BODY = b'{"code":880001,"message":"success","data":{"merchant_id":8820250900009,"order_no":"RECORD-1","platform_order_no":"i0VpEBOWfbZAVaBSo63bbH6x","currency":"USD","amount":5.00,"fee":0.48,"pay_url":"http://127.0.0.1/_sandbox/pay/trustpay/i0VpEBOWfbZAVaBSo63bbH6x"}}'
EXPECTED_JOURNAL: dict[str, Any] = {
    "id": 1,
    "time": "2026-12-01T10:00:00.000000Z",
    "gateway": "trustpay",
    "merchant": "8820250900009",
    "operation": "payin.cashier",
    "method": "POST",
    "path": "/v4/payin/create/order",
    "status": 200,
    "scenario": None,
    "rule": None,
    "signature": "ok (raw)",
    "signature_detail": "",
    "note": "",
    "request": {
        "method": "POST",
        "path": "/v4/payin/create/order",
        "query": "",
        "headers": {
            "host": "127.0.0.1",
            "x-api-key": "***",
            "content-type": "application/json",
            "content-length": "177",
        },
        "body": '{"merchant_id":8820250900009,"order_no":"RECORD-1","order_amount":5.00,"currency":"USD","notify_url":"http://127.0.0.1:9/never-called","sign":"d22deb253c754ff97b53a2230be83ec5"}',
        "body_bytes": 177,
        "truncated": False,
    },
    "response": {
        "status": 200,
        "headers": {"content-length": "259", "content-type": "application/json"},
        "body": '{"code":880001,"message":"success","data":{"merchant_id":8820250900009,"order_no":"RECORD-1","platform_order_no":"i0VpEBOWfbZAVaBSo63bbH6x","currency":"USD","amount":5.00,"fee":0.48,"pay_url":"http://127.0.0.1/_sandbox/pay/trustpay/i0VpEBOWfbZAVaBSo63bbH6x"}}',
        "body_bytes": 259,
        "truncated": False,
    },
    "explanation": None,
}
EXPECTED_ORDERS: list[dict[str, Any]] = [
    {
        "gateway": "trustpay",
        "merchant": "8820250900009",
        "kind": "payin",
        "id": "i0VpEBOWfbZAVaBSo63bbH6x",
        "merchant_order_id": "RECORD-1",
        "parent_id": None,
        "amount": "5.00",
        "currency": "USD",
        "status": "1",
        "created_at": "2026-12-01T10:00:00.000000Z",
        "updated_at": "2026-12-01T10:00:00.000000Z",
        "scenario": {"scenarios": ["default"], "blocks": {}, "bad_request": None},
        "data": {
            "api": "v4",
            "method": "cashier",
            "notify_url": "http://127.0.0.1:9/never-called",
            "channel_id": 5,
            "paid_amount": None,
            "fee": None,
            "pay_time": None,
            "reason": "",
            "notify_status": 1,
            "notify_time": None,
            "settled": False,
        },
    }
]
