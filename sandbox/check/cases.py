"""The battery: what each case sends, what it expects, why it matters and how to fix a failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# `ack`: every delivery must be acknowledged; `reject`: none may be (and none may get a 5xx);
# `report`: the answer is shown, not judged.
Expect = Literal["ack", "reject", "report"]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    expect: Expect
    why: str
    fix: str
    needs_state: bool = False  # only the merchant's recorded state (--state-url) proves it all
    short_payment_only: bool = False  # for kinds whose callback carries a paid amount


CASES: tuple[Case, ...] = (
    Case(
        "valid",
        "a valid callback is acknowledged in the exact format, within the timeout",
        "ack",
        "an unacknowledged callback is retried and finally given up: the merchant never hears "
        "of a payment that happened",
        "answer the gateway's exact acknowledgement once the callback is verified and stored",
        needs_state=True,
    ),
    Case(
        "duplicate",
        "the same callback three times (byte-identical) is acknowledged each time",
        "ack",
        "gateways deliver at least once: a handler that credits every copy pays out twice",
        "make the handler idempotent on the order number: apply once, acknowledge every copy",
        needs_state=True,
    ),
    Case(
        "bad-signature",
        "a callback with a wrong signature is not acknowledged",
        "reject",
        "anyone who knows the notify URL can forge a payment",
        "verify the signature over the exact received values before reading anything else",
        needs_state=True,
    ),
    Case(
        "missing-signature",
        "a callback without a signature is not acknowledged",
        "reject",
        "a handler that only checks a signature when present accepts unsigned forgeries",
        "treat a missing signature as invalid",
        needs_state=True,
    ),
    Case(
        "other-merchant-secret",
        "a callback signed with another merchant's secret is not acknowledged",
        "reject",
        "a secret from another account (or a leaked test key) must not sign this merchant's "
        "payments",
        "verify with this merchant's own secret/key and check the merchant id",
        needs_state=True,
    ),
    Case(
        "tampered-amount",
        "an amount changed after signing is not acknowledged",
        "reject",
        "a man in the middle raises the amount credited",
        "verify the signature over every field received, amounts included",
        needs_state=True,
    ),
    Case(
        "tampered-status",
        "a status changed after signing (failed made success) is not acknowledged",
        "reject",
        "a failed payment turned into a paid one ships goods for nothing",
        "verify the signature over every field received, the status included",
        needs_state=True,
    ),
    Case(
        "short-payment",
        "a short payment (paid less than the order amount, validly signed) is acknowledged",
        "ack",
        "a handler that credits the order amount gives away the difference",
        "credit the paid amount, and mark an order paid only when the paid amount covers it",
        needs_state=True,
        short_payment_only=True,
    ),
    Case(
        "late-failure",
        "a failed callback after the success one is acknowledged, and not applied",
        "ack",
        "callbacks arrive out of order: a late failure must not undo a payment",
        "never move an order out of a final state; acknowledge the late callback anyway",
        needs_state=True,
    ),
    Case(
        "unknown-order",
        "a validly signed callback for an order the merchant does not know",
        "report",
        "either answer is defensible: an error makes the gateway retry (useful when the order "
        "is written after the callback), an acknowledgement stops the retries",
        "decide deliberately and log unknown orders",
    ),
    Case(
        "truncated-json",
        "a truncated JSON body is not acknowledged, and not answered with a 5xx",
        "reject",
        "a handler that crashes on bad input is one a scanner can take down, and a 5xx hides "
        "real outages in the logs",
        "answer unparsable bodies with a 4xx",
    ),
    Case(
        "wrong-content-type",
        "a form-encoded body instead of JSON is not acknowledged, and not answered with a 5xx",
        "reject",
        "a handler that acknowledges whatever arrives acknowledges garbage",
        "parse the body as the gateway sends it and answer anything else with a 4xx",
    ),
    Case(
        "latency",
        "every answer arrives within the gateway's timeout",
        "ack",
        "a reply after the timeout counts as a failure: the gateway retries a callback the "
        "merchant already applied",
        "store the callback and answer at once; do slow work afterwards",
    ),
)

CASE_IDS = tuple(case.id for case in CASES)


def case(case_id: str) -> Case:
    for found in CASES:
        if found.id == case_id:
            return found
    raise KeyError(case_id)
