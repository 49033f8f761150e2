"""`payData` by channel type: VA numbers, hosted-page URLs, EMVCo-style QR."""

from __future__ import annotations

from decimal import Decimal

from sandbox.gateways.ezpay.channels import MINOR_PLACES, VA_PREFIXES, Channel, Country


def va_number(channel: Channel, transaction_id: str) -> str:
    """4-digit bank prefix + the last 12 digits of the transaction (or static code) id."""
    assert channel.bank is not None
    return VA_PREFIXES[channel.bank] + transaction_id[-12:]


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no xor-out."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def major_text(amount: Decimal, currency: str) -> str:
    """Minor units as major-unit text: 500 PHP → "5.00"; IDR stays whole."""
    places = MINOR_PLACES.get(currency, 2)
    return f"{(amount / (10**places)).quantize(Decimal(1).scaleb(-places)):f}"


def qr_payload(country: Country, ident: str, amount: Decimal | None) -> str:
    """The merchant-presented QR text: dynamic when `amount` is given (tag 54), else static."""
    parts = [
        _tlv("00", "01"),
        _tlv("01", "11" if amount is None else "12"),
        _tlv("26", _tlv("00", "SANDBOX.EZPAY") + _tlv("01", ident)),
        _tlv("52", "5999"),
        _tlv("53", country.numeric),
    ]
    if amount is not None:
        parts.append(_tlv("54", major_text(amount, country.currency)))
    parts += [_tlv("58", country.code), _tlv("59", "EZPAY SANDBOX"), _tlv("60", country.city)]
    body = "".join(parts) + "6304"
    return body + f"{crc16_ccitt_false(body.encode('utf-8')):04X}"
