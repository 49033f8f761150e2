"""Signature schemes of the three gateways: pure functions, no I/O.

`md5`: TrustPay and GoldenPay (sorted `key=value` pairs, MD5). `rsa`: EzPay (SHA256withRSA over
the exact `param` string; import `sandbox.signing.rsa` itself, as it loads `cryptography`).
`values`: how JSON values are parsed and rendered for the MD5 schemes.
"""

from sandbox.signing.md5 import (
    goldenpay_sign,
    goldenpay_string_to_sign,
    goldenpay_verify,
    parse_query,
    trustpay_sign,
    trustpay_string_to_sign,
    trustpay_verify,
)
from sandbox.signing.values import (
    DuplicateKeyError,
    JsonNumber,
    compact_json,
    normalise_number_text,
    parse_json,
    render_value,
)
from sandbox.signing.verdict import Verdict

__all__ = [
    "DuplicateKeyError",
    "JsonNumber",
    "Verdict",
    "compact_json",
    "goldenpay_sign",
    "goldenpay_string_to_sign",
    "goldenpay_verify",
    "normalise_number_text",
    "parse_json",
    "parse_query",
    "render_value",
    "trustpay_sign",
    "trustpay_string_to_sign",
    "trustpay_verify",
]
