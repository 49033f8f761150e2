"""EzPay's specialisation of the shared request pipeline (the numbered steps every EzPay call
goes through, in order; docs/gateways/ezpay.md lists the codes each step answers).

Authentication runs steps 2-11 (step 1, the size, is the middleware's): the outer
`{"appId","sign","param"}` body, the merchant, IP allow-list, the RSA signature over the received
`param` text, `param` as a JSON object, the `timestamp` rules and the country. The handler gets a
`Call` and runs steps 12-15 (fields via `call.fields`, scenario via `call.plan_for`, business
checks in `rules`, state change). Every refusal is an `EzPayError`, answered with the HTTP 200
envelope (405 for a wrong method); anything unexpected becomes 21000.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.gateways.explaining import other_keys, safely
from sandbox.gateways.ezpay.channels import COUNTRIES, Country
from sandbox.gateways.ezpay.codes import SUCCESS, EzPayError, param_error
from sandbox.gateways.ezpay.fields import DIGITS, Fields
from sandbox.gateways.ezpay.merchant import EZPAY_MERCHANTS, EzPayMerchant
from sandbox.gateways.incoming import peer_allowed, read_json_object
from sandbox.gateways.pipeline import Call as PipelineCall
from sandbox.gateways.pipeline import Envelope, Refusal, gateway_endpoint
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import BadHeader
from sandbox.signing.explain import Explanation, explain_rsa
from sandbox.signing.values import JsonNumber

GATEWAY = "ezpay"
GENERAL_ERROR = 21000
SIGN_ERROR = 21001
APPID_ERROR = 21003
MERCHANT_UNAVAILABLE = 21004
TIMESTAMP_ERROR = 21008
TIMESTAMP_EXPIRED = 21009
IP_FORBIDDEN = 21016
NOT_OPENED = 21017


def envelope(code: int, message: str, data: Any = None, status: int = 200) -> Response:
    """`{"code","message","data"}`; answers carry only strings, integers and lists of them, so
    the standard encoder (C-accelerated) writes them — much cheaper than `compact_json`."""
    body = _ENCODER.encode({"code": code, "message": message, "data": data})
    return Response(body.encode("utf-8"), status_code=status, media_type="application/json")


def success(data: Any) -> Response:
    return envelope(SUCCESS, "Success", data)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


# -- the call ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Call(PipelineCall):
    """One authenticated, signature-checked request with a JSON-object `param`."""

    gateway = GATEWAY

    merchant: EzPayMerchant
    param: dict[str, Any]
    country: Country | None
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.param)

    @property
    def merchant_id(self) -> str:
        return self.merchant.app_id

    def need_country(self) -> Country:
        assert self.country is not None
        return self.country

    def render(self, refusal: Refusal) -> Response:
        return render(refusal)

    def bad_header(self, bad: BadHeader) -> Refusal:
        return param_error(bad.text)


Handler = Callable[[Call], Awaitable[Response]]


# -- steps 2-11 -------------------------------------------------------------------------------


def _merchant(sandbox: Sandbox, app_id: str) -> EzPayMerchant | None:
    found = sandbox.merchants.find(GATEWAY, app_id)
    return found if isinstance(found, EzPayMerchant) else None


def check_timestamp(value: Any, tolerance: int | None, wall_now: float) -> None:
    """The timestamp rule: digits only (number or string), 13 digits = ms, within the tolerance."""
    if value is None or value == "":
        raise param_error("timestamp is required")
    if not isinstance(value, str) or DIGITS.fullmatch(value) is None:
        raise EzPayError(TIMESTAMP_ERROR)
    if tolerance is None:
        return
    if len(value) > 19:  # far beyond any clock; never converted
        raise EzPayError(TIMESTAMP_EXPIRED)
    number = int(value)
    seconds = number / 1000 if len(value) == 13 else float(number)
    if abs(seconds - wall_now) > tolerance:
        raise EzPayError(TIMESTAMP_EXPIRED)


def _read_body(raw: bytes) -> dict[str, Any]:
    """The outer `{"appId","sign","param"}` object, each a string (steps 2-3)."""
    body = read_json_object(
        raw,
        lambda key: param_error(f"body has a duplicate key {key}"),
        lambda: param_error("body must be a JSON object"),
    )
    for name in ("appId", "sign", "param"):
        value = body.get(name)
        if value is None:
            raise param_error(f"{name} is required")
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            if name == "param":
                raise param_error("param must be a string containing JSON")
            raise param_error(f"{name} must be a string")
    return body


def _read_param(text: str) -> dict[str, Any]:
    return read_json_object(
        text,
        lambda key: param_error(f"param has a duplicate key {key}"),
        lambda: param_error("param is not a JSON object"),
    )


def _country(merchant: EzPayMerchant, operation: str, slug: str | None) -> Country | None:
    if slug is None:
        return None
    country = COUNTRIES.get(slug)
    if country is None or operation not in country.operations or slug not in merchant.countries:
        raise EzPayError(NOT_OPENED)
    return country


async def _authenticate(request: Request, sandbox: Sandbox, operation: str) -> Call:
    """Steps 2-11, or a raised `EzPayError` with what the journal records."""
    if request.method != "POST":
        raise param_error(f"method {request.method} not allowed, use POST", 405)
    body = _read_body(await request.body())
    app_id: str = body["appId"]
    merchant = _merchant(sandbox, app_id)
    if merchant is None:
        raise EzPayError(APPID_ERROR)
    try:
        if not merchant.enabled:
            raise EzPayError(MERCHANT_UNAVAILABLE)
        if not peer_allowed(merchant.allowed_ips, request):
            raise EzPayError(IP_FORBIDDEN)
    except EzPayError as refusal:
        raise refusal.journaled(app_id) from None
    from sandbox.signing.rsa import load_public_key, verify_param  # `cryptography`: not at start-up

    param_text: str = body["param"]
    key = load_public_key(merchant.merchant_public_key)  # cached per key text
    verdict = verify_param(key, param_text, body["sign"], merchant.signature_mode)
    if not verdict.ok:
        explanation = safely(lambda: _explain(sandbox, merchant, param_text, body["sign"]))
        raise EzPayError(SIGN_ERROR).journaled(app_id, "bad", explanation=explanation)
    signature = f"ok ({verdict.form})"
    try:
        param = _read_param(param_text)
        check_timestamp(param.get("timestamp"), merchant.timestamp_tolerance_s, time.time())
        country = _country(merchant, operation, request.path_params.get("country"))
    except EzPayError as refusal:
        raise refusal.journaled(app_id, signature) from None
    return Call(
        request=request,
        sandbox=sandbox,
        merchant=merchant,
        param=param,
        operation=operation,
        country=country,
        signature=signature,
    )


def _explain(sandbox: Sandbox, merchant: EzPayMerchant, param: str, sign: str) -> Explanation:
    """What the refused `sign` was checked against. The expected signature is known only for
    the demo key pair, whose private half ships with the sandbox."""
    from sandbox.signing import demo_keys
    from sandbox.signing.rsa import sign_param, signature_checker

    own = merchant.merchant_public_key
    expected = None
    if load_key(own) == load_key(demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY):
        expected = sign_param(demo_keys.EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    keys = other_keys(sandbox, EZPAY_MERCHANTS, "merchant_public_key", merchant)
    keys.append(("the demo platform (notifications)", demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY))
    others = [
        (who, signature_checker(text)) for who, text in keys if load_key(text) != load_key(own)
    ]
    return explain_rsa(param, sign, signature_checker(own), expected=expected, other_keys=others)


def load_key(text: str) -> object:
    """The key's public numbers, to tell whether two key texts are the same key."""
    from sandbox.signing.rsa import load_public_key

    return load_public_key(text).public_numbers()


def render(refusal: Refusal) -> Response:
    return envelope(int(refusal.code), refusal.message, status=refusal.http_status)


ENVELOPE = Envelope(
    gateway=GATEWAY,
    authenticate=_authenticate,
    render=render,
    internal_error=lambda: EzPayError(GENERAL_ERROR),
    success_note="10000 Success",
)


def ezpay_endpoint(operation: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    return gateway_endpoint(ENVELOPE, operation, handler)
