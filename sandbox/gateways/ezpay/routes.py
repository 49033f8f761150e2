"""The EzPay endpoint table: every route at its real path (the plug adds `/ezpay/…`)."""

from __future__ import annotations

from starlette.routing import Route

from sandbox.gateways.ezpay import account, payments, payouts, refunds, statics
from sandbox.gateways.ezpay.pipeline import Handler, ezpay_endpoint

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _route(path: str, operation: str, handler: Handler) -> Route:
    # Every method reaches the endpoint, which answers a non-POST with 405 and the 21002 envelope.
    return Route(path, ezpay_endpoint(operation, handler), methods=ALL_METHODS)


COUNTRY = "/open-api/{country}"
ROUTES = [
    _route(f"{COUNTRY}/disbursement/transfer", "payout.create", payouts.create),
    _route(f"{COUNTRY}/disbursement/query", "payout.query", payouts.query),
    _route(f"{COUNTRY}/payment/generate", "payment.create", payments.create),
    _route(f"{COUNTRY}/payment/query", "payment.query", payments.query),
    _route(f"{COUNTRY}/static/payment/generate", "static.create", statics.create),
    _route(f"{COUNTRY}/static/code/detail", "static.detail", statics.detail),
    _route(f"{COUNTRY}/static/payment/list", "static.list", statics.payments),
    _route(f"{COUNTRY}/static/code/cancel", "static.cancel", statics.cancel),
    _route("/open-api/payment/refund", "refund.create", refunds.create),
    _route("/open-api/refund/payments", "refund.query", refunds.query),
    _route("/open-api/account/balance", "balance", account.balance),
    _route("/open-api/account/balance/v2", "balance.v2", account.balance_v2),
    _route("/open-api/report/download", "report.download", account.report),
]
