"""TrustPay operation ids with their neutral kinds, and its scenario vocabulary."""

from __future__ import annotations

from sandbox.gateways.trustpay.codes import BAD_REQUEST, ERRORS
from sandbox.scenarios.vocabulary import ALL_OUTCOMES, Operation, Vocabulary, operation

ANY = ALL_OUTCOMES  # .8 maps every outcome for each order-creating operation

OPERATIONS: dict[str, Operation] = {
    op.id: op
    for op in (
        operation("payin.card", "payin", outcomes=ANY),
        operation("payin.cashier", "payin", "payin.hosted", outcomes=ANY),
        operation("balance", "account"),
        operation("query", "query"),
        operation("refund", "refund", outcomes=ANY),
        operation("fee", "account"),
        operation("payout", "payout", outcomes=ANY),
        operation("v3.payin.card.sync", "payin", outcomes=ANY),
        operation("v3.payin.card.async", "payin", outcomes=ANY),
        operation("v3.payin.cashier", "payin", "payin.hosted", outcomes=ANY),
        operation("v3.balance", "account"),
        operation("v3.query", "query"),
        operation("vcard.types", "account"),
        operation("vcard.open", outcomes=ANY),
        operation("vcard.detail"),
        operation("vcard.recharge", outcomes=ANY),
        operation("vcard.orders"),
        operation("vcard.cards"),
        operation("vcard.transactions"),
        operation("vcard.fees", "account"),
        operation("pcard.cardholder.create", outcomes=ANY),
        operation("pcard.cardholder.list"),
        operation("pcard.assign"),
        operation("pcard.cards"),
        operation("pcard.balance"),
        operation("pcard.transactions"),
        operation("pcard.account", "account"),
        operation("pcard.charge", outcomes=ANY),
    )
}

VOCABULARY = Vocabulary(
    gateway="trustpay",
    title="TrustPay",
    operations=OPERATIONS,
    errors=ERRORS,
    amount_unit="major",
    channels=None,  # the routed channel id as text ("5", "9"): merchant configuration decides
    failure_codes=None,  # any code; it is prefixed to the reason
    tamper_keys={"order_amount": "order_amount", "paid_amount": "paid_amount", "status": "status"},
    bad_request=str(BAD_REQUEST),
)
