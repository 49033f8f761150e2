"""GoldenPay operation ids with their neutral kinds, and its scenario vocabulary."""

from __future__ import annotations

from sandbox.gateways.goldenpay.codes import ERRORS
from sandbox.scenarios.vocabulary import ALL_OUTCOMES, Operation, Vocabulary, operation

OPERATIONS: dict[str, Operation] = {
    op.id: op
    for op in (
        operation("collect.create", "payin", "payin.hosted", outcomes=ALL_OUTCOMES),
        operation("collect.query", "query"),
        operation("payout.create", "payout", outcomes=ALL_OUTCOMES),
        operation("payout.query", "query"),
        operation("info", "account"),
        operation("balance", "account"),
    )
}

#
CHANNELS = frozenset(
    [
        "mock",
        "bank",
        "momo",
        "zalo",
        "scratch",
        "viettel",
        "truemoney",
        "gcash",
        "grab",
        "maya",
        "phqr",
        "usdt.trc20",
    ]
)

VOCABULARY = Vocabulary(
    gateway="goldenpay",
    title="GoldenPay",
    operations=OPERATIONS,
    errors=ERRORS,
    amount_unit="major",
    exponents={"PHP": 2, "THB": 2, "USDT": 2, "VND": 0},
    channels=CHANNELS,
    outcome_code=False,  # a GoldenPay scenario that sets outcome.code is refused
    tamper_keys={"order_amount": "order_amount", "paid_amount": "payed_amount", "status": "status"},
    has_cards=False,
    bad_request="invalid_param",
)
