"""GoldenPay's common request handling, shared by every endpoint.

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
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.gateways.explaining import other_keys, safely
from sandbox.gateways.goldenpay.codes import GoldenPayError, error_envelope, invalid, missing
from sandbox.gateways.goldenpay.common import GATEWAY
from sandbox.gateways.goldenpay.fields import Fields, is_empty
from sandbox.gateways.goldenpay.merchant import GOLDENPAY_MERCHANTS, GoldenPayMerchant
from sandbox.gateways.goldenpay.revisions import (
    HEADER,
    Revision,
    UnknownRevision,
    nonce_ok,
    request_revision,
)
from sandbox.gateways.incoming import read_json_object
from sandbox.gateways.orders import Order, find_order
from sandbox.gateways.pipeline import Call as PipelineCall
from sandbox.gateways.pipeline import Envelope, Refusal, gateway_endpoint
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import BadHeader, PlannedResponse
from sandbox.signing.explain import explain_goldenpay
from sandbox.signing.md5 import goldenpay_sign, goldenpay_verify, parse_query
from sandbox.signing.values import DuplicateKeyError, JsonNumber, compact_json

_WHOLE = re.compile(r"[0-9]+")


# -- responses ----------------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(compact_json(body).encode(), status_code=status, media_type="application/json")


def error_response(error: Refusal) -> Response:
    detail = error.detail if isinstance(error, GoldenPayError) else ""
    return _json(error_envelope(int(error.code), error.message, detail), error.http_status)


def signed(payload: dict[str, Any], api_token: str) -> dict[str, Any]:
    """The payload with `sign` added last, over exactly the values that are sent."""
    return {**payload, "sign": goldenpay_sign(payload, api_token)}


def success_response(payload: dict[str, Any], merchant: GoldenPayMerchant) -> Response:
    return _json({"code": 200, "payload": signed(payload, merchant.api_token)})


# -- the call -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class Call(PipelineCall):
    """One authenticated, signature-checked GoldenPay request."""

    gateway = GATEWAY

    merchant: GoldenPayMerchant
    params: dict[str, Any]
    revision: Revision = "current"
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.params, self.merchant)

    @property
    def merchant_id(self) -> str:
        return str(self.merchant.mch_id)

    def render(self, refusal: Refusal) -> Response:
        return error_response(refusal)

    def bad_header(self, bad: BadHeader) -> Refusal:
        return invalid(bad.header, self.request.headers.get(bad.header, ""))

    def order_by_id(self, kind: str) -> tuple[str, Order | None]:
        """The `id` parameter, and the order it names among this merchant's orders of `kind`:
        a platform id first, else a `trans_id`."""
        wanted = self.fields.text("id")
        store = self.sandbox.store
        order = find_order(store, GATEWAY, self.merchant_id, platform_id=wanted, kind=kind)
        if order is None:
            order = find_order(
                store, GATEWAY, self.merchant_id, merchant_order_id=wanted, kind=kind
            )
        return wanted, order

    def forced_error(self, respond: PlannedResponse) -> GoldenPayError:
        """A scenario's (or `X-Sandbox-Code`'s) error with its placeholders filled: the request's
        channel and currency for a scenario rule, `sandbox` for the header."""
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


Handler = Callable[[Call], Awaitable[Response]]


# -- steps 1-3 and the journal ------------------------------------------------------------


async def read_params(request: Request) -> dict[str, Any]:
    """Step 1: a POST's JSON object, or a GET's query string."""
    if request.method == "POST":
        return read_json_object(
            await request.body(),
            lambda key: invalid("body", f"duplicate key {key}"),
            lambda: invalid("body", "malformed JSON"),
            lambda: invalid("body", "must be a JSON object"),
        )
    try:
        return dict(parse_query(request.scope.get("query_string", b"")))
    except DuplicateKeyError as exc:
        raise invalid(exc.key, "repeated parameter") from None


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
    """Step 2 after `mch_id`: `sign` present, then `nonce`, then `timestamp`, in that order."""
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
    # The merchant stamps requests with its own real clock, never the sandbox clock.
    if window > 0 and abs(time.time() - int(stamp)) > window:
        raise GoldenPayError("Timestamp expired")


async def _authenticate(request: Request, sandbox: Sandbox, operation: str) -> Call:
    """Steps 1-3, or a raised `GoldenPayError` with what the journal records."""
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
            raise _invalid_sign(sandbox, params, merchant)
    except GoldenPayError as refusal:
        raise refusal.journaled(merchant_id, checked) from None
    return Call(
        request=request,
        sandbox=sandbox,
        merchant=merchant,
        params=params,
        operation=operation,
        signature=f"ok ({verdict.form})",
        revision=revision,
    )


def _invalid_sign(
    sandbox: Sandbox, params: dict[str, Any], merchant: GoldenPayMerchant
) -> GoldenPayError:
    """`Invalid sign`, explained in the journal and, briefly, in the envelope's `errors.detail`
    (the message itself stays exactly `Invalid sign`)."""
    keys = other_keys(sandbox, GOLDENPAY_MERCHANTS, "api_token", merchant)
    explanation = safely(lambda: explain_goldenpay(params, merchant.api_token, keys))
    detail = explanation.summary() if explanation is not None else ""
    return GoldenPayError("Invalid sign", detail=detail).journaled(explanation=explanation)


ENVELOPE = Envelope(
    gateway=GATEWAY,
    authenticate=_authenticate,
    render=lambda refusal: error_response(refusal),
    # An unexpected failure in the sandbox: the 400 envelope, never a 5xx.
    internal_error=lambda: GoldenPayError("Internal error: see the sandbox log"),
)


def goldenpay_endpoint(
    operation: str, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    return gateway_endpoint(ENVELOPE, operation, handler)
