"""What the engine works with: a request from a gateway, the messages it becomes, their attempts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sandbox.delivery.ack import AckRule
from sandbox.delivery.policy import RetryPolicy

MessageState = Literal["pending", "acked", "failed"]
# "abandoned": the replica making the attempt stopped before recording it (its lease expired).
ErrorKind = Literal[
    "timeout", "refused", "reset", "dns", "invalid-response", "invalid-url", "abandoned"
]
STATES: tuple[MessageState, ...] = ("pending", "acked", "failed")
EXCERPT_LIMIT = 64 * 1024  # response bytes read (and kept) per attempt
ID_PREFIX = "cb_"


@dataclass(frozen=True)
class CallbackRequest:
    """A ready callback from a gateway: the engine sends `body` as is and knows no field names.

    `order_id` / `merchant_order_id` are what the admin API's `order` filter matches. `tag` is
    opaque text handed back to the gateway's outcome handler (e.g. which notification this was).
    """

    gateway: str
    merchant: str
    order_id: str
    event: str
    url: str | None
    body: bytes
    headers: Mapping[str, str]
    ack: AckRule
    policy: RetryPolicy
    merchant_order_id: str = ""
    tag: str = ""
    delay: timedelta = timedelta(0)
    copies: int = 1
    spacing: timedelta = timedelta(0)
    redeliver_after: timedelta | None = None


@dataclass(frozen=True)
class Lease:
    """A claim on a message by one replica: `name` is what the store's row holds, `safe_until`
    the `time.monotonic()` before which it certainly has not expired (taken before the claim)."""

    name: str
    safe_until: float


@dataclass
class Message:
    """One callback message; retries are attempts of it, copies are separate messages."""

    id: str
    gateway: str
    merchant: str
    order_id: str
    merchant_order_id: str
    event: str
    url: str
    original_url: str | None
    body: bytes
    headers: dict[str, str]
    ack: AckRule
    policy: RetryPolicy
    tag: str
    state: MessageState
    created_at: datetime
    due_at: datetime | None  # next scheduled attempt while pending
    copy: int = 1
    copies: int = 1
    redelivery_of: str | None = None
    redeliver_after: timedelta | None = None
    failures: int = 0  # failed scheduled attempts (a resend does not count)
    attempts: int = 0
    finished_at: datetime | None = None
    # Replicas on one database: the lease this copy of the message was claimed under (None:
    # not claimed); only while it holds may this copy's outcome change the stored state.
    lease: Lease | None = None

    def sent_headers(self) -> dict[str, str]:
        return {**self.headers, "X-Sandbox-Callback-Id": self.id}


@dataclass(frozen=True)
class Attempt:
    message_id: str
    number: int
    due_at: datetime | None  # when it was scheduled for (None: a resend)
    started_at: datetime
    finished_at: datetime
    latency_ms: float  # wall time
    status: int | None
    response: bytes  # the first EXCERPT_LIMIT bytes of the reply body
    response_truncated: bool
    error: ErrorKind | None
    error_detail: str
    acked: bool
    resend: bool = False


@dataclass(frozen=True)
class Outcome:
    """Handed to a gateway's outcome handler when a message is `acked` or given up (`failed`),
    and, for handlers registered with `retries`, after a failed attempt with a retry due
    (`pending`)."""

    message: Message
    state: MessageState
    attempt: Attempt


@dataclass
class SendResult:
    status: int | None = None
    body: bytes = b""
    truncated: bool = False
    error: ErrorKind | None = None
    detail: str = ""


def message_id(number: int) -> str:
    return f"{ID_PREFIX}{number}"


def message_number(text: str) -> int | None:
    if not text.startswith(ID_PREFIX) or not text[len(ID_PREFIX) :].isdigit():
        return None
    return int(text[len(ID_PREFIX) :])
