"""`TrustPayClient`: signed TrustPay requests as a merchant sends them, and callback checks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from sandbox.client.http import DEFAULT_URL, GatewayClient
from sandbox.signing.md5 import trustpay_sign, trustpay_verify
from sandbox.signing.values import JsonNumber, compact_json, parse_json

DEMO_MERCHANT_ID = 8820250900009
DEMO_API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
DEMO_SECRET = "tp_test_secret_9f8e7d6c"
Envelope = dict[str, Any]


def num(text: str | int | Decimal) -> JsonNumber:
    """A JSON number token sent exactly as written (`num("5.00")` goes out as `5.00`)."""
    return JsonNumber(str(text))


def signed_body(fields: Mapping[str, Any], secret: str = DEMO_SECRET) -> bytes:
    """The compact JSON body of `fields` with `sign` added (numbers as `num(...)` keep their
    text)."""
    body = dict(fields)
    body["sign"] = trustpay_sign(body, secret)
    return compact_json(body).encode()


class TrustPayClient(GatewayClient):
    """TrustPay's merchant API at `url`, as the merchant `merchant_id` with `api_key` and the
    signing `secret` (the demo merchant by default).

    Answers are the parsed `{"code", "message", "data"}` envelope with every number kept as its
    exact text (`JsonNumber`, a `str`: compare with `"20.00"` or call `.as_decimal()`).
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        merchant_id: int | str = DEMO_MERCHANT_ID,
        api_key: str = DEMO_API_KEY,
        secret: str = DEMO_SECRET,
        timeout: float = 30,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, headers=headers, timeout=timeout, http=http)
        self.merchant_id = int(merchant_id)
        self.api_key = api_key
        self.secret = secret

    def signed_body(self, fields: Mapping[str, Any]) -> bytes:
        """The compact JSON body with `sign` added (numbers as `num(...)` keep their text)."""
        return signed_body(fields, self.secret)

    def send(
        self,
        path: str,
        body: Mapping[str, Any] | bytes,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST `body` to `path`: a mapping is signed, bytes go out as they are."""
        content = body if isinstance(body, bytes) else self.signed_body(body)
        sent = {"X-Api-Key": api_key or self.api_key, **self._headers(headers)}
        return self.http.post(path, content=content, headers=sent)

    def call(
        self, path: str, fields: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Envelope:
        """Sign and POST `fields`; the parsed envelope (any code: check `code` yourself)."""
        response = self.send(path, fields, headers=headers)
        response.raise_for_status()
        envelope: Envelope = parse_json(response.content)
        return envelope

    def _merchant(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {"merchant_id": self.merchant_id, **fields}

    def card_payin(self, **fields: Any) -> Envelope:
        """`/v4/payin/create/card`: a card pay-in (`order_no`, `order_amount`, `currency`,
        `notify_url`, `card_number`, `card_expiry`, `card_cvv`, holder and billing fields)."""
        return self.call("/v4/payin/create/card", self._merchant(fields))

    def cashier_payin(self, **fields: Any) -> Envelope:
        """`/v4/payin/create/order`: a hosted-cashier pay-in; `data.pay_url` is the page."""
        return self.call("/v4/payin/create/order", self._merchant(fields))

    def query(self, order_no: str | None = None, **fields: Any) -> Envelope:
        """`/v4/query/order`: one pay-in or payout by `order_no` (or `platform_order_no`)."""
        body = {"order_no": order_no, **fields} if order_no is not None else fields
        return self.call("/v4/query/order", body)

    def balance(self, currency: str = "USD") -> Envelope:
        """`/v4/balance`: `data.balance`, `frozen` and `reserve` of one currency."""
        return self.call("/v4/balance", {"currency_id": currency})

    def refund(self, **fields: Any) -> Envelope:
        """`/v4/order/refund`: refund a paid pay-in, fully or in parts."""
        return self.call("/v4/order/refund", self._merchant(fields))

    def fee_overview(self) -> Envelope:
        """`/v4/fee-overview`: the merchant's fee configuration."""
        return self.call("/v4/fee-overview", {})

    def payout(self, **fields: Any) -> Envelope:
        """`/v2/payout/create`: an INR bank payout (camelCase fields: `orderNo`, `amount`,
        `currency`, `notifyUrl`, `accountNo`, `accountName`, `ifsc`); a flat answer."""
        return self.call("/v2/payout/create", {"merchantId": self.merchant_id, **fields})

    # The legacy v3 gateway endpoints: camelCase fields, `merchantId` required on each.

    def _v3(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {"merchantId": self.merchant_id, **fields}

    def v3_card_payin(self, *, wait: bool = True, **fields: Any) -> Envelope:
        """`/v3/payin/create/card/sync` (or `/async` with `wait=False`, the result arriving by
        callback): a v3 card pay-in (`orderNo`, `orderAmount`, `currency`, `notifyUrl`,
        `cardNumber`, `cardExpiry`, `cardCVV`, `cardHolderName`, optional billing fields)."""
        path = "/v3/payin/create/card/sync" if wait else "/v3/payin/create/card/async"
        return self.call(path, self._v3(fields))

    def v3_cashier_payin(self, **fields: Any) -> Envelope:
        """`/v3/payin/create/order`: a v3 hosted-cashier pay-in; `data.payUrl` is the page."""
        return self.call("/v3/payin/create/order", self._v3(fields))

    def v3_query(self, order_no: str | None = None, **fields: Any) -> Envelope:
        """`/v3/query/order`: one order by `orderNo` (or `platformOrderNo`), v3 field names."""
        body = {"orderNo": order_no, **fields} if order_no is not None else fields
        return self.call("/v3/query/order", self._v3(body))

    def v3_balance(self, currency: str = "USD") -> Envelope:
        """`/v3/balance`: `data.balance`, `frozen` and `reserve` of one currency."""
        return self.call("/v3/balance", self._v3({"currencyId": currency}))

    # Credit-card issuing (virtual cards, `/v3/vcard/…`): snake_case fields, no merchant id.

    def vcard_types(self) -> Envelope:
        """`/v3/vcard/card-types`: the virtual card products (`data.items`)."""
        return self.call("/v3/vcard/card-types", {})

    def vcard_open(self, **fields: Any) -> Envelope:
        """`/v3/vcard/open`: open a virtual card (`card_type_id`, `amount`, `first_name`,
        `last_name`, `email`, `notify_url`, optional `order_no`); the card arrives by callback."""
        return self.call("/v3/vcard/open", fields)

    def vcard_detail(self, card_id: int) -> Envelope:
        """`/v3/vcard/detail`: one virtual card with its number, CVV, expiry and balance."""
        return self.call("/v3/vcard/detail", {"card_id": card_id})

    def vcard_recharge(self, **fields: Any) -> Envelope:
        """`/v3/vcard/recharge`: top up a card (`card_id`, `amount`, `notify_url`, optional
        `order_no`)."""
        return self.call("/v3/vcard/recharge", fields)

    def vcard_charges(self, **page: Any) -> Envelope:
        """`/v3/vcard/charges`: card orders (`OPEN_CARD`, `CARD_CHARGE`), `page`/`page_size`."""
        return self.call("/v3/vcard/charges", page)

    def vcard_cards(self, **page: Any) -> Envelope:
        """`/v3/vcard/cards`: the merchant's virtual cards, `page`/`page_size`."""
        return self.call("/v3/vcard/cards", page)

    def vcard_transactions(self, **fields: Any) -> Envelope:
        """`/v3/vcard/transactions`: authorisations and settlements (optional `card_id`,
        `page`, `page_size`)."""
        return self.call("/v3/vcard/transactions", fields)

    def vcard_fees(self, card_type_id: str | None = None) -> Envelope:
        """`/v3/vcard/fee-config`: fee rules, optionally of one card type."""
        body = {} if card_type_id is None else {"card_type_id": card_type_id}
        return self.call("/v3/vcard/fee-config", body)

    # Physical-card issuing (`/v3/pcard/…`).

    def pcard_create_cardholder(self, **fields: Any) -> Envelope:
        """`/v3/pcard/cardholder`: register a cardholder for KYC (`first_name`, `last_name`,
        `email`, `country_code`, `phone_number`, optional `notify_url`)."""
        return self.call("/v3/pcard/cardholder", fields)

    def pcard_cardholders(self, **page: Any) -> Envelope:
        """`/v3/pcard/cardholders`: the merchant's cardholders, `page`/`page_size`."""
        return self.call("/v3/pcard/cardholders", page)

    def pcard_assign(self, **fields: Any) -> Envelope:
        """`/v3/pcard/cards/assign`: assign a physical card to an approved cardholder
        (`cardholder_id`, `card_currency`, optional `card_number`)."""
        return self.call("/v3/pcard/cards/assign", fields)

    def pcard_cards(self, **fields: Any) -> Envelope:
        """`/v3/pcard/cards`: assigned physical cards (optional `cardholder_id`, paging)."""
        return self.call("/v3/pcard/cards", fields)

    def pcard_balance(self, card_id: str) -> Envelope:
        """`/v3/pcard/card-balance`: one physical card's balance."""
        return self.call("/v3/pcard/card-balance", {"card_id": card_id})

    def pcard_transactions(self, card_id: str, **page: Any) -> Envelope:
        """`/v3/pcard/card-transactions`: one physical card's transactions, paged."""
        return self.call("/v3/pcard/card-transactions", {"card_id": card_id, **page})

    def pcard_account(self) -> Envelope:
        """`/v3/pcard/account`: the card account's available and frozen balance."""
        return self.call("/v3/pcard/account", {})

    def pcard_charge(self, **fields: Any) -> Envelope:
        """`/v3/pcard/card-charge`: move money from the card account onto a physical card
        (`card_id`, `amount`, `order_no`); synchronous, no callback."""
        return self.call("/v3/pcard/card-charge", fields)

    def verify_callback(self, body: bytes, headers: Mapping[str, str] | None = None) -> bool:
        """True when a callback body is JSON from this merchant with a valid `sign` over the
        values exactly as received — what a notify handler must check before trusting it."""
        try:
            fields = parse_json(body)
        except ValueError:
            return False
        if not isinstance(fields, dict):
            return False
        merchant = fields.get("merchant_id", fields.get("merchantId"))
        if merchant is None or str(merchant) != str(self.merchant_id):
            return False
        return trustpay_verify(fields, self.secret).ok
