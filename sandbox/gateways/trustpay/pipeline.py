"""TrustPay's common request handling (spec §4.0), shared by every endpoint.

`trustpay_endpoint(operation, api, handler)` makes a Starlette endpoint that runs steps 1-7 (size
is the middleware's; method, `X-Api-Key`, JSON object, merchant id, `sign`), hands a `Call` to
the handler for steps 8-11 (fields via `call.fields`, scenario via `call.plan_for`, business
rules, success), turns a raised `TrustPayError` into the HTTP 200 envelope, and journals every
request with its signature verdict and the scenario blocks that decided it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.gateways.directives import answer_as_planned
from sandbox.gateways.endpoint import Refusal, journaled_endpoint
from sandbox.gateways.trustpay.codes import BAD_REQUEST, SUCCESS
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan, PlannedResponse, RequestFacts
from sandbox.signing.md5 import trustpay_sign, trustpay_string_to_sign, trustpay_verify
from sandbox.signing.values import (
    DuplicateKeyError,
    JsonNumber,
    compact_json,
    parse_json,
    parse_request_json,
)

GATEWAY = "trustpay"
UNAUTHORIZED = 880011
BACKEND_SUCCESS = 880010
INTERNAL_ERROR = 880013


Api = Literal["v2", "v3", "v4"]


class TrustPayError(Exception):
    """Answer the request with this code and message (HTTP 200, `data: null`)."""

    def __init__(
        self, code: int, message: str, signature: str = "", signature_detail: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.signature = signature  # the journal's verdict when the signature was checked
        self.signature_detail = signature_detail  # what the failed check expected


def bad_request(message: str) -> TrustPayError:
    return TrustPayError(BAD_REQUEST, message)


# -- responses ----------------------------------------------------------------------------


def envelope_response(api: Api, code: int, message: str, data: Any = None) -> Response:
    """The TrustPay envelope; v2 errors carry no `data` key (spec §7). Numbers keep their text."""
    body: dict[str, Any] = {"code": code, "message": message}
    if api != "v2" or data is not None:
        body["data"] = data
    return Response(compact_json(body).encode(), media_type="application/json")


# -- field reading (step 8) ---------------------------------------------------------------

_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_ORDER_NO_BAD = re.compile(r"[\s\x00-\x1f\x7f]")
_CAMEL_EXCEPTIONS = {"card_cvv": "cardCVV"}


def camel_name(snake: str) -> str:
    """The v3 spelling of a v4 field name (spec §4.8): `order_no` → `orderNo`."""
    if snake in _CAMEL_EXCEPTIONS:
        return _CAMEL_EXCEPTIONS[snake]
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass
class Fields:
    """Reads and checks request fields, in the order the endpoint asks for them.

    Names are given in v4 snake_case; on v3 the camelCase name is read and named in messages.
    Every failure raises `TrustPayError(880002, …)` with the §4.0 message.
    """

    body: dict[str, Any]
    camel: bool = False

    def name(self, snake: str) -> str:
        return camel_name(snake) if self.camel else snake

    def raw(self, snake: str) -> Any:
        return self.body.get(self.name(snake))

    def present(self, snake: str) -> bool:
        value = self.raw(snake)
        return value is not None and value != ""

    def _required(self, snake: str, required: bool) -> Any:
        value = self.raw(snake)
        if value is None or value == "":
            if required:
                raise bad_request(f"missing field: {self.name(snake)}")
            return None
        return value

    def invalid(self, snake: str, rule: str) -> TrustPayError:
        return bad_request(f"invalid field: {self.name(snake)} ({rule})")

    def string(
        self,
        snake: str,
        *,
        required: bool = True,
        max_length: int | None = None,
        min_length: int = 1,
        pattern: re.Pattern[str] | None = None,
        rule: str = "",
    ) -> str | None:
        value = self._required(snake, required)
        if value is None:
            return None
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            raise self.invalid(snake, "string")
        if max_length is not None and not min_length <= len(value) <= max_length:
            raise self.invalid(snake, rule or f"{min_length}-{max_length} characters")
        if pattern is not None and pattern.fullmatch(value) is None:
            raise self.invalid(snake, rule or "format")
        return value

    def text(self, snake: str, **kwargs: Any) -> str:
        """A required string (typed as `str`)."""
        value = self.string(snake, required=True, **kwargs)
        assert value is not None
        return value

    def integer(
        self, snake: str, *, required: bool = True, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self._required(snake, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.invalid(snake, "integer")
        text = str(value)
        if not text.isdigit() or len(text) > 19 or not text.isascii():
            raise self.invalid(snake, "integer")
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.invalid(snake, f"{low if low is not None else ''}-{high or ''}")
        return number

    def amount(self, snake: str, *, required: bool = True) -> Decimal | None:
        """A JSON number or numeric string with at most 2 decimals; value rules come later."""
        value = self._required(snake, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str):  # JsonNumber is a str
            raise self.invalid(snake, "amount")
        if len(value) > 20 or _AMOUNT.fullmatch(value) is None:
            raise self.invalid(snake, "amount with at most 2 decimals")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise self.invalid(snake, "amount") from None

    def order_no(self, snake: str, *, required: bool = True) -> str | None:
        value = self.string(snake, required=required, max_length=64, rule="1-64 characters")
        if value is not None and _ORDER_NO_BAD.search(value):
            raise self.invalid(snake, "no whitespace or control characters")
        return value

    def url(self, snake: str, *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is None:
            return None
        if len(value) > 512 or _URL.fullmatch(value) is None:
            raise self.invalid(snake, "absolute http or https URL, at most 512 characters")
        return value

    def currency(self, snake: str = "currency", *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is not None and not (
            len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()
        ):
            raise self.invalid(snake, "3 uppercase letters")
        return value

    def choice(self, snake: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is not None and value not in allowed:
            raise self.invalid(snake, "one of " + ", ".join(allowed))
        return value

    def page(self) -> tuple[int, int]:
        """`page` (≥ 1, default 1) and `page_size` (1-100, default 20)."""
        page = self.integer("page", required=False, low=1) or 1
        size = self.integer("page_size", required=False, low=1, high=100) or 20
        return page, size


# -- the call -----------------------------------------------------------------------------


@dataclass
class Call:
    """One authenticated, signature-checked request, as handed to an endpoint handler."""

    request: Request
    sandbox: Sandbox
    merchant: TrustPayMerchant
    body: dict[str, Any]
    operation: str
    api: Api
    signature: str  # the journal's verdict: "ok (raw)", "ok (normalised)", ...
    plan: Plan | None = None
    note: str = ""
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.body, camel=self.api == "v3")

    @property
    def merchant_id(self) -> str:
        return str(self.merchant.merchant_id)

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def plan_for(
        self,
        *,
        order_no: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        channel: str | None = None,
        card_number: str | None = None,
    ) -> Plan:
        """Step 9: the scenario plan for this request (after field validation). A bad
        `X-Sandbox-Code`/`X-Sandbox-Scenario` header raises 880002 naming the header."""
        facts = RequestFacts(
            gateway=GATEWAY,
            operation=self.operation,
            merchant=self.merchant_id,
            amount=amount,
            currency=currency,
            channel=channel,
            order_no=order_no,
            card_number=card_number,
            headers=dict(self.request.headers),
        )
        plan = self.sandbox.scenarios.plan(facts)
        self.plan = plan
        if plan.bad_request is not None:
            raise bad_request(plan.bad_request.text)
        return plan

    def processes(self, plan: Plan) -> bool:
        """Is the request processed? A forced 880010 is processed exactly as a success."""
        respond = plan.respond
        if respond is None or respond.processes:
            return True
        return respond.error is not None and respond.error.value == BACKEND_SUCCESS

    def success(self, data: Any, message: str = "success") -> Response:
        return envelope_response(self.api, SUCCESS, message, data)

    async def answer(self, plan: Plan, normal: Callable[[], Response] | None) -> Response:
        """Step 9's answer over the handler's own (`normal`, None when nothing was processed)."""

        def error_answer(respond: PlannedResponse) -> Response:
            assert respond.error is not None
            code = int(respond.error.value)
            message = respond.message or respond.error.message
            if code == BACKEND_SUCCESS and normal is not None:
                return _with_code(normal(), code, message)
            self.note = f"{code} {message} (scenario)"
            return envelope_response(self.api, code, message)

        def no_answer() -> Response:  # pragma: no cover - a plan that processes nothing errs
            raise bad_request("bad_request")

        return await answer_as_planned(self.request, plan, normal or no_answer, error_answer)


def _with_code(response: Response, code: int, message: str) -> Response:
    """A processed success answered with another code (forced 880010)."""
    data = parse_json(bytes(response.body))
    data["code"] = code
    data["message"] = message
    return Response(compact_json(data).encode(), media_type="application/json")


Handler = Callable[[Call], Awaitable[Response]]


# -- steps 1-7 and the journal ------------------------------------------------------------


def merchant_by_api_key(sandbox: Sandbox, api_key: str) -> TrustPayMerchant | None:
    for merchant in sandbox.merchants.by_gateway.get(GATEWAY, ()):
        if merchant.api_key == api_key:
            assert isinstance(merchant, TrustPayMerchant)
            return merchant
    return None


def _merchant_id_field(body: dict[str, Any]) -> tuple[str, Any] | None:
    for name in ("merchant_id", "merchantId"):
        if name in body and body[name] is not None and body[name] != "":
            return name, body[name]
    return None


async def _authenticate(
    request: Request, sandbox: Sandbox, operation: str, api: Api
) -> Call | TrustPayError:
    if request.method != "POST":
        return bad_request("method not allowed: use POST")
    merchant = merchant_by_api_key(sandbox, request.headers.get("x-api-key", ""))
    if merchant is None:
        return TrustPayError(UNAUTHORIZED, "unauthorized")
    raw = await request.body()
    try:
        body = parse_request_json(raw)
    except DuplicateKeyError as exc:
        return bad_request(f"duplicate field: {exc.key}")
    except ValueError:
        return bad_request("malformed JSON")
    if not isinstance(body, dict):
        return bad_request("malformed JSON")
    given = _merchant_id_field(body)
    if given is not None:
        name, value = given
        text = value if isinstance(value, str) else None
        if text is None or not text.isdigit() or not text.isascii() or len(text) > 19:
            return bad_request(f"invalid field: {name} (integer)")
        if int(text) != merchant.merchant_id:
            return TrustPayError(UNAUTHORIZED, "unauthorized")
    verdict = trustpay_verify(body, merchant.secret, merchant.signature_mode)
    if not verdict.ok:
        sign = body.get("sign")
        signed = isinstance(sign, str) and not isinstance(sign, JsonNumber) and bool(sign)
        # The Enums page words 880011 `unauthorized`; what was expected goes to the journal.
        detail = signature_detail(body, merchant.secret) if signed else "no sign field"
        return TrustPayError(UNAUTHORIZED, "unauthorized", "bad" if signed else "missing", detail)
    return Call(
        request=request,
        sandbox=sandbox,
        merchant=merchant,
        body=body,
        operation=operation,
        api=api,
        signature=f"ok ({verdict.form})",
    )


def signature_detail(body: dict[str, Any], secret: str) -> str:
    """The expected digest and the string it is computed over, the secret masked."""
    fields = {key: value for key, value in body.items() if key != "sign"}
    text = trustpay_string_to_sign(fields, "***")
    return f"invalid sign: expected {trustpay_sign(fields, secret)} over {text}"


def trustpay_endpoint(
    operation: str, api: Api, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def authenticate(request: Request, sandbox: Sandbox) -> Call | Refusal:
        call = await _authenticate(request, sandbox, operation, api)
        if not isinstance(call, TrustPayError):
            return call
        merchant = merchant_by_api_key(sandbox, request.headers.get("x-api-key", ""))
        return Refusal(
            envelope_response(api, call.code, call.message),
            f"{call.code} {call.message}",
            merchant="" if merchant is None else str(merchant.merchant_id),
            signature=call.signature or "not-checked",
            signature_detail=call.signature_detail,
        )

    def answer_error(exc: Exception) -> tuple[Response, str] | None:
        if not isinstance(exc, TrustPayError):
            return None
        return envelope_response(api, exc.code, exc.message), f"{exc.code} {exc.message}"

    def internal_error() -> tuple[Response, str]:
        note = f"{INTERNAL_ERROR} internal_error (unexpected: see the server log)"
        return envelope_response(api, INTERNAL_ERROR, "internal_error"), note

    return journaled_endpoint(
        gateway=GATEWAY,
        operation=operation,
        authenticate=authenticate,
        handler=handler,
        answer_error=answer_error,
        internal_error=internal_error,
    )


# Every method reaches the pipeline, which answers a non-POST with 880002 (step 2).
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def trustpay_route(path: str, operation: str, api: Api, handler: Handler) -> Route:
    """One endpoint of the table: `path` served through the §4.0 pipeline for `operation`."""
    return Route(path, trustpay_endpoint(operation, api, handler), methods=ANY_METHOD)
