"""TrustPay's specialisation of the shared request pipeline (the numbered steps every TrustPay
call goes through, in order; docs/gateways/trustpay.md lists the error codes).

Authentication runs steps 1-7 (size is the middleware's; method, `X-Api-Key`, JSON object,
merchant id, `sign`); the handler gets a `Call` for steps 8-11 (fields via `call.fields`,
scenario via `call.plan_for`, business rules, success). Every refusal is a `TrustPayError`,
answered with the HTTP 200 envelope of the endpoint's API version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.gateways.explaining import other_keys, safely
from sandbox.gateways.incoming import read_json_object
from sandbox.gateways.pipeline import Call as PipelineCall
from sandbox.gateways.pipeline import Envelope, Refusal, gateway_endpoint
from sandbox.gateways.trustpay.codes import SUCCESS, TrustPayError, bad_request
from sandbox.gateways.trustpay.fields import Fields
from sandbox.gateways.trustpay.merchant import TRUSTPAY_MERCHANTS, TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import BadHeader, Plan, PlannedResponse
from sandbox.signing.explain import explain_trustpay
from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import JsonNumber, compact_json, parse_json

GATEWAY = "trustpay"
UNAUTHORIZED = 880011
BACKEND_SUCCESS = 880010
INTERNAL_ERROR = 880013


Api = Literal["v2", "v3", "v4"]


def envelope_response(api: Api, code: int, message: str, data: Any = None) -> Response:
    """The TrustPay envelope; v2 errors carry no `data` key. Numbers keep their text."""
    body: dict[str, Any] = {"code": code, "message": message}
    if api != "v2" or data is not None:
        body["data"] = data
    return Response(compact_json(body).encode(), media_type="application/json")


def _render(api: Api, refusal: Refusal) -> Response:
    return envelope_response(api, int(refusal.code), refusal.message)


@dataclass(kw_only=True)
class Call(PipelineCall):
    """One authenticated, signature-checked TrustPay request."""

    gateway = GATEWAY

    merchant: TrustPayMerchant
    body: dict[str, Any]
    api: Api
    fields: Fields = field(init=False)

    def __post_init__(self) -> None:
        self.fields = Fields(self.body, camel=self.api == "v3")

    @property
    def merchant_id(self) -> str:
        return str(self.merchant.merchant_id)

    def render(self, refusal: Refusal) -> Response:
        return _render(self.api, refusal)

    def bad_header(self, bad: BadHeader) -> Refusal:
        return bad_request(bad.text)

    def processes(self, plan: Plan) -> bool:
        """Is the request processed? A forced 880010 is processed exactly as a success."""
        respond = plan.respond
        if respond is None or respond.processes:
            return True
        return respond.error is not None and respond.error.value == BACKEND_SUCCESS

    def success(self, data: Any, message: str = "success") -> Response:
        return envelope_response(self.api, SUCCESS, message, data)

    def scenario_answer(
        self, respond: PlannedResponse, normal: Callable[[], Response] | None
    ) -> Response:
        refusal = self.forced_error(respond)
        if int(refusal.code) == BACKEND_SUCCESS and normal is not None:
            return _with_code(normal(), BACKEND_SUCCESS, refusal.message)
        return super().scenario_answer(respond, normal)


def _with_code(response: Response, code: int, message: str) -> Response:
    """A processed success answered with another code (forced 880010)."""
    data = parse_json(bytes(response.body))
    data["code"] = code
    data["message"] = message
    return Response(compact_json(data).encode(), media_type="application/json")


Handler = Callable[[Call], Awaitable[Response]]


# -- steps 1-7 ----------------------------------------------------------------------------


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


def _read_body(raw: bytes) -> dict[str, Any]:
    return read_json_object(
        raw,
        lambda key: bad_request(f"duplicate field: {key}"),
        lambda: bad_request("malformed JSON"),
    )


def _check_merchant_id(body: dict[str, Any], merchant: TrustPayMerchant) -> None:
    given = _merchant_id_field(body)
    if given is None:
        return
    name, value = given
    text = value if isinstance(value, str) else None
    if text is None or not text.isdigit() or not text.isascii() or len(text) > 19:
        raise bad_request(f"invalid field: {name} (integer)")
    if int(text) != merchant.merchant_id:
        raise TrustPayError(UNAUTHORIZED, "unauthorized")


async def _authenticate(request: Request, sandbox: Sandbox, operation: str, api: Api) -> Call:
    merchant = merchant_by_api_key(sandbox, request.headers.get("x-api-key", ""))
    known = "" if merchant is None else str(merchant.merchant_id)
    try:
        if request.method != "POST":
            raise bad_request("method not allowed: use POST")
        if merchant is None:
            raise TrustPayError(UNAUTHORIZED, "unauthorized")
        body = _read_body(await request.body())
        _check_merchant_id(body, merchant)
    except TrustPayError as refusal:
        raise refusal.journaled(known) from None
    verdict = trustpay_verify(body, merchant.secret, merchant.signature_mode)
    if not verdict.ok:
        sign = body.get("sign")
        signed = isinstance(sign, str) and not isinstance(sign, JsonNumber) and bool(sign)
        # The Enums page words 880011 `unauthorized`; what was expected goes to the journal.
        unauthorized = TrustPayError(UNAUTHORIZED, "unauthorized")
        if not signed:
            raise unauthorized.journaled(known, "missing", "no sign field")
        keys = other_keys(sandbox, TRUSTPAY_MERCHANTS, "secret", merchant)
        explanation = safely(lambda: explain_trustpay(body, merchant.secret, keys))
        raise unauthorized.journaled(known, "bad", explanation=explanation)
    return Call(
        request=request,
        sandbox=sandbox,
        merchant=merchant,
        body=body,
        operation=operation,
        api=api,
        signature=f"ok ({verdict.form})",
    )


def _internal_error() -> Refusal:
    note = f"{INTERNAL_ERROR} internal_error (unexpected: see the server log)"
    return TrustPayError(INTERNAL_ERROR, "internal_error", note=note)


def trustpay_endpoint(
    operation: str, api: Api, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def authenticate(request: Request, sandbox: Sandbox, operation: str) -> Call:
        return await _authenticate(request, sandbox, operation, api)

    envelope = Envelope(
        gateway=GATEWAY,
        authenticate=authenticate,
        render=lambda refusal: _render(api, refusal),
        internal_error=_internal_error,
    )
    return gateway_endpoint(envelope, operation, handler)


# Every method reaches the pipeline, which answers a non-POST with 880002 (step 2).
ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def trustpay_route(path: str, operation: str, api: Api, handler: Handler) -> Route:
    """One endpoint of the table: `path` served through the TrustPay pipeline for `operation`."""
    return Route(path, trustpay_endpoint(operation, api, handler), methods=ANY_METHOD)
