"""TrustPay merchant money and the Balance endpoints (v4 and v3).

Per currency the merchant has `balance` (available: the `main` account of the balances table,
whose `reserve` column is the configured reserve) and `frozen` (amounts held by pending refunds
and payouts: a `frozen` account row per currency). Every movement of.7 is one of the helpers
below; callers run them inside the request's (or timer's) store transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from starlette.responses import Response

from sandbox.gateways.trustpay.codes import TrustPayError
from sandbox.gateways.trustpay.fees import ZERO, cents
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route
from sandbox.store import Store
from sandbox.store.balances import adjust_balance, get_balance

GATEWAY = "trustpay"
MAIN = "main"
FROZEN = "frozen"
BALANCE_CURRENCIES = ("USD", "INR")  # always answered, zeros when nothing is held
NO_CHANNEL_AVAILABLE = 880024


def available_balance(store: Store, merchant_id: str, currency: str) -> Decimal:
    found = get_balance(store, GATEWAY, merchant_id, currency, MAIN)
    return ZERO if found is None else found.available


def frozen_balance(store: Store, merchant_id: str, currency: str) -> Decimal:
    found = get_balance(store, GATEWAY, merchant_id, currency, FROZEN)
    return ZERO if found is None else found.available


def reserve_balance(store: Store, merchant_id: str, currency: str) -> Decimal:
    found = get_balance(store, GATEWAY, merchant_id, currency, MAIN)
    return ZERO if found is None else found.reserve


def credit(store: Store, merchant_id: str, currency: str, amount: Decimal, now: datetime) -> None:
    """`balance` += amount (a pay-in settles)."""
    adjust_balance(store, GATEWAY, merchant_id, currency, amount, now, MAIN)


def hold(store: Store, merchant_id: str, currency: str, amount: Decimal, now: datetime) -> None:
    """`balance` -= amount; `frozen` += amount (a refund or payout accepted)."""
    with store.transaction():
        adjust_balance(store, GATEWAY, merchant_id, currency, -amount, now, MAIN)
        adjust_balance(store, GATEWAY, merchant_id, currency, amount, now, FROZEN)


def release(store: Store, merchant_id: str, currency: str, amount: Decimal, now: datetime) -> None:
    """`frozen` -= amount: the held money has left (refund succeeded, payout paid)."""
    adjust_balance(store, GATEWAY, merchant_id, currency, -amount, now, FROZEN)


def unhold(store: Store, merchant_id: str, currency: str, amount: Decimal, now: datetime) -> None:
    """`frozen` -= amount; `balance` += amount: the held money comes back (refund/payout failed)."""
    with store.transaction():
        adjust_balance(store, GATEWAY, merchant_id, currency, -amount, now, FROZEN)
        adjust_balance(store, GATEWAY, merchant_id, currency, amount, now, MAIN)


# -- Balance: POST /v4/balance (`balance`), POST /v3/balance (`v3.balance`) ---------------------


async def balance(call: Call) -> Response:
    """Request: `currency_id` (`currencyId` on v3), `merchant_id` (required on v3), `sign`."""
    fields = call.fields
    currency = fields.currency("currency_id")
    assert currency is not None
    fields.integer("merchant_id", required=call.api == "v3")
    plan = call.plan_for(currency=currency)
    data: dict[str, Decimal] | None = None
    if call.processes(plan):
        if currency not in BALANCE_CURRENCIES:
            raise TrustPayError(NO_CHANNEL_AVAILABLE, "no_channel_available")
        store, merchant_id = call.sandbox.store, call.merchant_id
        data = {
            "balance": cents(available_balance(store, merchant_id, currency)),
            "frozen": cents(frozen_balance(store, merchant_id, currency)),
            "reserve": cents(reserve_balance(store, merchant_id, currency)),
        }

    def normal() -> Response:
        return call.success(data)

    return await call.answer(plan, normal if data is not None else None)


ROUTES = [
    trustpay_route("/v4/balance", "balance", "v4", balance),
    trustpay_route("/v3/balance", "v3.balance", "v3", balance),
]
