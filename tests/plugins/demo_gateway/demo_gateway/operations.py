"""DemoPay's operations and scenario vocabulary."""

from __future__ import annotations

from demo_gateway.codes import ERRORS, GATEWAY
from sandbox.scenarios.vocabulary import Operation, Vocabulary, operation

OPERATIONS: dict[str, Operation] = {
    op.id: op
    for op in (
        operation("payment.create", "payin", outcomes=frozenset({"success", "failed", "pending"})),
        operation("payment.query", "query"),
    )
}

VOCABULARY = Vocabulary(
    gateway=GATEWAY,
    title="DemoPay",
    operations=OPERATIONS,
    errors=ERRORS,
    amount_unit="major",
    channels=frozenset({"card", "wallet"}),
    outcome_code=False,
    tamper_keys={"order_amount": "amount", "paid_amount": "paid_amount", "status": "status"},
    has_cards=False,
    bad_request="invalid_field",
)
