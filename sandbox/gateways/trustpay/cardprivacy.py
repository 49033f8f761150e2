"""Card numbers at rest: stored and shown masked (first 6, last 4), as a real gateway does.

The failure limit (rule 8) still has to recognise the same card again, so each stored card also
carries a fingerprint: an HMAC of the number under a random key kept in the database (so it
holds across restarts of a file database, and a masked number's middle digits cannot be found
by hashing the million candidates).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from sandbox.masking import mask_pan

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

__all__ = ["card_fingerprint", "mask_pan"]

_KEY_META = "trustpay.card_fingerprint_key"


def card_fingerprint(sandbox: Sandbox, pan: str) -> str:
    key = sandbox.state("trustpay.card_fingerprint_key", lambda: _stored_key(sandbox))
    return hmac.new(key, pan.encode(), hashlib.sha256).hexdigest()[:32]


def _stored_key(sandbox: Sandbox) -> bytes:
    saved = sandbox.store.get_meta(_KEY_META)
    if saved is None:
        saved = secrets.token_hex(32)
        sandbox.store.set_meta(_KEY_META, saved)
    return bytes.fromhex(saved)
