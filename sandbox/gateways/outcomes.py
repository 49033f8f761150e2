"""Running a scenario outcome: one rule for every gateway.

An outcome (`success`, `failed`, `expired`, `canceled`, `pending`) with its `after`:

- `pending`: nothing happens; the order waits for the payer, an admin action or its expiry.
- `after` zero: the outcome is applied inside the request, once the new order is stored and
  before the answer is rendered, so the order is final (and its callback queued) by the time
  the merchant reads the answer.
- `after` greater than zero: a persisted timer on the sandbox clock applies it when it falls due.

The gateway says what applying an outcome means (its `lifecycle.py` transition); this module
only decides when, and stores the outcome in the timer in one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.gateways.orders import Order, get_order
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.timers import Due, TimerAction

__all__ = ["Outcome", "outcome_action", "planned_after", "run_outcome"]

ZERO = timedelta(0)


@dataclass(frozen=True)
class Outcome:
    """A cause's effect in neutral terms, whatever caused it (scenario, page, admin, timer)."""

    status: str
    code: int | None = None
    reason: str | None = None
    paid_amount: Decimal | None = None  # in the API's units

    @classmethod
    def planned(cls, plan: Plan | None) -> Outcome | None:
        """The plan's outcome, if the scenario gives one."""
        if plan is None or plan.outcome is None:
            return None
        o = plan.outcome
        return cls(o.status, o.code, o.reason, o.paid_amount)

    def to_args(self) -> dict[str, Any]:
        """The timer's stored arguments."""
        args: dict[str, Any] = {"status": self.status, "code": self.code, "reason": self.reason}
        if self.paid_amount is not None:
            args["paid_amount"] = str(self.paid_amount)
        return args

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> Outcome:
        """Read a timer's arguments, also in the per-gateway shapes older versions stored."""
        status = args.get("status", args.get("outcome"))
        paid = args.get("paid_amount", args.get("paid"))
        return cls(
            str(status),
            args.get("code"),
            args.get("reason"),
            None if paid is None else Decimal(str(paid)),
        )


def planned_after(plan: Plan | None, default: timedelta = ZERO) -> timedelta:
    """The outcome's `after`; omitted, the operation's usual delay."""
    if plan is not None and plan.outcome is not None and plan.outcome.after is not None:
        return plan.outcome.after
    return default


def run_outcome(
    sandbox: Sandbox,
    order: Order,
    outcome: Outcome,
    after: timedelta,
    *,
    action: str,
    apply: Callable[[Outcome], object],
) -> None:
    """Apply `outcome` to the stored `order` now (`after` zero) or from the timer `action`."""
    if outcome.status == "pending":
        return
    if after <= ZERO:
        apply(outcome)
        return
    due = sandbox.clock.now() + after
    sandbox.timers.schedule(
        order.gateway, order.merchant, action, order.platform_id, due, outcome.to_args()
    )


def outcome_action(gateway: str, apply: Callable[[Sandbox, Order, Outcome], object]) -> TimerAction:
    """The timer action that applies a delayed outcome (named in the gateway's plug);
    `apply` ignores an order no longer open."""

    def run(sandbox: Sandbox, due: Due) -> None:
        with sandbox.store.transaction():
            order = get_order(sandbox.store, gateway, due.subject)
            if order is not None:
                apply(sandbox, order, Outcome.from_args(due.args))

    return run
