"""EzPay's countries, channel tables and payout codes.

Everything the pipeline, `payData` and the report need to know about a country lives here, so
the endpoint modules never spell a country code or a channel list themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChannelType = Literal["URL", "VA", "QR"]


@dataclass(frozen=True)
class Country:
    slug: str  # path segment: "philippines"
    code: str  # countryCode: "PH"
    currency: str  # "PHP"
    numeric: str  # ISO 4217 numeric, for the QR payload
    city: str  # QR tag 60
    operations: frozenset[str]  # operation ids served on this country's paths


_PAYOUT = {"payout.create", "payout.query"}
_PAYMENT = {"payment.create", "payment.query"}
_STATIC = {"static.create", "static.detail", "static.list"}

COUNTRIES: dict[str, Country] = {
    c.slug: c
    for c in (
        Country(
            "philippines",
            "PH",
            "PHP",
            "608",
            "MANILA",
            frozenset(_PAYOUT | _PAYMENT | _STATIC | {"static.cancel"}),
        ),
        Country(
            "indonesia", "ID", "IDR", "360", "JAKARTA", frozenset(_PAYOUT | _PAYMENT | _STATIC)
        ),
        Country("malaysia", "MY", "MYR", "458", "KUALA LUMPUR", frozenset(_PAYOUT | _PAYMENT)),
        Country("thailand", "TH", "THB", "764", "BANGKOK", frozenset(_PAYOUT | _PAYMENT | _STATIC)),
        Country("russia", "RU", "RUB", "643", "MOSCOW", frozenset(_PAYMENT)),
    )
}
BY_CODE: dict[str, Country] = {c.code: c for c in COUNTRIES.values()}
BY_CURRENCY: dict[str, Country] = {c.currency: c for c in COUNTRIES.values()}
CURRENCIES = ("PHP", "IDR", "MYR", "THB", "RUB", "USD")

# IDR is carried in whole rupiah, everything else in hundredths.
MINOR_PLACES: dict[str, int] = {"PHP": 2, "MYR": 2, "THB": 2, "RUB": 2, "USD": 2, "IDR": 0}


@dataclass(frozen=True)
class Channel:
    code: str
    country: str  # slug
    type: ChannelType
    static: bool
    bank: str | None = None  # VA channels: the bank whose prefix numbers the account


_DYNAMIC: tuple[tuple[str, str, ChannelType, str | None], ...] = (
    ("philippines", "PH_GCASH_URL", "URL", None),
    ("philippines", "PH_MAYA_URL", "URL", None),
    ("philippines", "PH_GRABPAY_URL", "URL", None),
    ("philippines", "PH_QRPH_DYNAMIC", "QR", None),
    ("philippines", "PH_GCASH_QR", "QR", None),
    ("indonesia", "ID_BCA_VA", "VA", "BCA"),
    ("indonesia", "ID_BNI_VA", "VA", "BNI"),
    ("indonesia", "ID_BRI_VA", "VA", "BRI"),
    ("indonesia", "ID_MANDIRI_VA", "VA", "MANDIRI"),
    ("indonesia", "ID_PERMATA_VA", "VA", "PERMATA"),
    ("indonesia", "ID_CIMB_VA", "VA", "CIMB"),
    ("indonesia", "ID_QRIS", "QR", None),
    ("indonesia", "ID_OVO_URL", "URL", None),
    ("indonesia", "ID_DANA_URL", "URL", None),
    ("indonesia", "ID_SHOPEEPAY_URL", "URL", None),
    ("malaysia", "MY_TNG_URL", "URL", None),
    ("malaysia", "MY_BOOST_URL", "URL", None),
    ("malaysia", "MY_GRABPAY_URL", "URL", None),
    ("malaysia", "MY_FPX_URL", "URL", None),
    ("malaysia", "MY_DUITNOW_QR", "QR", None),
    ("thailand", "THAI_DYNAMIC_QR", "QR", None),
    ("thailand", "TRUEMONEY_DYNAMIC_QR", "QR", None),
    ("thailand", "WECHAT_DYNAMIC_QR", "QR", None),
    ("thailand", "TRUEMONEY_URL", "URL", None),
    ("thailand", "WECHAT_URL", "URL", None),
    ("thailand", "WECHAT_JS_URL", "URL", None),
    ("russia", "RU_SBP_QR", "QR", None),
    ("russia", "RU_CARD_URL", "URL", None),
)
_STATIC_CHANNELS: tuple[tuple[str, str, ChannelType, str | None], ...] = (
    ("philippines", "PH_QRPH_STATIC", "QR", None),
    ("indonesia", "ID_BCA_STATIC_VA", "VA", "BCA"),
    ("indonesia", "ID_BNI_STATIC_VA", "VA", "BNI"),
    ("indonesia", "ID_QRIS_STATIC", "QR", None),
    ("thailand", "TH_PROMPTPAY_STATIC_QR", "QR", None),
)

CHANNELS: dict[str, Channel] = {
    **{code: Channel(code, slug, kind, False, bank) for slug, code, kind, bank in _DYNAMIC},
    **{code: Channel(code, slug, kind, True, bank) for slug, code, kind, bank in _STATIC_CHANNELS},
}

VA_PREFIXES: dict[str, str] = {
    "BCA": "3901",
    "BNI": "9888",
    "BRI": "2621",
    "MANDIRI": "8950",
    "PERMATA": "8528",
    "CIMB": "5919",
}


def channel_for(country: str, code: str, *, static: bool) -> Channel | None:
    """The channel `code` of `country` on a dynamic (or static) endpoint; None → 21005."""
    channel = CHANNELS.get(code)
    if channel is None or channel.country != country or channel.static != static:
        return None
    return channel


# Payout pay-method codes and their transfer codes per country.
PAYOUT_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "philippines": {
        "BANK": ("BDO", "BPI", "MBTC", "UBP", "LBP", "PNB", "RCBC", "SECB"),
        "EWALLET": ("GCASH", "PAYMAYA", "GRABPAY"),
    },
    "indonesia": {
        "BANK": ("BCA", "BNI", "BRI", "MANDIRI", "CIMB", "PERMATA", "DANAMON", "BSI"),
        "EWALLET": ("OVO", "DANA", "GOPAY", "SHOPEEPAY"),
    },
    "malaysia": {
        "BANK": ("MBBE", "CIBB", "PBBE", "RHBB", "HLBB", "AMMB"),
        "EWALLET": ("TNG",),
    },
    "thailand": {
        "BANK": ("BKKB", "KBANK", "KTB", "SCB", "KSAB", "TTB", "GSB"),
        "EWALLET": ("TRUEMONEY",),
        "PROMPTPAY": (),
    },
}
