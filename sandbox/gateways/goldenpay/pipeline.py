"""GoldenPay's common request handling (spec §4.0.2), shared by every endpoint.

`goldenpay_endpoint(operation, handler)` makes a Starlette endpoint that runs steps 1-3 (the
JSON body or query string, `mch_id`, `sign`, `nonce`, `timestamp`, the signature), hands a `Call`
to the handler for steps 4-7 (fields via `call.fields`, scenario via `call.plan_for`, business
rules, state change), turns a raised `GoldenPayError` into the envelope, and journals every
request with its signature verdict and the scenario blocks that decided it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from sandbox.gateways.directives import answer_as_planned, processes
from sandbox.gateways.endpoint import Refusal, journaled_endpoint
from sandbox.gateways.goldenpay.codes import error_envelope
from sandbox.gateways.goldenpay.common import (
    CHANNEL_CURRENCIES,
    COLLECT_MAX,
    CURRENCIES,
    GATEWAY,
    amount_format_ok,
)
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.goldenpay.revisions import (
    HEADER,
    Revision,
    UnknownRevision,
    nonce_ok,
    request_revision,
)
from sandbox.gateways.orders import Order, find_order
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan, PlannedResponse, RequestFacts
from sandbox.signing.md5 import goldenpay_sign, goldenpay_verify, parse_query
from sandbox.signing.values import (
    DuplicateKeyError,
    JsonNumber,
    compact_json,
    parse_request_json,
)


class GoldenPayError(Exception):
    """Answer the request with this message: `{"code":400,"errors":{…}}` with HTTP 200, or the
    rate-limit envelope (code and HTTP 429)."""

    def __init__(self, message: str, code: int = 400, http_status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


# -- responses ----------------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(compact_json(body).encode(), status_code=status, media_type="application/json")


def error_response(error: GoldenPayError) -> Response:
    return _json(error_envelope(error.code, error.message), error.http_status)


def signed(payload: dict[str, Any], api_token: str) -> dict[str, Any]:
    """The payload with `sign` added last, over exactly the values that are sent."""
    return {**payload, "sign": goldenpay_sign(payload, api_token)}


def success_response(payload: dict[str, Any], merchant: GoldenPayMerchant) -> Response:
    return _json({"code": 200, "payload": signed(payload, merchant.api_token)})


# -- field reading (step 4) ---------------------------------------------------------------

_WHOLE = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
# Longer amounts cannot be held exactly by the default decimal context; none fits a limit.
_MAX_AMOUNT_DIGITS = 24


def missing(name: str) -> GoldenPayError:
    return GoldenPayError(f"Missing {name} param")


def invalid(name: str, reason: str) -> GoldenPayError:
    return GoldenPayError(f"Invalid {name}: {reason}")


def is_empty(value: Any) -> bool:
    return value is None or value == ""


@dataclass
class Amount:
    value: Decimal
    # None when too long to match scenario amount conditions exactly (never a valid order).
    facts_value: Decimal | None


@dataclass
class Fields:
    """Reads and checks one request's fields in the order the endpoint asks for them; every
    failure raises `GoldenPayError` with the §7.3/§7.4 message."""

    params: dict[str, Any]
    merchant: GoldenPayMerchant
    channel_seen: str | None = None  # for the placeholders of forced errors
    currency_seen: str | None = None

    def string(self, name: str, *, required: bool = True, numbers: bool = False) -> str | None:
        """A string field (`numbers`: a JSON number is accepted as its token text)."""
        value = self.params.get(name)
        if is_empty(value):
            if required:
                raise missing(name)
            return None
        if not isinstance(value, str) or (isinstance(value, JsonNumber) and not numbers):
            raise invalid(name, "must be a string")
        return str(value)

    def text(self, name: str, *, numbers: bool = False) -> str:
        value = self.string(name, numbers=numbers)
        assert value is not None
        return value

    def optional(self, *names: str) -> dict[str, Any]:
        """Optional string fields that are stored but not checked."""
        found: dict[str, Any] = {}
        for name in names:
            value = self.string(name, required=False)
            if value is not None:
                found[name] = value
        return found

    def trans_id(self) -> str:
        value = self.text("trans_id", numbers=True)
        if len(value) > 64:
            raise invalid("trans_id", "at most 64 characters")
        return value

    def channel(self, direction: str) -> str:
        value = self.text("channel")
        self.channel_seen = value
        enabled = getattr(self.merchant.channels, direction)
        if value not in enabled or value not in CHANNEL_CURRENCIES:
            raise GoldenPayError(f"Insufficient channel permission: {value}")
        return value

    def currency(self, channel: str | None = None) -> str:
        """Upper-case; forced to USDT for `usdt…` channels; checked against the channel."""
        value = self.text("currency")
        if channel is not None and channel.startswith("usdt"):
            self.currency_seen = "USDT"
            return "USDT"
        upper = value.upper()
        self.currency_seen = upper
        if upper not in CURRENCIES:
            raise GoldenPayError(f"Unsupported currency: {value}")
        if channel is not None and upper not in CHANNEL_CURRENCIES[channel]:
            raise invalid("currency", f"channel {channel} does not accept {upper}")
        return upper

    def amount(self, currency: str, *, collect: bool) -> Amount:
        value = self.text("amount", numbers=True)
        if not amount_format_ok(value, currency):
            if currency == "VND":
                raise invalid("amount", "must be digits only for VND")
            raise invalid("amount", "must be a positive decimal with at most 2 decimal places")
        amount = Decimal(value)
        if amount <= 0:
            raise invalid("amount", "must be greater than 0")
        if collect and amount > COLLECT_MAX:
            raise invalid("amount", "must not exceed 50000000000")
        exact = len(value.lstrip("0")) <= _MAX_AMOUNT_DIGITS
        return Amount(amount, amount if exact else None)

    def url(self, name: str, *, required: bool = True) -> str | None:
        value = self.string(name, required=required)
        if value is None:
            return None
        if not valid_url(value):
            raise invalid(name, "must be a valid http(s) URL")
        return value

    def account_no(self, currency: str) -> str:
        value = self.text("account_no")
        if len(value) > 34:
            raise invalid("account_no", "at most 34 characters")
        if currency == "VND" and (_ALNUM.fullmatch(value) is None or value.isalpha()):
            raise invalid("account_no", "must be alphanumeric and not letters only")
        return value

    def email(self, name: str) -> str | None:
        value = self.string(name, required=False)
        if value is not None and _EMAIL.fullmatch(value) is None:
            raise invalid(name, "must be a valid email address")
        return value


def valid_url(value: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


# -- the call -----------------------------------------------------------------------------


@dataclass
class Call:
    """One authenticated, signature-checked request, as handed to an endpoint handler."""

    request: Request
    sandbox: Sandbox
    merchant: GoldenPayMerchant
    params: dict[str, Any]
    operation: str
    signature: str  # the journal's verdict: "ok (raw)", "ok (normalised)"
    revision: Revision = "current"
    plan: Plan | None = None
    note: str = ""
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.params, self.merchant)

    @property
    def merchant_id(self) -> str:
        return str(self.merchant.mch_id)

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def order_by_id(self, kind: str) -> tuple[str, Order | None]:
        """The `id` parameter, and the order it names among this merchant's orders of `kind`:
        a platform id first, else a `trans_id` (spec §4.2)."""
        wanted = self.fields.text("id")
        store = self.sandbox.store
        order = find_order(store, GATEWAY, self.merchant_id, platform_id=wanted, kind=kind)
        if order is None:
            order = find_order(
                store, GATEWAY, self.merchant_id, merchant_order_id=wanted, kind=kind
            )
        return wanted, order

    def plan_for(
        self,
        *,
        order_no: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        channel: str | None = None,
    ) -> Plan:
        """Step 5: the scenario plan (after field validation). A bad `X-Sandbox-Code` or
        `X-Sandbox-Scenario` header is answered `Invalid <header>: <value>`."""
        facts = RequestFacts(
            gateway=GATEWAY,
            operation=self.operation,
            merchant=self.merchant_id,
            amount=amount,
            currency=currency,
            channel=channel,
            order_no=order_no,
            headers=dict(self.request.headers),
        )
        plan = self.sandbox.scenarios.plan(facts)
        self.plan = plan
        if plan.bad_request is not None:
            header = plan.bad_request.header
            raise invalid(header, self.request.headers.get(header, ""))
        return plan

    def processes(self, plan: Plan) -> bool:
        """Is the request processed (business rules, state change) before answering?"""
        return processes(plan)

    def forced_error(self, respond: PlannedResponse) -> GoldenPayError:
        """A scenario's (or `X-Sandbox-Code`'s) error with its placeholders filled: the request's
        channel and currency for a scenario rule, `sandbox` for the header (spec §4.0.2)."""
        assert respond.error is not None
        by_header = respond.source.scenario == "X-Sandbox-Code"
        channel = None if by_header else self.fields.channel_seen
        currency = None if by_header else self.fields.currency_seen
        message = (respond.message or respond.error.message).replace(
            "<channel>", channel or "sandbox"
        )
        message = message.replace("<X>", currency or "sandbox")
        status = respond.error.http_status
        return GoldenPayError(message, code=400 if status == 200 else status, http_status=status)

    async def answer(self, plan: Plan, normal: Callable[[], Response] | None) -> Response:
        """Step 5's answer over the handler's own (`normal`; None when nothing was processed)."""

        def error_answer(respond: PlannedResponse) -> Response:
            error = self.forced_error(respond)
            self.note = f"{error.code} {error.message} (scenario)"
            return error_response(error)

        def no_answer() -> Response:  # pragma: no cover - a plan that processes nothing errs
            raise GoldenPayError("Invalid request")

        return await answer_as_planned(self.request, plan, normal or no_answer, error_answer)


Handler = Callable[[Call], Awaitable[Response]]


async def answer_order_query(
    call: Call, kind: str, payload: Callable[[Order, GoldenPayMerchant], dict[str, Any]]
) -> Response:
    """`collect.query` / `payout.query`: the order `id` names among the merchant's orders of
    `kind`, planned with its own facts, answered with `payload` (spec §4.2, §4.4)."""
    wanted, order = call.order_by_id(kind)
    plan = call.plan_for(
        order_no=order.merchant_order_id if order is not None else wanted,
        amount=order.amount if order is not None else None,
        currency=order.currency if order is not None else None,
        channel=order.data["channel"] if order is not None else None,
    )
    if call.processes(plan) and order is None:
        raise GoldenPayError("Order not found")

    def normal() -> Response:
        assert order is not None
        return success_response(payload(order, call.merchant), call.merchant)

    return await call.answer(plan, normal if order is not None else None)


# -- steps 1-3 and the journal ------------------------------------------------------------


async def read_params(request: Request) -> dict[str, Any]:
    """Step 1: a POST's JSON object, or a GET's query string (spec §4.0.2)."""
    if request.method == "POST":
        raw = await request.body()
        try:
            body = parse_request_json(raw)
        except DuplicateKeyError as exc:
            raise invalid("body", f"duplicate key {exc.key}") from None
        except ValueError:
            raise invalid("body", "malformed JSON") from None
        if not isinstance(body, dict):
            raise invalid("body", "must be a JSON object")
        # A `\ud800` escape parses to a lone surrogate, which no UTF-8 answer or store can hold.
        if b"\\u" in raw and not _encodable(body):
            raise invalid("body", "malformed JSON")
        return body
    try:
        return dict(parse_query(request.scope.get("query_string", b"")))
    except DuplicateKeyError as exc:
        raise invalid(exc.key, "repeated parameter") from None


def _encodable(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def find_merchant(sandbox: Sandbox, params: dict[str, Any]) -> GoldenPayMerchant:
    value = params.get("mch_id")
    if is_empty(value):
        raise missing("mch_id")
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        raise GoldenPayError("Invalid mch_id")
    merchant = sandbox.merchants.find(GATEWAY, str(int(value)))
    if merchant is None:
        raise GoldenPayError("Invalid mch_id")
    assert isinstance(merchant, GoldenPayMerchant)
    return merchant


def check_common(
    params: dict[str, Any], merchant: GoldenPayMerchant, revision: Revision = "current"
) -> None:
    """Step 2 after `mch_id`: `sign` present, then `nonce`, then `timestamp` (spec §4.0.1)."""
    if is_empty(params.get("sign")):
        raise missing("sign")
    nonce = params.get("nonce")
    if is_empty(nonce):
        raise missing("nonce")
    if not isinstance(nonce, str) or isinstance(nonce, JsonNumber) or not nonce_ok(nonce, revision):
        raise GoldenPayError("Invalid nonce")
    stamp = params.get("timestamp")
    if is_empty(stamp):
        raise missing("timestamp")
    if not isinstance(stamp, str) or len(stamp) != 10 or _WHOLE.fullmatch(stamp) is None:
        raise invalid("timestamp", "must be a 10-digit UNIX time in seconds")
    window = merchant.timestamp_window_s
    # The merchant stamps requests with its own real clock, never the sandbox clock (spec §4.0.1).
    if window > 0 and abs(time.time() - int(stamp)) > window:
        raise GoldenPayError("Timestamp expired")


class _Rejected(Exception):
    """Steps 1-3 refused the request; with what the journal records about it."""

    def __init__(self, error: GoldenPayError, merchant: str, signature: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.merchant = merchant
        self.signature = signature


async def _authenticate(request: Request, sandbox: Sandbox, operation: str) -> Call:
    """Steps 1-3, or `_Rejected`."""
    merchant_id, checked = "", "not-checked"
    try:
        params = await read_params(request)
        merchant = find_merchant(sandbox, params)
        merchant_id = str(merchant.mch_id)
        try:
            revision = request_revision(request.headers, merchant)
        except UnknownRevision as exc:
            raise invalid(HEADER, str(exc)) from None
        if is_empty(params.get("sign")):
            checked = "missing"
        check_common(params, merchant, revision)
        verdict = goldenpay_verify(params, merchant.api_token, merchant.signature_mode)
        if not verdict.ok:
            checked = "bad"
            raise GoldenPayError("Invalid sign")
    except GoldenPayError as exc:
        raise _Rejected(exc, merchant_id, checked) from None
    return Call(request, sandbox, merchant, params, operation, f"ok ({verdict.form})", revision)


def goldenpay_endpoint(
    operation: str, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def authenticate(request: Request, sandbox: Sandbox) -> Call | Refusal:
        try:
            return await _authenticate(request, sandbox, operation)
        except _Rejected as rejected:
            error = rejected.error
            return Refusal(
                error_response(error),
                f"{error.code} {error.message}",
                merchant=rejected.merchant,
                signature=rejected.signature,
            )

    return journaled_endpoint(
        gateway=GATEWAY,
        operation=operation,
        authenticate=authenticate,
        handler=handler,
        answer_error=_answer_error,
        internal_error=_internal_error,
    )


def _answer_error(exc: Exception) -> tuple[Response, str] | None:
    if not isinstance(exc, GoldenPayError):
        return None
    return error_response(exc), f"{exc.code} {exc.message}"


def _internal_error() -> tuple[Response, str]:
    """An unexpected failure in the sandbox: the 400 envelope, never a 5xx (DESIGN §11)."""
    error = GoldenPayError("Internal error: see the sandbox log")
    return error_response(error), f"{error.code} {error.message}"
