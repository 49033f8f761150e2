"""A fuzz campaign against a running sandbox: malformed requests to every gateway and admin
endpoint, with the stored state hashed before and after.

Each request is one of: junk bytes, JSON of wrong types, NaN/Infinity tokens, huge numbers, lone
surrogates, deep nesting, duplicate keys, a wrong content type, a chunked or oversized body, a
wrong method, or a body correctly signed for the gateway (TrustPay/GoldenPay MD5, EzPay RSA)
over bad values. The campaign counts 5xx answers, internal errors (any ERROR the sandbox logs),
dropped connections and state changes: every `CHECKPOINT` requests it hashes orders, balances,
timers and the callback outbox, and a change is only allowed when a request of that batch was
accepted (a 2xx that is not an error envelope).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.routing import Mount, Route

from sandbox.gateways.installed import BUILTIN
from sandbox.signing.demo_keys import EZPAY_DEMO_MERCHANT_PRIVATE_KEY
from sandbox.signing.md5 import goldenpay_sign, trustpay_sign
from sandbox.signing.rsa import load_private_key, sign_param
from sandbox.signing.values import JsonNumber, compact_json, parse_json
from sandbox.store.balances import list_balances
from support.server import RunningSandbox

CHECKPOINT = 50
TP_KEY, TP_SECRET, TP_MERCHANT = (
    "tp_test_0b1c2d3e4f5a6b7c",
    "tp_test_secret_9f8e7d6c",
    8820250900009,
)
GP_TOKEN, GP_MERCHANT = "gp_test_token_5e6f7a8b", 10001
EZ_APP = "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"
FIELD_NAMES = (
    "merchant_id", "merchantId", "order_no", "orderNo", "order_amount", "amount", "currency",
    "currency_id", "notify_url", "card_number", "card_expiry", "status", "mch_id", "nonce",
    "timestamp", "countryCode", "channel", "gateway", "merchant", "kind", "seconds", "names",
    "mode", "scale", "clock", "page", "refund_amount", "platform_order_no", "type",
)  # fmt: skip
ADMIN_ENDPOINTS = (
    ("POST", "/_sandbox/reset"),
    ("POST", "/_sandbox/clock/advance"),
    ("PUT", "/_sandbox/clock"),
    ("POST", "/_sandbox/trigger"),
    ("POST", "/_sandbox/scenarios"),
    ("PUT", "/_sandbox/scenarios/active"),
    ("POST", "/_sandbox/orders/{id}/complete"),
    ("POST", "/_sandbox/callbacks/{id}/resend"),
    ("GET", "/_sandbox/orders"),
    ("GET", "/_sandbox/orders/{id}"),
    ("GET", "/_sandbox/callbacks"),
    ("GET", "/_sandbox/callbacks/{id}"),
    ("GET", "/_sandbox/requests"),
    ("GET", "/_sandbox/merchants"),
    ("GET", "/_sandbox/scenarios"),
)
GATEWAY_OK = {"trustpay": (880001, 880010), "ezpay": (10000,), "goldenpay": (200, 0)}


@dataclass
class Report:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    state_changes: list[str] = field(default_factory=list)
    accepted: int = 0
    seconds: float = 0.0

    def problems(self) -> list[str]:
        return [*self.server_errors, *self.internal_errors, *self.dropped, *self.state_changes]


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def admin_endpoints() -> list[tuple[str, str]]:
    """The shared admin endpoints and each gateway's own admin helpers."""
    found = list(ADMIN_ENDPOINTS)
    for gateway in BUILTIN:
        for route in gateway.admin_routes:
            if isinstance(route, Route):
                for method in sorted(route.methods or ()):
                    path = re.sub(r"\{(\w+)\}", "{id}", route.path)
                    found.append((method, "/_sandbox" + path))
    return found


def gateway_paths() -> list[tuple[str, str]]:
    """(gateway, path) of every gateway endpoint, parameters filled with junk."""
    found = []
    for gateway in BUILTIN:
        for route in gateway.routes:
            if isinstance(route, Route):
                found.append((gateway.name, route.path.replace("{", "").replace("}", "")))
            elif isinstance(route, Mount):
                found.append((gateway.name, route.path + "/x"))
    return found


def state_hash(running: RunningSandbox) -> str:
    """Orders, balances, pending timers and the callback outbox, read through the admin API and
    the store's balance functions."""
    digest = hashlib.sha256()
    for path in ("orders", "callbacks"):
        page = 1
        while True:
            body = running.admin("GET", path, params={"page": page, "page_size": 500}).json()
            digest.update(json.dumps(body["items"], sort_keys=True).encode())
            if page * 500 >= body["total"]:
                break
            page += 1
    digest.update(json.dumps(running.admin("GET", "clock").json(), sort_keys=True).encode())
    for merchant in running.admin("GET", "merchants", params={"page_size": 500}).json()["items"]:
        gateway, ident = merchant["gateway"], str(merchant.get("merchant") or merchant.get("id"))
        for balance in list_balances(running.sandbox.store, gateway, ident):
            digest.update(repr(balance).encode())
    return digest.hexdigest()


def _junk_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(12 if depth < 2 else 9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.randint(-(10**30), 10**30)
    if choice == 3:
        return rng.uniform(-1e9, 1e9)
    if choice == 4:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(12)))
    if choice == 5:
        return rng.choice(["", " ", "USD", "-1", "1e5", "0.001", "4242424242424242", "\u0000"])
    if choice == 6:
        return "9" * rng.choice([20, 400, 5000])
    if choice == 7:
        return rng.choice(["PH", "THB", "2026-13-45", "http://127.0.0.1:9/", "x" * 300])
    if choice == 8:
        return -0.0
    if choice == 9:
        return [_junk_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(FIELD_NAMES): _junk_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _junk_fields(rng: random.Random) -> dict[str, Any]:
    return {rng.choice(FIELD_NAMES): _junk_value(rng) for _ in range(rng.randrange(1, 7))}


def _raw_json_variant(rng: random.Random) -> bytes:
    key = rng.choice(FIELD_NAMES)
    variants = [
        f'{{"{key}": NaN}}',
        f'{{"{key}": Infinity, "x": -Infinity}}',
        f'{{"{key}": 1{"0" * 5000}}}',
        f'{{"{key}": 1e999999}}',
        f'{{"{key}": "\\ud800"}}',
        f'{{"{key}": "\\udfff\\ud800x"}}',
        '{"\\ud83d": 1}',
        f'{{"{key}": 1, "{key}": 2}}',
        "[" * 50_000 + "]" * 50_000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        "",
        "null",
        "[]",
        '"just a string"',
        "{,}",
        '{"a":1',
    ]
    return rng.choice(variants).encode()


class Campaign:
    def __init__(self, running: RunningSandbox, seed: int) -> None:
        self.running = running
        self.rng = random.Random(seed)
        self.gateways = gateway_paths()
        self.admin_targets = admin_endpoints()
        self.ez_key = load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
        self.makers: list[Callable[[], tuple[str, str, str, dict[str, str], Any]]] = [
            self._junk_bytes,
            self._wrong_types,
            self._raw_variant,
            self._wrong_content_type,
            self._wrong_method,
            self._signed_bad_values,
            self._signed_bad_values,
            self._chunked,
            self._admin,
            self._admin,
        ]

    # Each maker returns (owner, method, path, headers, content).

    def _gateway_target(self) -> tuple[str, str]:
        name, path = self.rng.choice(self.gateways)
        if self.rng.random() < 0.2:
            path = f"/{name}{path}"
        return name, path

    def _auth_headers(self, gateway: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if gateway == "trustpay":
            headers["X-Api-Key"] = TP_KEY
        return headers

    def _junk_bytes(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        body = self.rng.randbytes(self.rng.randrange(1, 300))
        return gateway, "POST", path, self._auth_headers(gateway), body

    def _wrong_types(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        body = json.dumps(_junk_fields(self.rng)).encode()
        return gateway, "POST", path, self._auth_headers(gateway), body

    def _raw_variant(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        return gateway, "POST", path, self._auth_headers(gateway), _raw_json_variant(self.rng)

    def _wrong_content_type(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        headers = self._auth_headers(gateway)
        headers["Content-Type"] = self.rng.choice(
            ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "a/b;;"]
        )
        return gateway, "POST", path, headers, b"a=1&b=2"

    def _wrong_method(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        method = self.rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD"])
        return gateway, method, path, self._auth_headers(gateway), None

    def _chunked(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        size = 1_100_000 if self.rng.random() < 0.1 else self.rng.randrange(1, 5000)
        piece = self.rng.randbytes(min(size, 4096))

        def chunks() -> Iterator[bytes]:
            sent = 0
            while sent < size:
                step = min(len(piece), size - sent)
                sent += step
                yield piece[:step]

        return gateway, "POST", path, self._auth_headers(gateway), chunks()

    def _signed_bad_values(self) -> tuple[str, str, str, dict[str, str], Any]:
        gateway, path = self._gateway_target()
        # Parsed back from JSON so that numbers are signed as the tokens sent.
        fields = parse_json(json.dumps(_junk_fields(self.rng)))
        headers = self._auth_headers(gateway)
        if gateway == "trustpay":
            fields.setdefault("merchant_id", JsonNumber(str(TP_MERCHANT)))
            fields["sign"] = trustpay_sign(fields, TP_SECRET)
            body = compact_json(fields).encode()
        elif gateway == "goldenpay":
            fields.update(
                {"mch_id": JsonNumber(str(GP_MERCHANT)), "nonce": f"n{self.rng.random()}"}
            )
            fields["timestamp"] = JsonNumber(str(int(time.time())))
            fields["sign"] = goldenpay_sign(fields, GP_TOKEN)
            body = compact_json(fields).encode()
        else:
            fields["timestamp"] = JsonNumber(str(int(time.time() * 1000)))
            param = compact_json(fields)
            body = json.dumps(
                {"appId": EZ_APP, "sign": sign_param(self.ez_key, param), "param": param}
            ).encode()
        return gateway, "POST", path, headers, body

    def _admin(self) -> tuple[str, str, str, dict[str, str], Any]:
        method, path = self.rng.choice(self.admin_targets)
        path = path.replace("{id}", self.rng.choice(["x", "0", "%00", "9" * 50, "ORD-1"]))
        headers = {"Content-Type": "application/json"}
        kind = self.rng.randrange(4)
        if method in ("GET", "HEAD"):
            params = {
                self.rng.choice(["page", "page_size", "gateway", "status", "order", "merchant"]): (
                    self.rng.choice(["-1", "0", "x", "9" * 30, "\u00e9", "NaN", "1e3"])
                )
            }
            return "admin", method, path + "?" + str(httpx.QueryParams(params)), headers, None
        if kind == 0:
            body = _raw_json_variant(self.rng)
        elif kind == 1:
            body = json.dumps({"__junk__": _junk_value(self.rng)}).encode()
        elif kind == 2:
            headers["Content-Type"] = self.rng.choice(
                ["text/plain", "application/x-www-form-urlencoded"]
            )
            body = b'{"seconds": 60}'
        else:
            bad = {
                "seconds": self.rng.choice(["NaN", -1, "1e999", [], {}, True, "9" * 5000]),
                "gateway": self.rng.choice([1, "nope", None, "\u0000"]),
                "names": self.rng.choice(["x", [1], [None]]),
                "mode": self.rng.choice(["fast", 1]),
            }
            body = json.dumps(bad).encode()
        return "admin", method, path, headers, body

    def _accepted(self, owner: str, response: httpx.Response) -> bool:
        if not response.is_success:
            return False
        if owner == "admin":
            return response.request.method not in ("GET", "HEAD")
        try:
            body = response.json()
        except ValueError:
            return True
        if not isinstance(body, dict):
            return True
        code = body.get("code")
        try:
            number = int(code) if code is not None else None
        except (TypeError, ValueError):
            return True
        return number in GATEWAY_OK[owner] and "errors" not in body

    def run(self, count: int) -> Report:
        report = Report()
        errors = _ErrorLog()
        watched = logging.getLogger("sandbox")
        uvicorn_log = logging.getLogger("uvicorn.error")
        watched.addHandler(errors)
        uvicorn_log.addHandler(errors)
        started = time.monotonic()
        try:
            baseline = state_hash(self.running)
            batch_accepted = False
            with httpx.Client(base_url=self.running.url, timeout=30) as client:
                for index in range(count):
                    owner, method, path, headers, content = self.rng.choice(self.makers)()
                    seen = f"#{index} {method} {path}"
                    try:
                        response = client.request(method, path, headers=headers, content=content)
                    except httpx.TransportError as exc:
                        report.dropped.append(f"{seen}: {type(exc).__name__}")
                        continue
                    finally:
                        report.requests += 1
                    if response.status_code >= 500:
                        report.server_errors.append(f"{seen}: {response.status_code}")
                    if self._accepted(owner, response):
                        report.accepted += 1
                        batch_accepted = True
                    if len(errors.records) > len(report.internal_errors):
                        report.internal_errors += [
                            f"{seen}: {r}" for r in errors.records[len(report.internal_errors) :]
                        ]
                    if (index + 1) % CHECKPOINT == 0 or index + 1 == count:
                        now = state_hash(self.running)
                        if now != baseline and not batch_accepted:
                            report.state_changes.append(f"state changed by the batch ending {seen}")
                        baseline, batch_accepted = now, False
        finally:
            watched.removeHandler(errors)
            uvicorn_log.removeHandler(errors)
        report.seconds = time.monotonic() - started
        return report
