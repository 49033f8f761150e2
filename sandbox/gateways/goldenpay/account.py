"""`info` (`GET /api/v1/mch/info`) and `balance` (`GET /api/v1/mch/balance`)"""

from __future__ import annotations

from starlette.responses import Response

from sandbox.gateways.goldenpay.codes import GoldenPayError
from sandbox.gateways.goldenpay.common import GATEWAY
from sandbox.gateways.goldenpay.pipeline import Call, success_response
from sandbox.signing.values import JsonNumber, normalise_number_text
from sandbox.store.balances import get_balance


async def info(call: Call) -> Response:
    plan = call.plan_for()
    merchant = call.merchant

    def normal() -> Response:
        payload = {
            "id": str(merchant.mch_id),
            "name": merchant.name,
            "created_at": merchant.created_at,
        }
        return success_response(payload, merchant)

    return await call.answer(plan, normal)


async def balance(call: Call) -> Response:
    currency = call.fields.currency()
    plan = call.plan_for(currency=currency)
    wallet = None
    if call.processes(plan):
        wallet = get_balance(call.sandbox.store, GATEWAY, call.merchant_id, currency)
        if wallet is None:
            raise GoldenPayError(f"Wallet not found for currency {currency}")

    def normal() -> Response:
        assert wallet is not None
        text = f"{wallet.available:f}"
        # A JSON number without exponent or trailing fractional zeros.
        number = JsonNumber(normalise_number_text(text) or text)
        return success_response({"balance": number}, call.merchant)

    return await call.answer(plan, normal if wallet is not None else None)
