"""The two published revisions of the GoldenPay docs, switched as a whole.

`current` is the newer set of pages ("Collect API", "Payout API", "Webhook Notifications"), the
default; `legacy` the older one ("Collection API", "Payout/Withdrawal API", "System Callback"),
which merchants are still coded against. A merchant's `api_revision` setting picks one; the
header `X-Sandbox-Revision` overrides it for one request. An order keeps the revision of the
request that created it (`data["revision"]`, present only for `legacy`), so its callbacks are
told the way that request's pages say, hours later or after a restart.

What `legacy` changes: the callback policy (10 s, a retry every 30 s, 5 attempts), `remarks`
echoed in callbacks, nonces of up to 32 characters, amounts as JSON numbers in answers and
callbacks, `mch_id` and `channel` in the collect create answer, and `uid` required for a USDT
collect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sandbox.delivery import RetryPolicy, seconds
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.orders import Order
from sandbox.signing.values import JsonNumber

Revision = Literal["current", "legacy"]
REVISIONS: tuple[Revision, ...] = ("current", "legacy")
HEADER = "X-Sandbox-Revision"

# The amount fields of answers and callbacks (`balance` and `ratio` are numbers in both).
_AMOUNTS = ("order_amount", "payed_amount")


class UnknownRevision(ValueError):
    """The header names no revision."""


def request_revision(headers: Mapping[str, str], merchant: GoldenPayMerchant) -> Revision:
    """The header's revision, else the merchant's; `UnknownRevision` for a bad header."""
    given = headers.get(HEADER.lower())
    if given is None:
        return merchant.api_revision
    for revision in REVISIONS:
        if given.strip().lower() == revision:
            return revision
    raise UnknownRevision(given)


def nonce_ok(nonce: str, revision: Revision) -> bool:
    """6-24 characters on the newer pages; the older ones only cap it at 32."""
    return 1 <= len(nonce) <= 32 if revision == "legacy" else 6 <= len(nonce) <= 24


def stamp(data: dict[str, Any], revision: Revision) -> dict[str, Any]:
    """Order data that remembers a `legacy` creation (absent means `current`)."""
    if revision == "legacy":
        data["revision"] = "legacy"
    return data


def of_order(order: Order) -> Revision:
    return "legacy" if order.data.get("revision") == "legacy" else "current"


# Newer: 5 s, one retry after 60 s. Older: 10 s, a retry every 30 s, stop after 5 failures.
CURRENT_POLICY = RetryPolicy("goldenpay", 5.0, seconds(60))
LEGACY_POLICY = RetryPolicy("goldenpay-legacy", 10.0, seconds(30, 30, 30, 30))
# The policies GoldenPay has published, each a `delivery.profile` a scenario may pick; the
# transcript pair: collect every 60 s x 3 attempts, payout every 30 s x 5.
POLICIES = {
    policy.name: policy
    for policy in (
        CURRENT_POLICY,
        LEGACY_POLICY,
        RetryPolicy("goldenpay-transcript-collect", 10.0, seconds(60, 60)),
        RetryPolicy("goldenpay-transcript-payout", 10.0, seconds(30, 30, 30, 30)),
    )
}


def callback_policy(revision: Revision) -> RetryPolicy:
    return LEGACY_POLICY if revision == "legacy" else CURRENT_POLICY


def uid_required(channel: str, revision: Revision) -> bool:
    """The older Collection page makes `uid` required for the USDT channel; the newer lists it
    as optional."""
    return revision == "legacy" and channel.startswith("usdt")


def rendered(payload: dict[str, Any], revision: Revision) -> dict[str, Any]:
    """Amounts as JSON numbers on the older pages (`100.00`, VND `500000`), strings otherwise.
    The signature is the same either way: a number is signed as its token text."""
    if revision != "legacy":
        return payload
    return {
        key: JsonNumber(value) if key in _AMOUNTS and isinstance(value, str) else value
        for key, value in payload.items()
    }


def collect_answer(
    payload: dict[str, Any], merchant: GoldenPayMerchant, revision: Revision
) -> dict[str, Any]:
    """The collect create answer: the older page adds `mch_id` (after `trans_id`) and `channel`
    (after `code`)."""
    if revision != "legacy":
        return payload
    answer: dict[str, Any] = {}
    for key, value in payload.items():
        answer[key] = value
        if key == "trans_id":
            answer["mch_id"] = merchant.mch_id
        elif key == "code":
            answer["channel"] = value
    return rendered(answer, revision)


def callback_body(payload: dict[str, Any], order: Order) -> dict[str, Any]:
    """A callback's fields: the older pages echo the order's `remarks` (last, before `sign`)."""
    revision = of_order(order)
    if revision != "legacy":
        return payload
    remarks = order.data.get("remarks")
    with_remarks = payload if remarks is None else {**payload, "remarks": remarks}
    return rendered(with_remarks, revision)
