"""EzPay: SHA256withRSA (RSASSA-PKCS1-v1_5) over the exact `param` string, standard Base64.

Requests are verified with the merchant's public key; notifications are signed with the
platform's private key (worked example: docs/gateways/ezpay.md). Key material is PEM or
single-line Base64 DER.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from sandbox.signing.verdict import REJECTED, Verdict

MIN_KEY_BITS = 1024

_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sha1": hashes.SHA1}
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_SIGN_NOISE = str.maketrans("", "", "\r\n ")


class KeyMaterialError(ValueError):
    """Key text that cannot be used; the message says why, in words a person can act on."""


@functools.lru_cache(maxsize=256)
def load_public_key(text: str) -> RSAPublicKey:
    """An RSA public key from PEM or Base64 DER (SubjectPublicKeyInfo; PKCS#1 and an X.509
    certificate are accepted too)."""
    label, der = _read_material(text)
    if label is not None and "PRIVATE KEY" in label:
        raise KeyMaterialError("this is a private key; a public key is needed here")
    try:
        if label == "CERTIFICATE":
            key: object = x509.load_der_x509_certificate(der).public_key()
        else:
            key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if label is None and _is_private_der(der):
            raise KeyMaterialError("this is a private key; a public key is needed here") from None
        raise KeyMaterialError(
            "not a public key: expected PEM (-----BEGIN PUBLIC KEY-----) or single-line Base64 "
            "of X.509 SubjectPublicKeyInfo DER"
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise KeyMaterialError(f"expected an RSA key, got {_describe(key)}")
    _check_size(key.key_size)
    return key


@functools.lru_cache(maxsize=64)
def load_private_key(text: str) -> RSAPrivateKey:
    """An RSA private key from PEM or Base64 DER (PKCS#8, or PKCS#1), unencrypted."""
    label, der = _read_material(text)
    if label is not None and "PRIVATE KEY" not in label:
        raise KeyMaterialError(f"expected a private key, got PEM {label!r}")
    try:
        key: object = serialization.load_der_private_key(der, password=None)
    except TypeError:
        raise KeyMaterialError("the private key is encrypted; give it without a password") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyMaterialError(
            "not a private key: expected PEM (-----BEGIN PRIVATE KEY-----) or single-line Base64 "
            "of PKCS#8 DER"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise KeyMaterialError(f"expected an RSA key, got {_describe(key)}")
    _check_size(key.key_size)
    return key


def sign_param(private_key: RSAPrivateKey | str, param: str, *, algorithm: str = "sha256") -> str:
    """Base64 of the PKCS#1 v1.5 signature of the UTF-8 bytes of `param` (344 characters for a
    2048-bit key). `algorithm` "sha1" exists to exercise lenient mode."""
    key = load_private_key(private_key) if isinstance(private_key, str) else private_key
    signature = key.sign(_utf8(param), padding.PKCS1v15(), _ALGORITHMS[algorithm]())
    return base64.b64encode(signature).decode("ascii")


def verify_param(
    public_key: RSAPublicKey | str, param: str, sign: str, mode: str = "strict"
) -> Verdict:
    """Check `sign` over `param`: SHA-256 ("sha256"); lenient mode also SHA-1 ("sha1").

    CR, LF and spaces inside `sign` are ignored; anything else that is not padded standard
    Base64 fails.
    """
    if mode not in ("strict", "lenient"):
        raise ValueError(f"unknown signature mode {mode!r}; expected 'strict' or 'lenient'")
    if not isinstance(sign, str):
        return REJECTED
    try:
        signature = base64.b64decode(sign.translate(_SIGN_NOISE), validate=True)
    except (binascii.Error, ValueError):
        return REJECTED
    key = load_public_key(public_key) if isinstance(public_key, str) else public_key
    data = _utf8(param)
    forms = ("sha256", "sha1") if mode == "lenient" else ("sha256",)
    for form in forms:
        try:
            key.verify(signature, data, padding.PKCS1v15(), _ALGORITHMS[form]())
        except InvalidSignature:
            continue
        return Verdict(ok=True, form=form)
    return REJECTED


def signature_checker(public_key: RSAPublicKey | str) -> Callable[[str, bytes, str], bool]:
    """`check(text, signature, algorithm)`: does the decoded `signature` verify over `text` with
    this key ("sha256" or "sha1")? For explaining a refusal, which tries several texts."""
    key = load_public_key(public_key) if isinstance(public_key, str) else public_key

    def check(text: str, signature: bytes, algorithm: str) -> bool:
        try:
            key.verify(signature, _utf8(text), padding.PKCS1v15(), _ALGORITHMS[algorithm]())
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


def generate_key_pair(key_size: int = 2048) -> tuple[str, str]:
    """A fresh RSA pair: (private key as PKCS#8 PEM, public key as SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem.decode("ascii"), public_pem.decode("ascii")


def pem_to_base64_der(pem: str) -> str:
    """The Base64 body of a PEM block on one line (what the EzPay dashboard takes)."""
    match = _PEM.search(pem)
    if match is None:
        raise KeyMaterialError("not PEM: no -----BEGIN …----- / -----END …----- lines")
    return "".join(match.group(2).split())


def _read_material(text: str) -> tuple[str | None, bytes]:
    """(PEM label or None for bare Base64, DER bytes)."""
    if not isinstance(text, str) or not text.strip():
        raise KeyMaterialError("no key given")
    # Configs often carry PEM on one line with literal "\n" escapes.
    text = text.replace("\\n", "\n")
    match = _PEM.search(text)
    if match is not None:
        label: str | None = match.group(1)
        body = match.group(2)
    elif "-----" in text:
        raise KeyMaterialError("malformed PEM: missing or mismatched BEGIN/END lines")
    else:
        label, body = None, text
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError("not PEM and not valid Base64") from None
    if not der:
        raise KeyMaterialError("empty key")
    return label, der


def _is_private_der(der: bytes) -> bool:
    try:
        serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _check_size(bits: int) -> None:
    if bits < MIN_KEY_BITS:
        raise KeyMaterialError(f"RSA key is {bits} bits; at least {MIN_KEY_BITS} are required")


def _describe(key: object) -> str:
    kinds: tuple[tuple[tuple[type, ...], str], ...] = (
        ((ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey), "an EC key"),
        ((ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey), "an Ed25519 key"),
        ((ed448.Ed448PublicKey, ed448.Ed448PrivateKey), "an Ed448 key"),
        ((dsa.DSAPublicKey, dsa.DSAPrivateKey), "a DSA key"),
    )
    for types, name in kinds:
        if isinstance(key, types):
            return name
    return "a non-RSA key"


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate from a JSON "\ud800" escape must not crash signing.
    return text.encode("utf-8", "surrogatepass")
