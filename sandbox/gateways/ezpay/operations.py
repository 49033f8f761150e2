"""EzPay operation ids with their neutral kinds, and its scenario vocabulary."""

from __future__ import annotations

from sandbox.gateways.ezpay.codes import ERRORS, FAILURES, PARAM_ERROR
from sandbox.scenarios.vocabulary import Operation, Vocabulary, operation

# the outcomes each creating operation accepts ("refused by validation" otherwise).
_PAYMENT = frozenset({"success", "failed", "pending", "expired"})
_PAYOUT = frozenset({"success", "failed", "pending"})
_STATIC = frozenset({"success", "failed", "pending", "expired", "canceled"})
_REFUND = frozenset({"success", "failed", "pending", "canceled"})

OPERATIONS: dict[str, Operation] = {
    op.id: op
    for op in (
        operation("payout.create", "payout", outcomes=_PAYOUT),
        operation("payout.query", "query"),
        operation("payment.create", "payin", "payin.hosted", outcomes=_PAYMENT),
        operation("payment.query", "query"),
        operation(
            "static.create", "payin", outcomes=_STATIC, needs_paid_amount=frozenset({"success"})
        ),
        operation("static.detail", "query"),
        operation("static.list", "query"),
        operation("static.cancel"),
        operation("refund.create", "refund", outcomes=_REFUND),
        operation("refund.query", "query"),
        operation("balance", "account"),
        operation("balance.v2", "account"),
        operation("report.download", "account"),
    )
}

# dynamic and static channel codes, payout transfer codes and pay-method codes
# (a payout's `channel` is its transferCode, or its payMethodCode when there is none).
CHANNELS = frozenset(
    [
        "PH_GCASH_URL",
        "PH_MAYA_URL",
        "PH_GRABPAY_URL",
        "PH_QRPH_DYNAMIC",
        "PH_GCASH_QR",
        "ID_BCA_VA",
        "ID_BNI_VA",
        "ID_BRI_VA",
        "ID_MANDIRI_VA",
        "ID_PERMATA_VA",
        "ID_CIMB_VA",
        "ID_QRIS",
        "ID_OVO_URL",
        "ID_DANA_URL",
        "ID_SHOPEEPAY_URL",
        "MY_TNG_URL",
        "MY_BOOST_URL",
        "MY_GRABPAY_URL",
        "MY_FPX_URL",
        "MY_DUITNOW_QR",
        "THAI_DYNAMIC_QR",
        "TRUEMONEY_DYNAMIC_QR",
        "WECHAT_DYNAMIC_QR",
        "TRUEMONEY_URL",
        "WECHAT_URL",
        "WECHAT_JS_URL",
        "RU_SBP_QR",
        "RU_CARD_URL",
        "PH_QRPH_STATIC",
        "ID_BCA_STATIC_VA",
        "ID_BNI_STATIC_VA",
        "ID_QRIS_STATIC",
        "TH_PROMPTPAY_STATIC_QR",
        "BANK",
        "EWALLET",
        "PROMPTPAY",
        "BDO",
        "BPI",
        "MBTC",
        "UBP",
        "LBP",
        "PNB",
        "RCBC",
        "SECB",
        "GCASH",
        "PAYMAYA",
        "GRABPAY",
        "BCA",
        "BNI",
        "BRI",
        "MANDIRI",
        "CIMB",
        "PERMATA",
        "DANAMON",
        "BSI",
        "OVO",
        "DANA",
        "GOPAY",
        "SHOPEEPAY",
        "MBBE",
        "CIBB",
        "PBBE",
        "RHBB",
        "HLBB",
        "AMMB",
        "TNG",
        "BKKB",
        "KBANK",
        "KTB",
        "SCB",
        "KSAB",
        "TTB",
        "GSB",
        "TRUEMONEY",
    ]
)

VOCABULARY = Vocabulary(
    gateway="ezpay",
    title="EzPay",
    operations=OPERATIONS,
    errors=ERRORS,
    amount_unit="minor",  # JSON integers: cents, kopecks; whole rupiah for IDR
    exponents={"PHP": 2, "MYR": 2, "THB": 2, "RUB": 2, "USD": 2, "IDR": 0},
    channels=CHANNELS,
    failure_codes=frozenset(FAILURES),
    tamper_keys={"order_amount": "amount", "paid_amount": "amount", "status": "transactionStatus"},
    bad_request=str(PARAM_ERROR),
)
