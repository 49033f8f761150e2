"""Run the battery against a merchant's notify URL and judge every answer.

Callbacks go out through the delivery engine's transport (`sandbox.delivery.transport`), one at
a time so each latency is the handler's own.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from sandbox.check.cases import CASE_IDS, CASES, Case
from sandbox.check.model import CallbackSpec, Conformance
from sandbox.delivery import acknowledged
from sandbox.delivery.transport import ClientSlots, post

if TYPE_CHECKING:
    import aiohttp

Verdict = Literal["pass", "fail", "info", "skip"]
EXCERPT = 300  # characters of a body shown in the report
SHORT_SHARE = Decimal("0.6")  # a short payment pays 60 % of the order
ORDER_PREFIX = "chk-"  # every order the check invents starts with this (except unknown-order)
NEVER_APPLIED = ("pending",)  # a forged callback may leave a known order pending, nothing more
FINAL_STATUS = {"payin": "paid", "payout": "paid", "refund": "refunded"}


@dataclass(frozen=True)
class CheckOptions:
    notify_url: str
    only: tuple[str, ...] = ()  # case ids (`valid`) or kind-qualified ids (`payin.valid`)
    state_url: str | None = None  # template with `{order_no}`
    timeout: float | None = None  # for tests only: the gateway's own timeout otherwise
    now: datetime | None = None  # when the callbacks say things happened (the sandbox clock's now)
    kinds: tuple[str, ...] = ()  # the callback kinds the handler takes (all the gateway's if empty)


@dataclass(frozen=True)
class Exchange:
    """One delivery: what was sent and what came back."""

    content_type: str
    sent: str
    status: int | None
    answer: str
    error: str | None
    latency_ms: float
    acked: bool

    def got(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        return f"HTTP {self.status} {self.answer[:80]!r}"


@dataclass
class CaseResult:
    id: str  # `<kind>.<case>`
    kind: str
    case: Case
    verdict: Verdict = "pass"
    message: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    order_no: str = ""
    state: dict[str, Any] | None = None
    state_checked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "case": self.case.id,
            "title": self.case.title,
            "verdict": self.verdict,
            "message": self.message,
            "why": self.case.why,
            "fix": self.case.fix,
            "order_no": self.order_no,
            "needs_state": self.case.needs_state,
            "state_checked": self.state_checked,
            "state": self.state,
            "exchanges": [vars(exchange) for exchange in self.exchanges],
        }


@dataclass
class CheckReport:
    gateway: str
    merchant: str
    notify_url: str
    timeout: float
    ack: str
    retry: str
    state_url: str | None
    results: list[CaseResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CaseResult]:
        return [result for result in self.results if result.verdict == "fail"]

    @property
    def passed(self) -> bool:
        return not self.failures

    def unverified_state(self) -> list[str]:
        """Case ids whose verdict checked the answers only: the recorded state needs --state-url."""
        if self.state_url is not None:
            return []
        return [r.id for r in self.results if r.case.needs_state and r.verdict != "skip"]

    def to_json(self) -> dict[str, Any]:
        return {
            "gateway": self.gateway,
            "merchant": self.merchant,
            "notify_url": self.notify_url,
            "timeout": self.timeout,
            "ack": self.ack,
            "retry": self.retry,
            "state_url": self.state_url,
            "passed": self.passed,
            "counts": {
                verdict: sum(1 for r in self.results if r.verdict == verdict)
                for verdict in ("pass", "fail", "info", "skip")
            },
            "state_not_verified": self.unverified_state(),
            "results": [result.to_json() for result in self.results],
        }


def selected(
    conformance: Conformance, only: Sequence[str], kinds: Sequence[str] = ()
) -> list[tuple[str, Case]]:
    """The (kind, case) pairs to run; raises ValueError naming an unknown case id or kind."""
    unknown_kinds = [kind for kind in kinds if kind not in conformance.kinds]
    if unknown_kinds:
        raise ValueError(
            f"unknown kind {', '.join(unknown_kinds)} for {conformance.gateway} "
            f"(known: {', '.join(conformance.kinds)})"
        )
    known = set(CASE_IDS) | {f"{kind}.{c}" for kind in conformance.kinds for c in CASE_IDS}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ValueError(
            f"unknown case {', '.join(unknown)} for {conformance.gateway} "
            f"(known: {', '.join(CASE_IDS)}; or KIND.CASE with kind "
            f"{', '.join(conformance.kinds)})"
        )
    pairs = []
    for kind in [k for k in conformance.kinds if not kinds or k in kinds]:
        for case in CASES:
            if not only or case.id in only or f"{kind}.{case.id}" in only:
                pairs.append((kind, case))
    if not pairs:  # e.g. --kind payin --only payout.valid: a check of nothing must not pass
        raise ValueError(f"no case left to run for {conformance.gateway}: {', '.join(only)}")
    return pairs


def retry_text(conformance: Conformance) -> str:
    policy = conformance.policy
    delays = ", ".join(f"{d.total_seconds():g} s" for d in policy.delays)
    return f"an unacknowledged callback is retried after {delays} ({policy.max_attempts} attempts)"


async def run_check(
    conformance: Conformance,
    merchant: Any,
    merchant_id: str,
    options: CheckOptions,
    progress: Callable[[CaseResult], None] | None = None,
) -> CheckReport:
    pairs = selected(conformance, options.only, options.kinds)
    timeout = options.timeout or conformance.policy.timeout
    report = CheckReport(
        gateway=conformance.gateway,
        merchant=merchant_id,
        notify_url=options.notify_url,
        timeout=timeout,
        ack=conformance.ack.describe(),
        retry=retry_text(conformance),
        state_url=options.state_url,
    )
    slots = ClientSlots(1, f"Sandbox-Check/{conformance.gateway}")
    run = _Run(conformance, merchant, options, timeout, secrets.token_hex(3))
    if options.now is not None:
        run.now = options.now
    try:
        async with slots.client() as session:
            for kind, case in pairs:
                result = await run.case(session, kind, case)
                report.results.append(result)
                if progress is not None:
                    progress(result)
    finally:
        await slots.close()
    return report


@dataclass
class _Run:
    conformance: Conformance
    merchant: Any
    options: CheckOptions
    timeout: float
    run_id: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    count: int = 0

    def order_no(self) -> str:
        self.count += 1
        return f"{ORDER_PREFIX}{self.run_id}-{self.count}"

    def spec(self, kind: str, order_no: str, **changes: Any) -> CallbackSpec:
        amount = self.conformance.order_amount
        return replace(CallbackSpec(kind, order_no, amount, amount, self.now), **changes)

    def build(self, spec: CallbackSpec) -> bytes:
        return self.conformance.build(self.merchant, spec)

    async def send(
        self, session: aiohttp.ClientSession, body: bytes, content_type: str | None = None
    ) -> Exchange:
        headers = dict(self.conformance.headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        result = await post(session, self.options.notify_url, body, headers, self.timeout)
        latency = (time.perf_counter() - started) * 1000
        return Exchange(
            content_type=headers.get("Content-Type", ""),
            sent=body.decode("utf-8", "replace")[:EXCERPT],
            status=result.status,
            answer=result.body.decode("utf-8", "replace")[:EXCERPT],
            error=result.error,
            latency_ms=round(latency, 1),
            acked=acknowledged(self.conformance.ack, result.status, result.body),
        )

    async def case(self, session: aiohttp.ClientSession, kind: str, case: Case) -> CaseResult:
        result = CaseResult(f"{kind}.{case.id}", kind, case)
        if case.short_payment_only and kind not in self.conformance.short_payment_kinds:
            result.verdict = "skip"
            result.message = f"a {kind} callback carries no paid amount apart from the order's"
            return result
        bodies, expected = self.plan(kind, case, result)
        for body, content_type in bodies:
            result.exchanges.append(await self.send(session, body, content_type))
        self.judge_answers(result)
        if result.verdict == "pass" and expected is not None:
            await self.judge_state(session, result, expected)
        return result

    def plan(
        self, kind: str, case: Case, result: CaseResult
    ) -> tuple[list[tuple[bytes, str | None]], tuple[str, Decimal | None] | None]:
        """The bodies to send (with a content type that differs from the gateway's) and the
        recorded state expected afterwards: (status, amount), status "" = never applied."""
        order_no = "unknown-" + self.run_id if case.id == "unknown-order" else self.order_no()
        result.order_no = order_no
        base = self.spec(kind, order_no)
        final = FINAL_STATUS[kind]
        applied = (final, base.paid)
        never: tuple[str, Decimal | None] = ("", None)
        valid = self.build(base)
        if case.id in ("valid", "latency", "unknown-order"):
            return [(valid, None)], applied if case.id == "valid" else None
        if case.id == "duplicate":
            return [(valid, None)] * 3, applied
        if case.id in ("bad-signature", "missing-signature", "other-merchant-secret"):
            signing = {"bad-signature": "invalid", "missing-signature": "missing"}.get(
                case.id, "other"
            )
            return [(self.build(replace(base, signing=signing)), None)], never  # type: ignore[arg-type]
        if case.id == "tampered-amount":
            return [(self.build(replace(base, tamper="amount")), None)], never
        if case.id == "tampered-status":
            spoiled = replace(base, outcome="failed", tamper="status")
            return [(self.build(spoiled), None)], never
        if case.id == "short-payment":
            short = replace(base, paid=(base.amount * SHORT_SHARE).quantize(base.amount))
            return [(self.build(short), None)], (
                "partial",
                short.paid,
            )
        if case.id == "late-failure":
            return [(valid, None), (self.build(replace(base, outcome="failed")), None)], applied
        if case.id == "truncated-json":
            return [(valid[: len(valid) // 2], None)], None
        if case.id == "wrong-content-type":
            return [(_form_encoded(valid), "application/x-www-form-urlencoded")], None
        raise KeyError(case.id)  # pragma: no cover - every case id is planned above

    def judge_answers(self, result: CaseResult) -> None:
        expect = result.case.expect
        last = result.exchanges[-1]
        if expect == "report":
            result.verdict = "info"
            acked = "acknowledged" if last.acked else "not acknowledged"
            result.message = f"{acked}: {last.got()}"
            return
        for number, exchange in enumerate(result.exchanges, 1):
            copy = f" (delivery {number} of {len(result.exchanges)})"
            copy = copy if len(result.exchanges) > 1 else ""
            if expect == "ack" and not exchange.acked:
                result.verdict = "fail"
                expected = self.conformance.ack.describe()
                if exchange.error == "timeout":
                    result.message = f"no answer within the {self.timeout:g} s timeout{copy}"
                else:
                    result.message = (
                        f"not acknowledged{copy}: {exchange.got()}, expected {expected}"
                    )
                result.message += f"; {retry_text(self.conformance)}"
                return
            if expect == "reject" and exchange.acked:
                result.verdict = "fail"
                result.message = f"acknowledged{copy}: {exchange.got()}"
                return
            if (
                result.case.id in ("truncated-json", "wrong-content-type")
                and exchange.status is not None
                and exchange.status >= 500
            ):
                result.verdict = "fail"
                result.message = f"answered with a server error: {exchange.got()}"
                return
        slowest = max(exchange.latency_ms for exchange in result.exchanges)
        result.message = f"{result.exchanges[-1].got()} in {slowest:g} ms"
        if result.case.id == "latency":
            share = slowest / (self.timeout * 1000)
            result.message += f" ({share:.0%} of the {self.timeout:g} s timeout)"

    async def judge_state(
        self,
        session: aiohttp.ClientSession,
        result: CaseResult,
        expected: tuple[str, Decimal | None],
    ) -> None:
        template = self.options.state_url
        if template is None:
            return
        url = template.replace("{order_no}", result.order_no)
        # The state URL is not under test: it gets the gateway's own timeout even when
        # --timeout shortens the one the answers are judged by.
        status, state = await _read_state(session, url, self.conformance.policy.timeout)
        result.state_checked = True
        result.state = state
        want_status, want_amount = expected
        if status is None:
            result.verdict = "fail"
            result.message = f"the state URL {url} did not answer"
            return
        if want_status == "":
            if status == 404 or (state is not None and state.get("status") in NEVER_APPLIED):
                return
            result.verdict = "fail"
            result.message = f"applied anyway: the state URL shows {state or f'HTTP {status}'}"
            return
        if state is None:
            result.verdict = "fail"
            result.message = f"the state URL answered HTTP {status}, not the order's JSON state"
            return
        found_amount = _decimal(state.get("amount"))
        if state.get("status") != want_status or found_amount != want_amount:
            result.verdict = "fail"
            result.message = (
                f"recorded state {state.get('status')!r} amount {state.get('amount')}, "
                f"expected {want_status!r} amount {want_amount}"
            )


async def _read_state(
    session: aiohttp.ClientSession, url: str, timeout: float
) -> tuple[int | None, dict[str, Any] | None]:
    import asyncio

    import aiohttp

    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, allow_redirects=False) as response:
                data = await response.read()
                status = response.status
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
        return None, None
    if status != 200:
        return status, None
    try:
        state = json.loads(data)
    except ValueError:
        return status, None
    return status, state if isinstance(state, dict) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _form_encoded(body: bytes) -> bytes:
    """The callback's top-level fields as a form body: what a handler must not take as JSON."""
    fields = json.loads(body)
    return urlencode({key: json.dumps(value) for key, value in fields.items()}).encode()
