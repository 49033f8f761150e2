"""The outgoing risk-control call: the one HTTP request a gateway sends itself.

When a merchant sets `risk_control_url`, card pay-ins (after business rules 1-8) and the hosted
page's Pay action ask it: `POST` unsigned JSON `{orderId, cardPrefix, cardSuffix,
cardHolderName}`. HTTP 200 with the body `allow` (trimmed) lets the payment go on; 403 denies;
anything else, a connection error or no complete answer within 5 s of wall time fails closed.

It goes out through the same transport as callbacks (`delivery.transport`: one keep-alive session
per running sandbox, created on first use and closed when the sandbox stops).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from sandbox import __version__
from sandbox.delivery.targets import resolve_target
from sandbox.delivery.transport import ClientSlots, post
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.signing.values import compact_json

RISK_TIMEOUT_SECONDS = 5.0  # wall clock, like callback timeouts
EXCERPT_CHARS = 200

RiskOutcome = Literal["allow", "deny", "error", "timeout"]


@dataclass(frozen=True)
class RiskVerdict:
    """What the merchant's risk endpoint said, for the decision and the request journal."""

    verdict: RiskOutcome
    url: str
    body: str  # the JSON sent
    status: int | None  # HTTP status, None when no answer came
    excerpt: str  # the start of the answer's body, or the error
    latency_ms: float

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"

    @property
    def called(self) -> bool:
        """False when the merchant has no `risk_control_url` (nothing was sent)."""
        return bool(self.url)

    def journal_note(self) -> str:
        """One line for the pay-in's journal entry: URL, body, status, excerpt, latency, verdict
        (empty when no call was made)."""
        if not self.called:
            return ""
        status = "no answer" if self.status is None else f"HTTP {self.status}"
        return (
            f"risk-control POST {self.url} {self.body} -> {status} {self.excerpt!r} "
            f"in {self.latency_ms:.0f} ms: {self.verdict}"
        )


NOT_CALLED = RiskVerdict("allow", "", "", None, "", 0.0)


class RiskClient:
    """The sandbox's one client for risk-control calls (at most 32 in flight)."""

    def __init__(self) -> None:
        self.slots = ClientSlots(32, f"TrustPay-Sandbox/{__version__}")

    async def close(self) -> None:
        await self.slots.close()


def risk_client(sandbox: Sandbox) -> RiskClient:
    """This sandbox's risk client, closed when the sandbox stops."""

    def make() -> RiskClient:
        client = RiskClient()
        sandbox.stop_hooks.append(client.close)
        return client

    return sandbox.state("trustpay.risk_client", make)


def risk_request_body(order_id: str, card_number: str, holder_name: str) -> str:
    return compact_json(
        {
            "orderId": order_id,
            "cardPrefix": card_number[:6],
            "cardSuffix": card_number[-4:],
            "cardHolderName": holder_name,
        }
    )


async def risk_control_verdict(
    sandbox: Sandbox,
    merchant: TrustPayMerchant,
    *,
    order_id: str,
    card_number: str,
    holder_name: str,
    timeout: float | None = None,
) -> RiskVerdict:
    """Ask the merchant's `risk_control_url`. A merchant without one is allowed without a call
    (`verdict.called` is False).

    `order_id` is the platform order no just drawn; `holder_name` the name as the payer gave it
    (v4: first + space + last).
    """
    if not merchant.risk_control_url:
        return NOT_CALLED
    # SANDBOX_CALLBACK_ORIGIN applies (a container reaching the host); SANDBOX_CALLBACK_URL not.
    url = resolve_target(merchant.risk_control_url, None, sandbox.settings.callback_origin)
    assert url is not None
    body = risk_request_body(order_id, card_number, holder_name)
    limit = RISK_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.monotonic()
    async with risk_client(sandbox).slots.client() as client:
        result = await post(client, url, body.encode(), {"Content-Type": "application/json"}, limit)
    latency_ms = (time.monotonic() - started) * 1000
    if result.status is None:
        verdict: RiskOutcome = "timeout" if result.error == "timeout" else "error"
        return RiskVerdict(verdict, url, body, None, result.detail[:EXCERPT_CHARS], latency_ms)
    text = result.body.decode("utf-8", errors="replace")
    if result.status == 200 and text.strip() == "allow":
        verdict = "allow"
    elif result.status == 403:
        verdict = "deny"
    else:
        verdict = "error"
    return RiskVerdict(verdict, url, body, result.status, text[:EXCERPT_CHARS], latency_ms)
