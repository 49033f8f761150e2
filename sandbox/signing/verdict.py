"""The outcome of checking a signature, shared by every scheme."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Whether a signature matched, and which accepted form it matched.

    `form` is what the request journal records: "raw", "normalised" or "uppercase" for the MD5
    schemes, "sha256" or "sha1" for EzPay's RSA; None when the signature did not match.
    """

    ok: bool
    form: str | None = None


REJECTED = Verdict(ok=False, form=None)
