"""Callback delivery: messages, attempts, ack rules, retry policies, the engine.

Gateways build a `CallbackRequest` (ready body bytes, headers, target, ack rule, policy) and hand
it to `DeliveryEngine.submit`; the engine knows no gateway field names.
"""

from sandbox.delivery.ack import (
    AckRule,
    acknowledged,
    any_2xx,
    body_equals_text,
    custom_ack,
    json_field_equals,
)
from sandbox.delivery.dispatcher import DeliveryEngine, NoTarget, OutcomeHandler
from sandbox.delivery.model import Attempt, CallbackRequest, Message, MessageState, Outcome
from sandbox.delivery.policy import (
    STANDARD_DELAYS,
    RetryPolicy,
    custom_policy,
    seconds,
)

__all__ = [
    "STANDARD_DELAYS",
    "AckRule",
    "Attempt",
    "CallbackRequest",
    "DeliveryEngine",
    "Message",
    "MessageState",
    "NoTarget",
    "Outcome",
    "OutcomeHandler",
    "RetryPolicy",
    "acknowledged",
    "any_2xx",
    "body_equals_text",
    "custom_ack",
    "custom_policy",
    "json_field_equals",
    "seconds",
]
