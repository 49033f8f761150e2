"""Card issuing state shared by virtual and physical cards.

Everything lives in the shared `orders` table, one `kind` per object:

| kind | platform_id | merchant_order_id | parent_id | amount | status |
|---|---|---|---|---|---|
| `card_order` | `VC…` / `PC…` (physical) | the `order_no` | card | order amount | 1-4 |
| `vcard` | integer `card_id` as text | `""` | — | card balance | ACTIVE… |
| `pcard` | card UUID | `""` | cardholder UUID | card balance | ACTIVE… |
| `cardholder` | cardholder UUID | `""` | — | 0 | PENDING… |
| `vcard_txn` / `pcard_txn` | transaction UUID | `""` | card platform id | amount | APPROVED… |

The merchant's card-issuing account is the balance account `card` (USD `available_balance`) and
`card-frozen` (`frozen_balance`). PANs come from Faker, seeded from the sandbox's seeded
generator, so one `SANDBOX_SEED` gives the same cards; Faker is imported on the first card only.
"""

from __future__ import annotations

import functools
import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from sandbox.clock import format_instant
from sandbox.gateways.orders import (
    Order,
    find_order,
    get_order,
    highest_numeric_id,
    insert_order,
    new_order,
    page_of_orders,
)
from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.gateways.trustpay.fees import cents, fee_for, rate_number
from sandbox.gateways.trustpay.fields import Fields
from sandbox.gateways.trustpay.merchant import CardType, TrustPayMerchant
from sandbox.gateways.trustpay.ordering import CARD_ORDER_NUMBERS
from sandbox.gateways.trustpay.pipeline import GATEWAY, Call, Handler, trustpay_route
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.signing.values import JsonNumber
from sandbox.store import Store
from sandbox.store.balances import adjust_balance, get_balance
from sandbox.store.sequences import take_next

if TYPE_CHECKING:
    from faker import Faker

CARD_ORDER = "card_order"
VCARD = "vcard"
PCARD = "pcard"
CARDHOLDER = "cardholder"
VCARD_TXN = "vcard_txn"
PCARD_TXN = "pcard_txn"

OPEN_CARD = "OPEN_CARD"
CARD_CHARGE = "CARD_CHARGE"
LOAD = "LOAD"

PENDING, PROCESSING, FAILED, SUCCEEDED = "1", "2", "3", "4"
ACTIVE, FROZEN, CANCELLED = "ACTIVE", "FROZEN", "CANCELLED"
CARD_STATUSES = (ACTIVE, FROZEN, CANCELLED)

ACCOUNT = "card"
FROZEN_ACCOUNT = "card-frozen"
CARD_CURRENCY = "USD"
PHYSICAL_BIN = "453201"
VCARD_IDS = "trustpay.vcard"  # the shared counter of virtual card ids


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9]{4,20}")
# ISO 3166-1 alpha-2: every assigned code (249).
_COUNTRY_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW"""
COUNTRIES = frozenset(_COUNTRY_TEXT.split())


# -- values ---------------------------------------------------------------------------------


def number(value: Decimal) -> JsonNumber:
    """A JSON number with two decimals (`30.00`)."""
    return JsonNumber(f"{cents(value):f}")


def text(value: Decimal) -> str:
    """A string amount with two decimals (`"100.00"`), as the physical-card family sends."""
    return f"{cents(value):f}"


def rate(value: Decimal) -> JsonNumber:
    """A rate as the shortest decimal (`0.03`, `1.5`, `0`)."""
    return JsonNumber(f"{rate_number(value):f}")


def timestamp(moment: datetime) -> str:
    return format_instant(moment)


def card_fee(amount: Decimal, card_type: CardType) -> Decimal:
    """The.6 formula with the card type's rate (a percentage) and fixed part (no minimum)."""
    return fee_for(amount, card_type.open_card_fee_rate, card_type.open_card_fee_fixed)


def card_route(path: str, operation: str, handler: Handler) -> Route:
    """A card endpoint: `/v3/…` paths through the v3 pipeline."""
    return trustpay_route(path, operation, "v3", handler)


def fields(call: Call) -> Fields:
    """Card-issuer requests are snake_case although their paths are `/v3/…`."""
    return Fields(call.body, camel=False)


def card_type(merchant: TrustPayMerchant, card_type_id: str) -> CardType | None:
    for product in merchant.card_types:
        if product.card_type_id == card_type_id:
            return product
    return None


def luhn_check_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number_text: str) -> bool:
    return (
        number_text.isascii()
        and number_text.isdigit()
        and luhn_check_digit(number_text[:-1]) == number_text[-1]
    )


def mask(pan: str) -> str:
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def new_uuid(sandbox: Sandbox) -> str:
    return str(uuid.UUID(int=sandbox.rng.getrandbits(128), version=4))


@functools.cache
def _faker() -> Faker:
    from faker import Faker  # slow to import: on the first card only

    return Faker("en_US")


def issue_pan(sandbox: Sandbox, bin_digits: str) -> tuple[str, str]:
    """A 16-digit Luhn-valid PAN from `bin_digits`, and a 3-digit CVV (seeded Faker)."""
    fake = _faker()
    fake.seed_instance(sandbox.rng.getrandbits(64))
    body = bin_digits + fake.numerify("#" * (15 - len(bin_digits)))
    return body + luhn_check_digit(body), fake.numerify("###")


def expiry_after(moment: datetime, months: int = 36) -> str:
    index = moment.year * 12 + moment.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# -- the card account -------------------------------------------------------------------------


@dataclass(frozen=True)
class CardAccount:
    available: Decimal
    frozen: Decimal


def card_account(store: Store, merchant: str) -> CardAccount:
    available = get_balance(store, GATEWAY, merchant, CARD_CURRENCY, ACCOUNT)
    frozen = get_balance(store, GATEWAY, merchant, CARD_CURRENCY, FROZEN_ACCOUNT)
    return CardAccount(
        available.available if available is not None else Decimal("0.00"),
        frozen.available if frozen is not None else Decimal("0.00"),
    )


def move_account(
    store: Store,
    merchant: str,
    now: datetime,
    *,
    available: Decimal = Decimal("0"),
    frozen: Decimal = Decimal("0"),
) -> None:
    if available:
        adjust_balance(store, GATEWAY, merchant, CARD_CURRENCY, available, now, ACCOUNT)
    if frozen:
        adjust_balance(store, GATEWAY, merchant, CARD_CURRENCY, frozen, now, FROZEN_ACCOUNT)


def account_id(sandbox: Sandbox, merchant: str) -> str:
    """A stable UUID v4 for the merchant's card account (same seed, same id)."""
    bits = random.Random(f"{sandbox.settings.seed}:{merchant}:card-account").getrandbits(128)
    return str(uuid.UUID(int=bits, version=4))


# -- lookups and pages ---------------------------------------------------------------------


def find(store: Store, merchant: str, kind: str, platform_id: str) -> Order | None:
    return find_order(store, GATEWAY, merchant, platform_id=platform_id, kind=kind)


def find_card_order(store: Store, merchant: str, order_no: str) -> Order | None:
    return find_order(store, GATEWAY, merchant, merchant_order_id=order_no, kind=CARD_ORDER)


def card_by_id(store: Store, card_id: str) -> Order | None:
    """A virtual (integer id) or physical (UUID) card of any merchant (admin helpers)."""
    order = get_order(store, GATEWAY, card_id)
    return order if order is not None and order.kind in (VCARD, PCARD) else None


def page_of(
    store: Store,
    merchant: str,
    kind: str,
    page: int,
    size: int,
    parent_id: str | None = None,
) -> tuple[list[Order], int]:
    """One page of a merchant's objects of `kind`, newest first, and the total."""
    return page_of_orders(
        store, GATEWAY, merchant, kind, size, (page - 1) * size, parent_id=parent_id
    )


def listing(items: list[dict[str, Any]], page: int, size: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "page_size": size, "total": total}


def next_card_id(store: Store) -> int:
    """Virtual card ids count from 1 across the gateway, so an admin `{card_id}` is unambiguous.
    Replicas on one database take them from one shared counter (forgotten on reset), so two
    cards opened at once on two replicas never get the same id."""
    if store.shared:
        return take_next(store, VCARD_IDS, lambda: highest_numeric_id(store, GATEWAY, VCARD) + 1)
    return highest_numeric_id(store, GATEWAY, VCARD) + 1


def new_card_order_no(sandbox: Sandbox, prefix: str = "VC") -> str:
    """`VC` + `yyyymmdd` + 8 lowercase hex, unique in the gateway."""
    day = sandbox.clock.now().strftime("%Y%m%d")
    while True:
        candidate = f"{prefix}{day}{sandbox.rng.getrandbits(32):08x}"
        if get_order(sandbox.store, GATEWAY, candidate) is None:
            return candidate


def new_object(
    sandbox: Sandbox,
    merchant: str,
    kind: str,
    platform_id: str,
    *,
    amount: Decimal = Decimal("0.00"),
    currency: str = CARD_CURRENCY,
    status: str,
    data: dict[str, Any],
    merchant_order_id: str = "",
    parent_id: str | None = None,
    plan: Plan | None = None,
) -> Order:
    now = sandbox.clock.now()
    order = new_order(
        GATEWAY,
        merchant,
        kind,
        platform_id=platform_id,
        merchant_order_id=merchant_order_id,
        amount=amount,
        currency=currency,
        status=status,
        now=now,
        data=data,
        parent_id=parent_id,
        plan=None if plan is None else plan.to_json(),
        number_space=CARD_ORDER_NUMBERS if kind == CARD_ORDER else None,
    )
    return insert_order(sandbox.store, order)


def not_found(what: str) -> TrustPayError:
    return bad_request(f"{what} not found")
