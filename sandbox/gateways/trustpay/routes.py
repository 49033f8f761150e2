"""The TrustPay endpoint table: every route at its real path (the plug adds `/trustpay/…`)."""

from __future__ import annotations

from sandbox.gateways.trustpay import (
    balances,
    fees,
    payins,
    payouts,
    pcards,
    queries,
    refunds,
    vcards,
)

ROUTES = [
    *payins.ROUTES,
    *queries.ROUTES,
    *balances.ROUTES,
    *fees.ROUTES,
    *payouts.ROUTES,
    *refunds.ROUTES,
    *vcards.ROUTES,
    *pcards.ROUTES,
]
