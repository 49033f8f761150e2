"""`sandbox check`: a conformance test of a merchant's callback handler.

Each gateway supplies a `Conformance` (how to build, sign and tamper its callbacks, its ack rule
and timeout); the runner here sends the battery of cases through the delivery transport and
judges the answers. Nothing here imports a concrete gateway.
"""

from sandbox.check.cases import CASES, Case
from sandbox.check.model import CallbackSpec, Conformance, Outcome
from sandbox.check.runner import CheckOptions, CheckReport, run_check

__all__ = [
    "CASES",
    "CallbackSpec",
    "Case",
    "CheckOptions",
    "CheckReport",
    "Conformance",
    "Outcome",
    "run_check",
]
