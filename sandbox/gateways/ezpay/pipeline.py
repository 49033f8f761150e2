"""EzPay's request pipeline (spec §4.0.1), shared by every endpoint.

`ezpay_endpoint(operation, handler, country_path=...)` makes a Starlette endpoint that runs steps
2-11 (step 1, the size, is the middleware's): the outer `{"appId","sign","param"}` body, the
merchant, IP allow-list, the RSA signature over the received `param` text, `param` as a JSON
object, the `timestamp` rules and the country. The handler gets a `Call` and runs steps 12-15
(fields via `call.fields`, scenario via `call.plan_for`, business checks, state change). A raised
`EzPayError` becomes the HTTP 200 envelope; anything unexpected becomes 21000, never a 500. Every
request is journalled with its signature verdict.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.connection import TRANSPORT_KEY
from sandbox.gateways.directives import answer_as_planned
from sandbox.gateways.endpoint import Refusal, journaled_endpoint
from sandbox.gateways.ezpay.channels import COUNTRIES, Country
from sandbox.gateways.ezpay.codes import ERRORS, PARAM_ERROR, SUCCESS
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.ezpay.money import daily_totals, to_minor
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan, PlannedResponse, RequestFacts
from sandbox.signing.values import DuplicateKeyError, JsonNumber, parse_request_json

GATEWAY = "ezpay"
GENERAL_ERROR = 21000
SIGN_ERROR = 21001
APPID_ERROR = 21003
MERCHANT_UNAVAILABLE = 21004
TIMESTAMP_ERROR = 21008
TIMESTAMP_EXPIRED = 21009
IP_FORBIDDEN = 21016
NOT_OPENED = 21017
INT64_MAX = 9223372036854775807


class EzPayError(Exception):
    """Answer with this code (HTTP 200 unless said otherwise, `data: null`)."""

    def __init__(self, code: int, message: str | None = None, http_status: int = 200) -> None:
        text = message if message is not None else ERRORS[str(code)].message
        super().__init__(text)
        self.code = code
        self.message = text
        self.http_status = http_status


def param_error(detail: str, http_status: int = 200) -> EzPayError:
    return EzPayError(PARAM_ERROR, f"Request param error: {detail}", http_status)


def envelope(code: int, message: str, data: Any = None, status: int = 200) -> Response:
    """`{"code","message","data"}`; answers carry only strings, integers and lists of them, so
    the standard encoder (C-accelerated) writes them — much cheaper than `compact_json`."""
    body = _ENCODER.encode({"code": code, "message": message, "data": data})
    return Response(body.encode("utf-8"), status_code=status, media_type="application/json")


def success(data: Any) -> Response:
    return envelope(SUCCESS, "Success", data)


# -- field validation (step 12, §4.0.4) -------------------------------------------------------

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ID_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_PHONE = re.compile(r"\+?[0-9]{5,20}")
_AMOUNT_FIELDS = ("amount", "refundAmount")


@dataclass
class Fields:
    """Reads `param` fields in table order; the first failure raises 21002 naming the field."""

    param: dict[str, Any]

    def present(self, name: str) -> bool:
        value = self.param.get(name)
        return value is not None and value != ""

    def _value(self, name: str, required: bool) -> Any:
        value = self.param.get(name)
        if value is None or value == "":
            if required:
                raise param_error(f"{name} is required")
            return None
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = True,
        length: tuple[int, int] | None = None,
    ) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            raise param_error(f"{name} must be a string")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone "\ud800" escape: no text can hold it
                raise param_error(f"{name} must be valid Unicode text") from None
        if length is not None and not length[0] <= len(value) <= length[1]:
            raise param_error(f"{name} length must be between {length[0]} and {length[1]}")
        return value

    def text(self, name: str, length: tuple[int, int] | None = None) -> str:
        value = self.string(name, required=True, length=length)
        assert value is not None
        return value

    def ident(
        self, name: str, length: tuple[int, int] = (1, 32), *, required: bool = True
    ) -> str | None:
        """`mchOrderId`-like ids: the length, then letters, digits, `_` and `-` only."""
        value = self.string(name, required=required, length=length)
        if value is not None and _ID_CHARS.fullmatch(value) is None:
            raise param_error(f"{name} may contain only letters, digits, '_' and '-'")
        return value

    def integer(self, name: str, *, required: bool = True) -> Decimal | None:
        """A JSON integer or a string of ASCII digits, at most 2^63-1 (minor units)."""
        value = self._value(name, required)
        if value is None:
            return None
        rule = (
            f"{name} must be an integer in minor units"
            if name in _AMOUNT_FIELDS
            else f"{name} must be an integer"
        )
        if not isinstance(value, str) or _DIGITS.fullmatch(value) is None or len(value) > 19:
            raise param_error(rule)
        number = int(value)
        if number > INT64_MAX:
            raise param_error(rule)
        return Decimal(number)

    def url(self, name: str, *, required: bool = True, max_length: int = 256) -> str | None:
        value = self.string(name, required=required, length=(1, max_length))
        if value is not None and _URL.fullmatch(value) is None:
            raise param_error(f"{name} must be an absolute http(s) URL")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.string(name, required=required)
        if value is not None and value not in allowed:
            raise param_error(f"{name} must be one of {', '.join(allowed)}")
        return value

    def phone(
        self,
        name: str,
        *,
        required: bool = True,
        length: tuple[int, int] | None = None,
        strict: tuple[str, str] | None = None,
    ) -> str | None:
        """Default shape: 5-20 digits with an optional leading `+`; `strict` = (regex, shape)
        when the merchant enforces the documented country shape."""
        value = self.string(name, required=required, length=length)
        if value is None:
            return None
        if strict is not None:
            if re.fullmatch(strict[0], value) is None:
                raise param_error(f"{name} has invalid format ({strict[1]})")
        elif _PHONE.fullmatch(value) is None:
            raise param_error(f"{name} has invalid format (5-20 digits, optional leading +)")
        return value

    def ip(self, name: str, *, required: bool = True) -> str | None:
        value = self.string(name, required=required, length=(1, 64))
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise param_error(f"{name} must be an IPv4 or IPv6 address") from None
        return value

    def require_when(self, name: str, other: str, value: str) -> None:
        if not self.present(name):
            raise param_error(f"{name} is required when {other} is {value}")


# -- the call ---------------------------------------------------------------------------------


@dataclass
class Call:
    """One authenticated, signature-checked request with a JSON-object `param`."""

    request: Request
    sandbox: Sandbox
    merchant: EzPayMerchant
    param: dict[str, Any]
    operation: str
    country: Country | None
    signature: str
    plan: Plan | None = None
    note: str = ""
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.param)

    @property
    def merchant_id(self) -> str:
        return self.merchant.app_id

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def need_country(self) -> Country:
        assert self.country is not None
        return self.country

    def plan_for(
        self,
        *,
        order_no: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        channel: str | None = None,
    ) -> Plan:
        """Step 13: the scenario plan (after field validation). A bad scenario header → 21002."""
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
            raise param_error(plan.bad_request.text)
        return plan

    async def answer(self, plan: Plan, normal: Callable[[], Response] | None) -> Response:
        """The planned answer over the handler's own (`normal`, None when nothing was done)."""

        def error_answer(respond: PlannedResponse) -> Response:
            assert respond.error is not None
            code = int(respond.error.value)
            message = respond.message or respond.error.message
            self.note = f"{code} {message} (scenario)"
            return envelope(code, message)

        def nothing() -> Response:  # pragma: no cover - a plan that processes nothing errs
            raise EzPayError(GENERAL_ERROR)

        return await answer_as_planned(self.request, plan, normal or nothing, error_answer)


Handler = Callable[[Call], Awaitable[Response]]


# -- steps 2-11 -------------------------------------------------------------------------------


@dataclass
class _Rejected:
    error: EzPayError
    merchant: str = ""
    signature: str = "not-checked"


def _merchant(sandbox: Sandbox, app_id: str) -> EzPayMerchant | None:
    found = sandbox.merchants.find(GATEWAY, app_id)
    return found if isinstance(found, EzPayMerchant) else None


def peer_host(request: Request) -> str:
    """The TCP peer's address: uvicorn rewrites `client` from X-Forwarded-For sent by a local
    proxy, and the spec says that header is ignored, so read the transport when there is one."""
    transport = request.scope.get(TRANSPORT_KEY)
    peer = transport.get_extra_info("peername") if transport is not None else None
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return request.client.host if request.client is not None else ""


def _ip_allowed(merchant: EzPayMerchant, request: Request) -> bool:
    if not merchant.allowed_ips:
        return True
    host = peer_host(request)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in merchant.allowed_ips)


def check_timestamp(value: Any, tolerance: int | None, wall_now: float) -> None:
    """§4.0.3: digits only (number or string), 13 digits = ms, within the tolerance."""
    if value is None or value == "":
        raise param_error("timestamp is required")
    if not isinstance(value, str) or _DIGITS.fullmatch(value) is None:
        raise EzPayError(TIMESTAMP_ERROR)
    if tolerance is None:
        return
    if len(value) > 19:  # far beyond any clock; never converted
        raise EzPayError(TIMESTAMP_EXPIRED)
    number = int(value)
    seconds = number / 1000 if len(value) == 13 else float(number)
    if abs(seconds - wall_now) > tolerance:
        raise EzPayError(TIMESTAMP_EXPIRED)


async def _authenticate(
    request: Request, sandbox: Sandbox, operation: str, slug: str | None
) -> Call | _Rejected:
    raw = await request.body()
    try:
        body = parse_request_json(raw)
    except DuplicateKeyError as exc:
        return _Rejected(param_error(f"body has a duplicate key {exc.key}"))
    except ValueError:
        return _Rejected(param_error("body must be a JSON object"))
    if not isinstance(body, dict):
        return _Rejected(param_error("body must be a JSON object"))
    for name in ("appId", "sign", "param"):
        value = body.get(name)
        if value is None:
            return _Rejected(param_error(f"{name} is required"))
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            if name == "param":
                return _Rejected(param_error("param must be a string containing JSON"))
            return _Rejected(param_error(f"{name} must be a string"))
    app_id: str = body["appId"]
    merchant = _merchant(sandbox, app_id)
    if merchant is None:
        return _Rejected(EzPayError(APPID_ERROR))
    if not merchant.enabled:
        return _Rejected(EzPayError(MERCHANT_UNAVAILABLE), app_id)
    if not _ip_allowed(merchant, request):
        return _Rejected(EzPayError(IP_FORBIDDEN), app_id)
    from sandbox.signing.rsa import load_public_key, verify_param  # `cryptography`: not at start-up

    param_text: str = body["param"]
    key = load_public_key(merchant.merchant_public_key)  # cached per key text
    verdict = verify_param(key, param_text, body["sign"], merchant.signature_mode)
    if not verdict.ok:
        return _Rejected(EzPayError(SIGN_ERROR), app_id, "bad")
    signature = f"ok ({verdict.form})"
    try:
        param = parse_request_json(param_text)
    except DuplicateKeyError as exc:
        return _Rejected(param_error(f"param has a duplicate key {exc.key}"), app_id, signature)
    except ValueError:
        param = None
    if not isinstance(param, dict):
        return _Rejected(param_error("param is not a JSON object"), app_id, signature)
    try:
        check_timestamp(param.get("timestamp"), merchant.timestamp_tolerance_s, time.time())
    except EzPayError as exc:
        return _Rejected(exc, app_id, signature)
    country: Country | None = None
    if slug is not None:
        country = COUNTRIES.get(slug)
        if (
            country is None
            or operation not in country.operations
            or country.slug not in merchant.countries
        ):
            return _Rejected(EzPayError(NOT_OPENED), app_id, signature)
    return Call(request, sandbox, merchant, param, operation, country, signature)


def ezpay_endpoint(operation: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def authenticate(request: Request, sandbox: Sandbox) -> Call | Refusal:
        if request.method != "POST":
            error = param_error(f"method {request.method} not allowed, use POST", 405)
            return _refusal(_Rejected(error))
        call = await _authenticate(request, sandbox, operation, request.path_params.get("country"))
        return _refusal(call) if isinstance(call, _Rejected) else call

    return journaled_endpoint(
        gateway=GATEWAY,
        operation=operation,
        authenticate=authenticate,
        handler=handler,
        answer_error=_answer_error,
        internal_error=_internal_error,
        success_note="10000 Success",
    )


def _refusal(rejected: _Rejected) -> Refusal:
    error = rejected.error
    return Refusal(
        envelope(error.code, error.message, status=error.http_status),
        f"{error.code} {error.message}",
        merchant=rejected.merchant,
        signature=rejected.signature,
    )


def _answer_error(exc: Exception) -> tuple[Response, str] | None:
    if not isinstance(exc, EzPayError):
        return None
    return envelope(exc.code, exc.message, status=exc.http_status), f"{exc.code} {exc.message}"


def _internal_error() -> tuple[Response, str]:
    error = EzPayError(GENERAL_ERROR)
    return envelope(error.code, error.message), f"{error.code} {error.message}"


# -- business checks shared by the endpoints (step 14) ----------------------------------------

AMOUNT_INVALID = 21021
AMOUNT_EXCEEDED = 21010
VOLUME_LIMIT = 21022
COUNT_LIMIT = 21027


def not_found(merchant: EzPayMerchant) -> EzPayError:
    """21006, or the docs' `21010 transaction not found` with `not_found_code: 21010`."""
    if merchant.not_found_code == 21010:
        return EzPayError(21010, "transaction not found")
    return EzPayError(21006)


def check_amount(
    merchant: EzPayMerchant, amount: Decimal, currency: str, minimum: Decimal | None = None
) -> None:
    """§4.0.5: ≤ 0 or below the minimum → 21021; above `limits.max_amount` → 21010."""
    if amount <= 0 or (minimum is not None and amount < minimum):
        raise EzPayError(AMOUNT_INVALID)
    limit = merchant.limits.max_amount.get(currency)
    if limit is not None and amount > to_minor(limit, currency):
        raise EzPayError(AMOUNT_EXCEEDED)


def check_daily_limits(call: Call, amount: Decimal | None, currency: str) -> None:
    """`limits.daily_volume` (21022) and `limits.daily_count` (21027), per merchant-zone day."""
    limits = call.merchant.limits
    volume_limit = limits.daily_volume.get(currency) if amount is not None else None
    if volume_limit is None and limits.daily_count is None:
        return
    count, volume = daily_totals(
        call.sandbox.store, call.merchant_id, currency, call.now(), call.merchant
    )
    if (
        volume_limit is not None
        and amount is not None
        and volume + amount > to_minor(volume_limit, currency)
    ):
        raise EzPayError(VOLUME_LIMIT)
    if limits.daily_count is not None and count + 1 > limits.daily_count:
        raise EzPayError(COUNT_LIMIT)
