"""One request-journal entry per gateway API call, with what decided its answer."""

from __future__ import annotations

from starlette.requests import Request

from sandbox.scenarios.engine import Plan
from sandbox.store.journal import Journal, JournalEntry

# The block that best explains an answer, first found wins.
_DECIDING_BLOCKS = ("respond", "outcome", "callbacks", "delivery")


def plan_verdict(plan: Plan | None) -> tuple[str | None, str | None]:
    """(scenario, rule) for the journal: the scenario that decided, and `block: file:line #rule`
    for every block a rule decided (e.g. `respond: default#4, callbacks: duplicate-callbacks#0`)."""
    if plan is None or not plan.sources:
        return None, None
    scenario: str | None = None
    parts: list[str] = []
    for block in _DECIDING_BLOCKS:
        source = plan.sources.get(block)
        if source is None:
            continue
        if scenario is None:
            scenario = source.scenario
        rule = f"#{source.rule}" if source.rule is not None else ""
        parts.append(f"{block}: {source.scenario}{rule}")
    return scenario, ", ".join(parts) or None


def log_request(
    journal: Journal,
    request: Request,
    *,
    gateway: str,
    operation: str,
    merchant: str,
    status: int,
    signature: str,
    plan: Plan | None = None,
    note: str = "",
    signature_detail: str = "",
) -> None:
    """Append the entry; `signature` is the verifier's verdict (`ok`, `bad`, `missing`,
    `not-checked`, `ok (lenient)`...), `note` the outcome in words (e.g. the error code)."""
    scenario, rule = plan_verdict(plan)
    journal.append(
        JournalEntry(
            gateway=gateway,
            operation=operation,
            merchant=merchant,
            status=status,
            signature=signature,
            scenario=scenario,
            rule=rule,
            method=request.method,
            path=request.scope.get("path", ""),  # not request.url: building it costs (hot path)
            note=note,
            signature_detail=signature_detail,
        )
    )
