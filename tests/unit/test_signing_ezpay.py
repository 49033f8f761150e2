"""EzPay SHA256withRSA: the published signing vectors and procedure (docs/gateways/ezpay.md,
Signing, worked), and key loading."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
    EZPAY_DEMO_PLATFORM_PRIVATE_KEY,
    EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
)
from sandbox.signing.rsa import (
    KeyMaterialError,
    generate_key_pair,
    load_private_key,
    load_public_key,
    pem_to_base64_der,
    sign_param,
    verify_param,
)
from sandbox.signing.verdict import Verdict

R2 = (
    '{"mchOrderId":"ORDER-0001","amount":500,"customerName":"Juan Dela Cruz",'
    '"channelCode":"PH_GCASH_URL","notifyUrl":"https://merchant.example/ezpay/notify",'
    '"redirectUrl":"https://merchant.example/return","email":"juan@example.com",'
    '"mobile":"09171234567","timestamp":1700000000}'
)

# id -> (P, UTF-8 byte length, SHA-256 hex), as printed in
VECTORS = {
    "R1": (
        '{"countryCode":"PH","timestamp":1700000000}',
        43,
        "211fa61a2db4fabfcefd199da8bb9b6175883a23de55fae4f00d3bd78f1dc13a",
    ),
    "R1b": (
        '{"countryCode": "PH", "timestamp": 1700000000}',
        46,
        "ebb344aec4b546a6702ebf9a709e1d58970f7a89e49d281a6673fa8fd66628f6",
    ),
    "R2": (R2, 274, "f7c3375260904845b029b7b4682b50968e34828c05f8ebc532cf566b41ac7401"),
    "R3": (
        R2.replace('"amount":500,', '"amount":5.00,'),
        275,
        "bb339c0900d6b0fe9169da769fade221fea2dd50a61f5eb89a3012040d6e9a69",
    ),
    "R4": (
        '{"mchOrderId":"PO-0001","idempotencyId":"IDEM-PO-0001","amount":50000,'
        '"accountNo":"09171234567","accountName":"Juan Dela Cruz","payMethodCode":"EWALLET",'
        '"transferCode":"GCASH","remark":null,"timestamp":"1700000000000"}',
        218,
        "164d3799d010ef2865f129dc0735581f6335bbe77ca4fc7f586c2dea2bb78bdf",
    ),
    "C1": (
        '{"eventName":"order.payment.success","mchOrderId":"ORDER-0001",'
        '"transactionId":"C1000000000000000001","amount":500,"transactionStatus":"COMPLETED",'
        '"createTime":"2023-11-15 06:13:20","returnTime":"2023-11-15 06:13:25",'
        '"channelCode":"PH_GCASH_URL"}',
        246,
        "14b0a6d4b589762e6ef8cc491ff03538fd909dff19f86e4a6f26385d4d6e26bc",
    ),
    "C2": (
        '{"eventName":"disbursement.failed","mchOrderId":"F10004-PO-0002",'
        '"transactionId":"D1000000000000000002","amount":50000,"transactionStatus":"FAILED",'
        '"createTime":"2023-11-15 06:13:20","returnTime":"2023-11-15 06:13:25",'
        '"remark":"salary","failedCode":-10004,"failedMessage":"Transaction Channel Rejected"}',
        303,
        "0d12728ae1b10616614b66e5093102960868f5de88f8982df935ba0d3fea8c30",
    ),
    "C3": (
        '{"eventName":"payment.refund.success","mchRefundOrderId":"RF-0001",'
        '"refundTransactionId":"1000000000000000003",'
        '"originalTransactionId":"C1000000000000000001","refundAmount":200,"feeRefunded":5,'
        '"refundStatus":"COMPLETE","refundCreateTime":"2023-11-15 06:15:00",'
        '"refundReturnTime":"2023-11-15 06:15:05"}',
        301,
        "08c1e0bd2f08a53799c5408932d3a8dd9bab8e1c62834971ce4fa1480f241e61",
    ),
    "C4": (
        '{"eventName":"static.order.payment.success","mchOrderId":"QR-SHOP-01",'
        '"transactionId":"C1000000000000000004","amount":12345,"transactionStatus":"COMPLETED",'
        '"createTime":"2023-11-15 06:16:40","returnTime":"2023-11-15 06:16:40",'
        '"channelCode":"PH_QRPH_STATIC","remark":"counter 1"}',
        278,
        "e4d8f8e393f26e9a250b050971036cc7be0b3340d087a67e09550afc3e838d2f",
    ),
}

# The signatures the shipped demo keys give (pinned when the keys were generated; they change
# only if demo_keys.py changes). R* with the merchant key, C* with the platform key.
PINNED = {
    "R1": (
        "QLAZGMfSIKbCEdOdJkB9tfWgTLTWQxZ6F/QmzBQzbWd9btooA6GoWpp+4VZz1V/ZL6HHLLDwAQBRXRDL3Ehke2"
        "Q5qxU5xV4YlIPDuVDn+prtDuABky9RL+qU4Fpea55ksNpljL91Ea1Q+PYrcd6+12KdVeniT5eLxjekYV5Huec9"
        "n9A6j9wKOnE/dze/AE6lxhcTTimwGGplab/GcEeJJ2Hk1yrE1rxKgQqx9sF/R7mCluiymqtKmbLP191NO1b7T2"
        "xLLqvvlmdDnDhtctmV7V8UcbbvcUdCEXmT66A0qb1qdr82svqMTDeQ+4bSgfb8srjVPw8I0F5+O+UJxf4ceA=="
    ),
    "R1b": (
        "l0wK65WkJ1QyU7JLvLtYx3z5rBryBtpTNCdG5x4NLjOnXDShtPkUYhw+JtYaCr2+qCA0C3qlm4FR1mWakiqPfM"
        "NHnTU1d+XTw6wKvLeIBNGsak7n2tSfGn5rC9/YF/sUG1Lik86O9HTInmzo/X0yracloJgh2fdhOywsF/bnk9uE"
        "L5PSXiA1Cq46iZIfeJdBiWHpNizVqmAa5AV0Q7vaCbiW1cCa4WiIaIW45oU8S/+RZV8balGPg89Anq60/ldMoB"
        "bT+qJFAXMHkpj/Om4cskBOSm1aabq4pTdwepwMY43NrgRIxOmxenO15vjybzilbDZp0V9Yec/E9UtsNKEm2w=="
    ),
    "R2": (
        "NUh/o846lXliDSCimZEIOY6zfJUCug4MtcNLbucAxW7lIoU/FuxK70WKF/wGW2qidmp0O7VnUqdSyCeIlG82tU"
        "Ptwppcn227154dpxNk/fvtsvXWGTsOzc/ztLkEBSx+ZGaaxpc7cBufZ7xJApt2XwQxtpR5fv3jmbQ4d2YImntP"
        "TMdLPogEBpzFUvfqQkTDypkN7aHL+GHLaJnEB651358YsKzYT1IYItzz9PdfLyoWBIBLMA9ia/9K7IrPqHW7Ch"
        "YXsBI3aXqsmpmGFSeb2jfmMOuPxkVBoz+MDzPbmWEX+w8EZckpHheO9iVCKqJg6Q7i+xatvIJ11f9WlKrt5A=="
    ),
    "R3": (
        "lT4IgbYgz9CjbbI5RY9MCBW64GpYJltRoGFTk1+BtzqW35UIkoroCIjt7Q3cKQmf0yOxFc74e6IOLoEKhRDI04"
        "L+Ha82wClXEhsbUvxCSNcE4uhT4+Zb9gaILZ8ztgXa/LuAwUBw7k0/XNZR5OffEAe4TCZif3NTg5VVHMBabG7E"
        "ezDwThzaE+FuH8Ef53hgmt2sA6dusIY/RFpaK7reVSO62plKw2pq24IDCEVRTe3A3MOxBKF/s7POYZ7lNukg0k"
        "XSZTg3GbayR3xE1lIGT8cfD3IOYu4Q5K+TuPmSjZzVOEcI7DDw1+RKGR3ZkDXfqmAWhhM5m7uHFyqBEniU9g=="
    ),
    "R4": (
        "PinLDoCuccZVD9oMHrRrNOvXQywYTBPrzmE0odPtqDySJSTlq6mVwCTsM8TuMtsidTJdoP+9pK1mvu+DMYkYeT"
        "mu39zXJU0BccKtnGsRdEypnmhgOQIdYTpe5SpiemT7u6dX4mLxQGmaPwrrFc/zn8NrFAdI5cezez+p4KdZJhCU"
        "O6Wh/0TrwdN/Ud7e/meZWd2IQC6Qa4AF0Gl7tu+6ZTBfaNLGkelNHSYcDCyFaF1GiXS7FCylakxpY54LEjYHSz"
        "/wg1hYM8VG6iDztpqeL0kPhuHUJXiNafnsnbuJE5E/RHBbuUpBjOqbtJ+9RbECZOxvNseGgHx1SNrW3IsA7g=="
    ),
    "C1": (
        "qG20JSuEaImZm+WqioGZLcqPvG0wcaYUKfBCTe+JRrbWeQDddincDgmxLg+goY3vq4i6svrnHLg6G546nn9F3q"
        "oio27xuQgPC+s7HSkGgmewJnreknCqTwg81UkUr04iKEnR8+WfGi4KlUznhYr/CqamsKjvClOZN1Ak7l2z0NNv"
        "ey+k8cypdVbbgPVtqt9TXZKsCms4kezgs3beM/RhvmqvdwPqrrMhT46ws6UGJJZyVm/OQW0KieZL6a+B9rHrfu"
        "iwwJki6+X90lTt9moVTvZtBVE7Y7E/J90IBUIZR61dZfOg4SFio2YhJntHDh0LJFAUOasxZnsU8vMTs/VgVw=="
    ),
    "C2": (
        "VnsHvvOriQAAi2B+ovkex2CmWMJ3MU+KmtrLJGVNs1UHBPmE/FubbRsfNM3mWA+aCHodUPjaP3gq7miONHHgni"
        "pjpQo+m0AHIzDGz/XALGbUm++w/ZLbHzuqHQz/e5UoxR1iRuQgOYCmMomuvssxsZlJYmeBtgJSVwAEFV9F3shZ"
        "wPjK5JLTmybNNOioLpz69imkT0xEYdrltm4YhdDDHeBCBbLeUW6R7stmuq5UsDnbx+dC0dfM6PIfFmL3lBAjF4"
        "pEleZaEqhK0dfMas+qcFXAPu5UeRl6HzL6H7zXbBrvriWiQkHkj49rP0NjKCkansAOfL5ZAEbsWdKPJuiapg=="
    ),
    "C3": (
        "nJ7Coz3I6FIenb91IZ0sOmvSFSSs/JjDrzMOi3O78jZbu1LAWIBzXc8/aMPwrX7V39GXPx2+gOjvWqfmu/1xI6"
        "5hEP1T63g8SU2ByH+446jz8QPoznKSL4lItwKwjsrMzldY00ng1nhup0iyVHW5UxthUdEELysUAOIf/3wagEye"
        "7mkd7eVx4CY5FBMxOP7IqOfcYHBpcerhq4Y7564FRg04mGSM4gH60CMlf9NFdMk4Az02TIOMOPOWlmtdTM+CGn"
        "g4KBP9/gWNkoMrefZSaXCmB4LZUX0vq9MabKG2QfnUplsAOdHWbA9or/16nmHzs2n2eYnqT/lVTAjp0dBM+g=="
    ),
    "C4": (
        "r/Nv/8jb0lTSg8J6JS/3OAf9hzU6CkVxh3N9w9msoSxdWcbfp78qkO2t+2lkzdtOB2a5tc+b8HsRRPQ9hYNgJA"
        "oRc1rJ7oGCrWjTegOmpuIZVOKSbBrpuQ0TFf0Cfblbb+ndm1U09SvicxlPcG/XkMtr36+am7ll9VzQhzo2sSCZ"
        "/1MZEr08ywvHWS3cDruIxABirOAr+wtH35BUilsHf4Wu5NoaCXjj5scoDfCtuMCnwrvwfObPWCzfEdYDcTHVeI"
        "XyONwo2800ar/t1ET4WjXQcRdwbS20f8IaDZ6fcdEaraxQAEcqFFbR4oLkg/qublOETWESjB+2UsycUDqPeQ=="
    ),
}

SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
SHA1_PREFIX = bytes.fromhex("3021300906052b0e03021a05000414")

# A 512-bit RSA key (too small on purpose), generated with `openssl genpkey`. TEST ONLY.
SMALL_PRIVATE_KEY = """\
-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAvU3Lux0ERQvV1VuF
UcmBLte0INjxLJmfAx2FHkuXjRWywRfDzjFZLe716z8HYNdfk8PzMiM7ffY/x3jt
0Xu4GQIDAQABAkEAk2i2AZGZ1o5dx9OJoGNyFeDgIkfsnZdObGWbWDjy3We1lUxd
vaDrmNHSVx7n3qP5+lIdK38w6c7XI/NZQm+1hQIhAOo+mc7f5a7RvLww9nal7mhI
y4JZ7bVjQxIeuB+paKQrAiEAzuKvn6H1UVS/87ReMOE3OmkIdzJ940iBa9utQrAN
nssCIEPf69WEDxu+7n9heKkcn55cKYwV3slGf/LKL/QMtKONAiBTGvBdeZun3hl1
diDYFcAvsH18FEZJhJiokQgaX8o43QIhAKLmBU/SF+5pZTJX1noP0FP0tfTR19Dr
alMKY3K8M8dl
-----END PRIVATE KEY-----
"""


def keys_for(vector_id: str) -> tuple[str, str]:
    if vector_id.startswith("R"):
        return EZPAY_DEMO_MERCHANT_PRIVATE_KEY, EZPAY_DEMO_MERCHANT_PUBLIC_KEY
    return EZPAY_DEMO_PLATFORM_PRIVATE_KEY, EZPAY_DEMO_PLATFORM_PUBLIC_KEY


def recovered_block(public_pem: str, sign: str) -> bytes:
    """s^e mod n, as the big-endian encoded message block (no crypto library involved)."""
    numbers = load_public_key(public_pem).public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    s = int.from_bytes(base64.b64decode(sign), "big")
    return pow(s, numbers.e, numbers.n).to_bytes(size, "big")


def expected_block(size: int, digest_info: bytes) -> bytes:
    return b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info


def change_one_byte(param: str) -> str:
    """The last digit of P changed (the timestamp's, or the last number's)."""
    index = max(i for i, c in enumerate(param) if c.isdigit())
    return param[:index] + str((int(param[index]) + 1) % 10) + param[index + 1 :]


@pytest.mark.parametrize("vector_id", list(VECTORS))
def test_vector(vector_id: str) -> None:
    param, length, sha256_hex = VECTORS[vector_id]
    private_pem, public_pem = keys_for(vector_id)

    # 1. the string to sign
    assert len(param.encode("utf-8")) == length
    assert hashlib.sha256(param.encode("utf-8")).hexdigest() == sha256_hex

    # 2. sign: 344 Base64 characters ending "==", deterministic, as pinned
    sign = sign_param(private_pem, param)
    assert len(sign) == 344
    assert sign.endswith("==")
    assert sign_param(private_pem, param) == sign
    assert sign == PINNED[vector_id]

    # 3. verifies with the matching public key, in both modes
    assert verify_param(public_pem, param, sign) == Verdict(ok=True, form="sha256")
    assert verify_param(public_pem, param, sign, "lenient") == Verdict(ok=True, form="sha256")

    # 4. one byte changed -> fails
    changed = change_one_byte(param)
    assert len(changed) == len(param) and changed != param
    assert not verify_param(public_pem, changed, sign).ok
    assert not verify_param(public_pem, changed, sign, "lenient").ok

    # 5. raw check: 00 01 FF..FF 00 DigestInfo(SHA-256) || sha256(P)
    block = recovered_block(public_pem, sign)
    assert block == expected_block(len(block), SHA256_PREFIX + bytes.fromhex(sha256_hex))


@pytest.mark.parametrize("vector_id", list(VECTORS))
def test_vector_does_not_verify_with_the_other_pair(vector_id: str) -> None:
    param = VECTORS[vector_id][0]
    other_public = (
        EZPAY_DEMO_PLATFORM_PUBLIC_KEY
        if vector_id.startswith("R")
        else EZPAY_DEMO_MERCHANT_PUBLIC_KEY
    )
    assert not verify_param(other_public, param, PINNED[vector_id], "lenient").ok


@pytest.mark.parametrize("vector_id", ["R1", "R3", "C2"])
def test_sha1_signature_verifies_in_lenient_mode_only(vector_id: str) -> None:
    param = VECTORS[vector_id][0]
    private_pem, public_pem = keys_for(vector_id)
    sign = sign_param(private_pem, param, algorithm="sha1")

    block = recovered_block(public_pem, sign)
    sha1 = hashlib.sha1(param.encode("utf-8")).digest()
    assert block == expected_block(len(block), SHA1_PREFIX + sha1)

    assert verify_param(public_pem, param, sign) == Verdict(ok=False, form=None)
    assert verify_param(public_pem, param, sign, "lenient") == Verdict(ok=True, form="sha1")


def test_r1_and_r1b_sign_differently_and_both_verify() -> None:
    assert PINNED["R1"] != PINNED["R1b"]
    for vector_id in ("R1", "R1b"):
        param = VECTORS[vector_id][0]
        assert verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, PINNED[vector_id]).ok
    assert not verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, VECTORS["R1"][0], PINNED["R1b"]).ok


def test_sign_with_line_breaks_and_spaces_is_accepted() -> None:
    param, sign = VECTORS["R2"][0], PINNED["R2"]
    wrapped = "\r\n".join(sign[i : i + 64] for i in range(0, len(sign), 64)) + "\n"
    assert verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, wrapped).ok
    assert verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, " " + sign.replace("A", "A ")).ok


@pytest.mark.parametrize(
    "transform",
    [
        lambda s: s.rstrip("="),  # padding missing
        lambda s: s.replace("+", "-").replace("/", "_"),  # URL-safe alphabet
        lambda s: s + "\t",  # a tab is not among the characters removed
        lambda s: s[:100] + "*" + s[101:],
        lambda s: "",
        lambda s: s[:-4],  # valid Base64, wrong length
    ],
)
def test_undecodable_or_malformed_sign_is_rejected(transform: Callable[[str], str]) -> None:
    param, sign = VECTORS["R1"][0], PINNED["R1"]
    changed = transform(sign)
    if changed == sign:  # the URL-safe transform is a no-op without + or /
        pytest.skip("transform does not change this signature")
    for mode in ("strict", "lenient"):
        assert verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, changed, mode) == Verdict(
            ok=False, form=None
        )


def test_non_string_sign_is_rejected() -> None:
    param = VECTORS["R1"][0]
    assert not verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, None).ok  # type: ignore[arg-type]


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="mode"):
        verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, "{}", PINNED["R1"], "loose")


def test_param_is_signed_as_utf8_bytes() -> None:
    param = '{"customerName":"José Ñuñez"}'
    sign = sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    key = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    key.verify(base64.b64decode(sign), param.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())


def test_demo_keys_have_the_documented_shapes() -> None:
    for private_pem, public_pem in (
        (EZPAY_DEMO_MERCHANT_PRIVATE_KEY, EZPAY_DEMO_MERCHANT_PUBLIC_KEY),
        (EZPAY_DEMO_PLATFORM_PRIVATE_KEY, EZPAY_DEMO_PLATFORM_PUBLIC_KEY),
    ):
        assert private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
        assert pem_to_base64_der(private_pem).startswith("MIIEv")
        assert pem_to_base64_der(public_pem).startswith("MIIBIj")
        private_key, public_key = load_private_key(private_pem), load_public_key(public_pem)
        assert private_key.key_size == public_key.key_size == 2048
        assert private_key.public_key().public_numbers() == public_key.public_numbers()
    assert EZPAY_DEMO_MERCHANT_PUBLIC_KEY != EZPAY_DEMO_PLATFORM_PUBLIC_KEY


def test_keys_load_from_pem_and_from_single_line_base64_der() -> None:
    public_b64 = pem_to_base64_der(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    private_b64 = pem_to_base64_der(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
    assert "\n" not in public_b64 and "\n" not in private_b64
    expected = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY).public_numbers()
    assert load_public_key(public_b64).public_numbers() == expected
    assert load_public_key(f"  {public_b64}\n").public_numbers() == expected
    assert load_private_key(private_b64).public_key().public_numbers() == expected

    param = VECTORS["R1"][0]
    assert sign_param(private_b64, param) == PINNED["R1"]
    assert verify_param(public_b64, param, PINNED["R1"]).ok


def test_pem_variants_load() -> None:
    expected = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY).public_numbers()
    pem = EZPAY_DEMO_MERCHANT_PUBLIC_KEY
    escaped = pem.replace("\n", "\\n")  # as configs carry it on one line
    indented = "\n".join("    " + line for line in pem.splitlines())
    crlf = pem.replace("\n", "\r\n")
    for variant in (escaped, indented, crlf, pem.strip()):
        assert load_public_key(variant).public_numbers() == expected


def test_pkcs1_private_key_is_accepted() -> None:
    key = load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
    pkcs1_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert pkcs1_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    param = VECTORS["R1"][0]
    assert sign_param(pkcs1_pem, param) == PINNED["R1"]
    assert sign_param(pem_to_base64_der(pkcs1_pem), param) == PINNED["R1"]


def test_pkcs1_public_key_is_accepted() -> None:
    key = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    pkcs1_pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    ).decode()
    assert pkcs1_pem.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert verify_param(pkcs1_pem, VECTORS["R1"][0], PINNED["R1"]).ok


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a key",
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",  # truncated DER
        "-----BEGIN PUBLIC KEY-----\nMIIBIj\n",  # no END line
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
    ],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(KeyMaterialError):
        load_public_key(text)
    with pytest.raises(KeyMaterialError):
        load_private_key(text)


def test_a_private_key_where_a_public_one_is_needed_is_explained() -> None:
    for text in (
        EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
        pem_to_base64_der(EZPAY_DEMO_MERCHANT_PRIVATE_KEY),
    ):
        with pytest.raises(KeyMaterialError, match="private key"):
            load_public_key(text)
    with pytest.raises(KeyMaterialError, match="expected a private key"):
        load_private_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)


def test_non_rsa_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(KeyMaterialError, match="RSA"):
        load_public_key(public_pem)
    with pytest.raises(KeyMaterialError, match="RSA"):
        load_private_key(private_pem)


def test_encrypted_private_key_is_refused() -> None:
    key = load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(KeyMaterialError, match="encrypted"):
        load_private_key(encrypted)


def test_a_512_bit_key_is_refused() -> None:
    with pytest.raises(KeyMaterialError, match="512 bits"):
        load_private_key(SMALL_PRIVATE_KEY)
    small = serialization.load_pem_private_key(SMALL_PRIVATE_KEY.encode(), password=None)
    public_pem = (
        small.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(KeyMaterialError, match="512 bits"):
        load_public_key(public_pem)
    with pytest.raises(KeyMaterialError, match="512 bits"):
        load_public_key(pem_to_base64_der(public_pem))


def test_key_material_error_is_a_value_error() -> None:
    assert issubclass(KeyMaterialError, ValueError)


def test_pem_to_base64_der_refuses_non_pem() -> None:
    with pytest.raises(KeyMaterialError):
        pem_to_base64_der("MIIBIjANBg")


def test_generated_pairs_work_together() -> None:
    private_pem, public_pem = generate_key_pair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    # A random key's PKCS#8 DER length varies by a byte or two (integer padding), so only the
    # "SEQUENCE of 0x04xx bytes" prefix is fixed; the shipped demo keys do start "MIIEv".
    assert pem_to_base64_der(private_pem).startswith("MIIE")
    assert load_private_key(pem_to_base64_der(private_pem)).key_size == 2048
    assert pem_to_base64_der(public_pem).startswith("MIIBIj")
    sign = sign_param(private_pem, "{}")
    assert len(sign) == 344
    assert verify_param(public_pem, "{}", sign).ok
    assert not verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, "{}", sign).ok


def test_loaded_keys_are_cached() -> None:
    assert load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY) is load_public_key(
        EZPAY_DEMO_MERCHANT_PUBLIC_KEY
    )
