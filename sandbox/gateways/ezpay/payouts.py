"""Payouts ("disbursement"): `payout.create` and `payout.query`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.directives import plan_blocks, processes
from sandbox.gateways.ezpay.callbacks import query_head
from sandbox.gateways.ezpay.channels import PAYOUT_CODES, Country
from sandbox.gateways.ezpay.codes import EzPayError, param_error
from sandbox.gateways.ezpay.ids import new_id
from sandbox.gateways.ezpay.lifecycle import (
    PAYOUT_DELAY,
    PENDING,
    Result,
    payout_url,
    run_planned,
    schedule,
)
from sandbox.gateways.ezpay.money import balance_minor, fmt_time, move, payout_fee
from sandbox.gateways.ezpay.pipeline import Call, success
from sandbox.gateways.ezpay.rules import check_amount, check_daily_limits, not_found
from sandbox.gateways.orders import (
    Order,
    claim_value,
    data_taken,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
)
from sandbox.gateways.outcomes import Outcome, planned_after

DUPLICATE_ORDER = 21007
BALANCE_INSUFFICIENT = 21014
DUPLICATE_IDEMPOTENCY = 21015
IDEMPOTENCY = "payout.idempotencyId"  # the claim space of a payout's idempotencyId
BANK_CODE_ERROR = 21012
WALLET_CODE_ERROR = 21013
TRANSFER_CODE_ERROR = 21018
PAY_METHOD_ERROR = 21019
ID_PAYOUT_MINIMUM = Decimal(10000)

_ORDER_ID_LENGTH = {"indonesia": (10, 32), "thailand": (10, 32)}
_IDEMPOTENCY_LENGTH = {"philippines": (10, 30)}


def _check_codes(country: Country, method: str, transfer: str | None) -> None:
    """The transfer code errors, in their order: 21018, 21012, 21013 (an unknown pay method,
    21019, is refused before this; see docs/gateways/ezpay.md)."""
    lists = PAYOUT_CODES[country.slug]
    if method == "PROMPTPAY":
        if transfer is not None and transfer != "PROMPTPAY":
            raise EzPayError(TRANSFER_CODE_ERROR)
        return
    assert transfer is not None
    if transfer in lists[method]:
        return
    if any(transfer in codes for other, codes in lists.items() if other != method):
        raise EzPayError(TRANSFER_CODE_ERROR)
    raise EzPayError(BANK_CODE_ERROR if method == "BANK" else WALLET_CODE_ERROR)


def _account_no_shape(call: Call, country: Country, method: str) -> tuple[str, str] | None:
    """The strict_validation shape of `accountNo`, when one applies."""
    if not call.merchant.strict_validation:
        return None
    raw_type = call.param.get("accountType")
    if country.slug == "philippines" and method == "EWALLET":
        return r"09[0-9]{9}", "09 followed by 9 digits"
    if country.slug == "malaysia" and raw_type == "MOBILE_NUMBER":
        return r"01[0-9]{8,9}", "01 followed by 8-9 digits"
    if country.slug == "thailand" and method == "PROMPTPAY":
        kind = call.param.get("promptpayAccountType")
        if kind == "NATID":
            return r"[0-9]{13}", "13 digits"
        if kind == "MSISDN":
            return r"0[0-9]{9}", "0 followed by 9 digits"
    return None


def _read(call: Call, country: Country) -> dict[str, Any]:
    f = call.fields
    slug = country.slug
    th = slug == "thailand"
    fields: dict[str, Any] = {}
    fields["mchOrderId"] = f.ident("mchOrderId", _ORDER_ID_LENGTH.get(slug, (1, 32)))
    fields["idempotencyId"] = f.ident("idempotencyId", _IDEMPOTENCY_LENGTH.get(slug, (10, 32)))
    fields["amount"] = f.integer("amount")
    method = f.text("payMethodCode")
    fields["payMethodCode"] = method
    if method not in PAYOUT_CODES[slug]:
        raise EzPayError(PAY_METHOD_ERROR)
    if th and method in ("BANK", "EWALLET"):
        f.require_when("transferCode", "payMethodCode", method)
    transfer = f.string("transferCode", required=not th)
    _check_codes(country, method, transfer)
    fields["transferCode"] = transfer
    if th and method == "PROMPTPAY":
        f.require_when("promptpayAccountType", "payMethodCode", "PROMPTPAY")
        fields["promptpayAccountType"] = f.choice("promptpayAccountType", ("NATID", "MSISDN"))
    shape = _account_no_shape(call, country, method)
    if shape is not None:
        fields["accountNo"] = f.phone("accountNo", length=(1, 50), strict=shape)
    elif method == "EWALLET":
        fields["accountNo"] = f.phone("accountNo", length=(1, 50))
    else:
        fields["accountNo"] = f.text("accountNo", (1, 50))
    name_needed = not th or method in ("BANK", "EWALLET")
    if th and name_needed:
        f.require_when("accountName", "payMethodCode", method)
    name = f.string("accountName", required=name_needed, length=(1, 128))
    if (
        name is not None
        and slug == "philippines"
        and not all(ch.isalnum() or ch in " '.-" for ch in name)
    ):
        raise param_error(
            "accountName may contain only letters, digits, spaces and the characters ' . -"
        )
    fields["accountName"] = name
    if slug == "malaysia":
        fields["accountType"] = f.choice("accountType", ("MOBILE_NUMBER", "BANK_ACCOUNT"))
    if th and method == "BANK":
        f.require_when("accountType", "payMethodCode", "BANK")
        fields["accountType"] = f.choice("accountType", ("INDIVIDUAL", "ORGANIZATION"))
        f.require_when("accountTaxId", "payMethodCode", "BANK")
        fields["accountTaxId"] = f.text("accountTaxId", (1, 50))
    if slug == "indonesia" or (th and method == "BANK"):
        if th:
            f.require_when("mobile", "payMethodCode", "BANK")
        strict = None
        if call.merchant.strict_validation:
            strict = (
                (r"0[689][0-9]{8}", "10 digits starting 06, 08 or 09")
                if th
                else (r"08[0-9]{8,11}", "10-13 digits starting 08")
            )
        fields["mobile"] = f.phone("mobile", strict=strict)
    if th:
        fields["relationship"] = f.string("relationship", required=False, length=(1, 50))
    fields["remark"] = f.string("remark", required=False, length=(1, 256))
    fields["notifyUrl"] = f.url("notifyUrl", required=False)
    return fields


def _idempotency_used(call: Call, key: str) -> bool:
    return data_taken(
        call.sandbox.store, "ezpay", "idempotencyId", key, merchant=call.merchant_id, kind="payout"
    )


async def create(call: Call) -> Response:
    country = call.need_country()
    fields = _read(call, country)
    order_no: str = fields["mchOrderId"]
    amount: Decimal = fields["amount"]
    currency = country.currency
    channel = fields["transferCode"] or fields["payMethodCode"]
    plan = call.plan_for(order_no=order_no, amount=amount, currency=currency, channel=channel)
    if not processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    merchant = call.merchant
    with refusing_duplicates(lambda: EzPayError(DUPLICATE_ORDER)), store.transaction():
        if _idempotency_used(call, fields["idempotencyId"]):
            raise EzPayError(DUPLICATE_IDEMPOTENCY)
        if (
            find_order(store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="payout")
            is not None
        ):
            raise EzPayError(DUPLICATE_ORDER)
        minimum = ID_PAYOUT_MINIMUM if country.slug == "indonesia" else None
        check_amount(merchant, amount, currency, minimum)
        check_daily_limits(call, amount, currency)
        fee = payout_fee(merchant, amount, currency)
        if balance_minor(store, call.merchant_id, currency) < amount + fee:
            raise EzPayError(BALANCE_INSUFFICIENT)
        now = call.now()
        data = {
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in fields.items()
            if v is not None and k not in ("mchOrderId", "amount")
        }
        data.update(country=country.slug, fee=str(fee), directives=plan_blocks(plan))
        order = new_order(
            "ezpay",
            call.merchant_id,
            "payout",
            platform_id=new_id(call.sandbox, "D"),
            merchant_order_id=order_no,
            amount=amount,
            currency=currency,
            status=PENDING,
            now=now,
            data=data,
            plan=plan.to_json(),
            number_space="payout",
        )
        # Another request with this idempotencyId may have passed the look-up above at once.
        if not claim_value(store, "ezpay", call.merchant_id, IDEMPOTENCY, fields["idempotencyId"]):
            raise EzPayError(DUPLICATE_IDEMPOTENCY)
        insert_order(store, order)
        move(store, call.merchant_id, currency, -(amount + fee), now)
        result = Outcome.planned(plan)
        if result is None:
            schedule(call.sandbox, order, now + PAYOUT_DELAY, Result("success"))
        elif result.status in ("success", "failed"):
            after = planned_after(plan, PAYOUT_DELAY)
            run_planned(call.sandbox, order, result, after)

    if call.sandbox.delivery.target_for(payout_url(merchant, order)) is None:
        call.note = "10000 Success; no payout callback URL"

    def normal() -> Response:
        return success(
            {
                "mchOrderId": order.merchant_order_id,
                "transactionId": order.platform_id,
                "transactionStatus": PENDING,
                "transactionTime": fmt_time(order.created_at, merchant),
            }
        )

    return await call.answer(plan, normal)


def payout_view(call: Call, order: Order) -> dict[str, Any]:
    data = query_head(order, call.merchant)
    if order.data.get("remark"):
        data["remark"] = order.data["remark"]
    if order.status == "FAILED":
        data["failedCode"] = order.data.get("failedCode")
        data["failedMessage"] = order.data.get("failedMessage")
    return data


async def query(call: Call) -> Response:
    country = call.need_country()
    order_no = call.fields.text("mchOrderId", (1, 32))
    plan = call.plan_for(order_no=order_no, currency=country.currency)
    if not processes(plan):
        return await call.answer(plan, None)
    order = find_order(
        call.sandbox.store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="payout"
    )
    if order is None or order.data.get("country") != country.slug:
        raise not_found(call.merchant)
    view = payout_view(call, order)
    return await call.answer(plan, lambda: success(view))
