"""The one way a gateway refuses a request: raise a `Refusal` (each gateway's error is one)."""

from __future__ import annotations

from typing import Self

from sandbox.signing.explain import Explanation


class Refusal(Exception):
    """Refuse the request with the gateway's own error envelope (never a 5xx).

    `code` and `message` are what the envelope says; `note` what the journal says. A refusal
    raised before a call exists carries the journal's merchant and signature verdict itself
    (`journaled`).
    """

    def __init__(
        self, code: int | str, message: str, *, http_status: int = 200, note: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.note = note if note is not None else f"{code} {message}"
        self.merchant = ""
        self.signature = "not-checked"
        self.signature_detail = ""  # what a failed signature check expected, in one line
        self.explanation: Explanation | None = None  # the same, in full, with hints

    def journaled(
        self,
        merchant: str = "",
        signature: str = "",
        detail: str = "",
        explanation: Explanation | None = None,
    ) -> Self:
        """The same refusal, with what the journal records about a request refused early."""
        self.merchant = merchant or self.merchant
        self.signature = signature or self.signature
        self.explanation = explanation or self.explanation
        if not detail and explanation is not None:
            detail = "invalid sign: " + explanation.summary()
        self.signature_detail = detail or self.signature_detail
        return self
