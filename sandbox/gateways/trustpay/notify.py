"""`notify_status` / `notify_time` of pay-ins and payouts, driven by the delivery engine.

Callbacks are submitted with the tag `<platform id>:<status>`; when a message is acknowledged the
order's `notify_status` becomes 2 (sent), when every attempt failed 3 (failed); `notify_time` is
the time of the latest attempt, also while a retry is still due (`notify_status` then stays 1).
Each new message sets the order back to 1 (`callbacks.notify_order`).
"""

from __future__ import annotations

from sandbox.clock import format_instant
from sandbox.delivery import Outcome
from sandbox.gateways.orders import OrderMovedOn, get_order, save_order
from sandbox.gateways.trustpay.callbacks import NOTIFY_FAILED, NOTIFY_SENT
from sandbox.runtime import Sandbox

GATEWAY = "trustpay"
_TRACKED_KINDS = ("payin", "payout")


def record_outcome(sandbox: Sandbox, outcome: Outcome) -> None:
    platform_id, _, _status = outcome.message.tag.rpartition(":")
    if not platform_id:
        return
    try:
        _record(sandbox, platform_id, outcome)
    except OrderMovedOn:  # another replica moved the order meanwhile: record it on the new read
        _record(sandbox, platform_id, outcome)


def _record(sandbox: Sandbox, platform_id: str, outcome: Outcome) -> None:
    with sandbox.store.transaction():
        order = get_order(sandbox.store, GATEWAY, platform_id)
        if order is None or order.kind not in _TRACKED_KINDS:
            return
        if outcome.state != "pending":
            sent = outcome.state == "acked"
            order.data["notify_status"] = NOTIFY_SENT if sent else NOTIFY_FAILED
        order.data["notify_time"] = format_instant(outcome.attempt.started_at)
        save_order(sandbox.store, order)


def start_notify_tracking(sandbox: Sandbox) -> None:
    """`on_start` hook: receive the outcomes of TrustPay's callback messages."""
    sandbox.delivery.on_outcome(
        GATEWAY, lambda outcome: record_outcome(sandbox, outcome), retries=True
    )
