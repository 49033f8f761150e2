"""Card and billing field rules of the card pay-ins: Luhn, expiry, CVV, ISO
3166-1 countries and the US/Canada regions, e-mail and phone syntax."""

from __future__ import annotations

import re
from datetime import datetime

# Every assigned ISO 3166-1 alpha-2 code (249).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a readable block of codes
)

# ISO 3166-2:US without the prefix: 50 states, DC and the outlying areas.
US_STATES = frozenset(
    """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI
    """.split()  # noqa: SIM905 - a readable block of codes
)
CA_PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())  # noqa: SIM905

_DIGITS = re.compile(r"[0-9]{12,19}")
_EXPIRY = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
CVV = re.compile(r"[0-9]{3,4}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"[0-9 +\-()]{1,32}")


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# The card numbers of the Card Direct Payin (v4) and Sync Card Direct Payin (v3) examples: they
# fail Luhn, yet the published examples are meant to be replayed, so the API accepts them.
DOCS_EXAMPLE_CARDS = frozenset({"4111111111111117", "4111111111111118"})


def valid_card_number(number: str) -> bool:
    """12-19 ASCII digits passing Luhn."""
    return _DIGITS.fullmatch(number) is not None and luhn_ok(number)


def accepted_card_number(number: str) -> bool:
    """What the card pay-in endpoints take: a valid number, or one of the docs' examples."""
    return number in DOCS_EXAMPLE_CARDS or valid_card_number(number)


def expiry_problem(expiry: str, now: datetime) -> str | None:
    """None when `YYYY-MM` is well formed and not before the current (UTC) month."""
    match = _EXPIRY.fullmatch(expiry)
    if match is None:
        return "expected YYYY-MM"
    if (int(match.group(1)), int(match.group(2))) < (now.year, now.month):
        return "card expired"
    return None


def state_problem(country: str | None, state: str | None) -> str | None:
    """The `billing_state` rule for `country`: a code for US/CA, free text ≤ 64 elsewhere."""
    if country == "US" and state not in US_STATES:
        return "a US state code"
    if country == "CA" and state not in CA_PROVINCES:
        return "a Canadian province code"
    if state is not None and len(state) > 64:
        return "at most 64 characters"
    return None
