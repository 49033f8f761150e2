"""A GoldenPay integration written the way merchants actually write one, run end to end.

The client below shares no code with the sandbox: `mch_id` and `timestamp` go as strings,
amounts as strings, orders are looked up by the merchant's own `trans_id`, and the callback
handler (a real HTTP server) verifies `sign` with a plain `str(value)` rendering of the parsed
JSON, answering `success` only when it matches.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from support.server import RunningSandbox, run_sandbox

pytestmark = pytest.mark.postgres

MCH_ID = "10001"
API_TOKEN = "gp_test_token_5e6f7a8b"


def make_sign(params: dict[str, Any]) -> str:
    """The merchant's signing helper: token first, sorted non-empty params, MD5."""
    pairs = sorted(
        (key, str(value))
        for key, value in params.items()
        if key != "sign" and value not in (None, "")
    )
    text = API_TOKEN + "&" + "&".join(f"{key}={value}" for key, value in pairs)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class GoldenPayClient:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def _common(self) -> dict[str, str]:
        return {"mch_id": MCH_ID, "nonce": secrets.token_hex(8), "timestamp": str(int(time.time()))}

    def _post(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        body = {**self._common(), **params}
        body["sign"] = make_sign(body)
        return self._payload(self.http.post(path, json=body))

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        query = {**self._common(), **params}
        query["sign"] = make_sign(query)
        return self._payload(self.http.get(path, params=query))

    @staticmethod
    def _payload(response: httpx.Response) -> dict[str, Any]:
        data = response.json()
        if data["code"] != 200:
            raise RuntimeError(data["errors"]["message"])
        payload: dict[str, Any] = data["payload"]
        if payload.get("meta") is None and make_sign(payload) != payload["sign"]:
            raise RuntimeError("response signature mismatch")
        return payload

    def create_collect(
        self, trans_id: str, amount: str, currency: str, channel: str, notify: str
    ) -> dict[str, Any]:
        return self._post(
            "/api/v1/mch/pmt-orders",
            {"trans_id": trans_id, "amount": amount, "currency": currency, "channel": channel,
             "callback_url": notify},
        )  # fmt: skip

    def query_collect(self, trans_id: str) -> dict[str, Any]:
        return self._get("/api/v1/mch/pmt-orders", {"id": trans_id})

    def create_payout(self, trans_id: str, amount: str, notify: str) -> dict[str, Any]:
        return self._post(
            "/api/v1/mch/wdl-orders",
            {"trans_id": trans_id, "amount": amount, "currency": "PHP", "channel": "gcash",
             "account_no": "09171234567", "account_name": "JUAN DELA CRUZ", "callback_url": notify},
        )  # fmt: skip

    def query_payout(self, trans_id: str) -> dict[str, Any]:
        return self._get("/api/v1/mch/wdl-orders", {"id": trans_id})

    def balance(self, currency: str) -> Any:
        return self._get("/api/v1/mch/balance", {"currency": currency})["balance"]


@dataclass
class MerchantShop:
    """The merchant's callback endpoint: verify, record, answer `success`."""

    url: str = ""
    paid: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: list[bytes] = field(default_factory=list)


@pytest.fixture
def shop() -> Iterator[MerchantShop]:
    state = MerchantShop()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            data = json.loads(raw)
            if data.get("sign") == make_sign(data):
                state.paid[data["trans_id"]] = data
                answer = b"success"
            else:
                state.rejected.append(raw)
                answer = b"bad sign"
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/goldenpay/notify"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sandbox(db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**db_flags, "clock": "manual", "clock_start": "2026-05-04T03:00:00Z"}
    ) as running:
        yield running


def test_a_merchant_style_integration_works_end_to_end(
    sandbox: RunningSandbox, shop: MerchantShop
) -> None:
    client = GoldenPayClient(sandbox.url)
    start = client.balance("THB")

    created = client.create_collect("SHOP-1001", "100.99", "thb", "mock", shop.url)
    assert created["status"] == 20 and created["order_amount"] == "100.99"
    assert client.query_collect("SHOP-1001")["status"] == 20
    sandbox.advance(3)
    assert shop.paid["SHOP-1001"]["status"] == 60
    assert shop.paid["SHOP-1001"]["payed_amount"] == "100.99"
    assert client.query_collect("SHOP-1001")["payed_at"] == shop.paid["SHOP-1001"]["payed_at"]
    assert client.balance("THB") > start

    failed = client.create_collect("SHOP-1002", "100.01", "THB", "mock", shop.url)
    assert failed["status"] == 20
    sandbox.advance(3)
    assert shop.paid["SHOP-1002"]["status"] == 30 and shop.paid["SHOP-1002"]["payed_at"] is None

    client.create_payout("SHOP-W-1", "5.00", shop.url)
    sandbox.advance(5)
    assert shop.paid["SHOP-W-1"]["status"] == 60
    assert client.query_payout("SHOP-W-1")["status"] == 60

    assert shop.rejected == []
    acked = sandbox.admin("GET", "callbacks", params={"state": "acked"}).json()
    assert acked["total"] == 3
