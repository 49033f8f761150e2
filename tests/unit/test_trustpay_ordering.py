"""TrustPay order helpers: plan blocks round-trip through JSON, limits, reasons."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sandbox.gateways.directives import plan_blocks, plan_from_blocks
from sandbox.gateways.trustpay.merchant import CurrencyLimits, Limits, TrustPayMerchant
from sandbox.gateways.trustpay.ordering import limit_for, outcome_reason
from sandbox.scenarios.engine import Plan, PlannedOutcome, Source
from sandbox.scenarios.model import Callbacks, Delivery


def test_plan_blocks_round_trip_through_json() -> None:
    plan = Plan(
        callbacks=Callbacks(
            send=True,
            delay=timedelta(seconds=2),
            copies=3,
            spacing=timedelta(milliseconds=250),
            sequence=("success", "pending"),
            signature="invalid",
            tamper={"paid_amount": Decimal("1.00"), "status": 3, "reason": "x", "flag": True},
            redeliver_after=timedelta(minutes=1),
        ),
        delivery=Delivery(timeout=timedelta(seconds=5), retries=(timedelta(seconds=60),)),
    )
    restored = plan_from_blocks(json.loads(json.dumps(plan_blocks(plan))))
    assert restored is not None
    assert restored.callbacks == plan.callbacks
    assert restored.delivery == plan.delivery


def test_no_blocks_no_plan() -> None:
    assert plan_blocks(None) == {} and plan_blocks(Plan()) == {}
    assert plan_from_blocks({}) is None and plan_from_blocks(None) is None


def test_limit_for_uses_the_currency_override() -> None:
    merchant = TrustPayMerchant(
        merchant_id=1,
        api_key="k",
        secret="s",
        limits=Limits(currencies={"INR": CurrencyLimits(max_amount=Decimal("500.00"))}),
    )
    assert limit_for(merchant, "INR", "max_amount") == Decimal("500.00")
    assert limit_for(merchant, "INR", "min_amount") == Decimal("1.00")
    assert limit_for(merchant, "USD", "max_amount") == Decimal("100000.00")


def test_outcome_reason() -> None:
    source = Source("default", "trustpay", 0, None, None)
    assert outcome_reason(None, "payout failed") == "payout failed"
    outcome = PlannedOutcome(source, "failed", reason="bank rejected", code=880016)
    assert outcome_reason(outcome, "payout failed") == "880016: bank rejected"
    assert outcome_reason(PlannedOutcome(source, "failed"), "payout failed") == "payout failed"
