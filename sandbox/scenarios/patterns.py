"""Scenario `regex` tests, compiled with RE2: matching time is linear in the text, always.

A scenario file comes from anyone who can reach the admin API, and its patterns run against
request fields on every matching request. Python's `re` backtracks, so a pattern like `(a+)+$`
takes time doubling with each character of an order number; RE2 has no backtracking (and so no
backreferences or look-arounds: a pattern using them is refused when the file is checked).
"""

from __future__ import annotations

from typing import Any, Protocol


class TextPattern(Protocol):
    """What matching needs of a compiled pattern."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str) -> Any: ...


class PatternError(ValueError):
    """The pattern is not valid, or uses what a linear-time engine cannot do."""


MAX_PATTERN_LENGTH = 1000


def compile_pattern(text: str) -> TextPattern:
    import re2  # imported on the first regex: start-up without one stays fast

    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    options = re2.Options()
    options.log_errors = False  # the reason goes into the validation error, not to stderr
    try:
        compiled: TextPattern = re2.compile(text, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"{reason} (RE2 syntax: no backreferences or look-arounds)") from None
    return compiled
