"""Account operations: `balance`, `balance.v2` and `report.download`.

Reports are CSV snapshots taken at request time, served at a `/_sandbox/reports/<token>.csv` link
that lives one hour of sandbox time (then HTTP 410). They are kept in memory per running sandbox.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.admin.errors import admin_error_response
from sandbox.gateways.directives import processes
from sandbox.gateways.ezpay.callbacks import return_instant
from sandbox.gateways.ezpay.channels import BY_CODE, BY_CURRENCY, CURRENCIES
from sandbox.gateways.ezpay.codes import EzPayError, param_error
from sandbox.gateways.ezpay.lifecycle import PENDING
from sandbox.gateways.ezpay.money import balance_text, day_bounds, fmt_time, to_major, zone
from sandbox.gateways.ezpay.pipeline import NOT_OPENED, Call, success
from sandbox.gateways.orders import Order, OrderFilter, list_orders
from sandbox.pages.layout import public_base
from sandbox.runtime import Sandbox

REPORT_LIFETIME = timedelta(hours=1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNTRY_CODES = tuple(BY_CODE)


def _opened_country(call: Call, code: str) -> None:
    if BY_CODE[code].slug not in call.merchant.countries:
        raise EzPayError(NOT_OPENED)


async def balance(call: Call) -> Response:
    code = call.fields.choice("countryCode", _COUNTRY_CODES)
    assert code is not None
    _opened_country(call, code)
    currency = BY_CODE[code].currency
    plan = call.plan_for(currency=currency)
    if not processes(plan):
        return await call.answer(plan, None)
    text = balance_text(call.sandbox.store, call.merchant_id, currency)
    return await call.answer(plan, lambda: success({"balance": text}))


async def balance_v2(call: Call) -> Response:
    currency = call.fields.choice("currency", CURRENCIES)
    assert currency is not None
    if currency != "USD":
        _opened_country(call, BY_CURRENCY[currency].code)
    plan = call.plan_for(currency=currency)
    if not processes(plan):
        return await call.answer(plan, None)
    text = balance_text(call.sandbox.store, call.merchant_id, currency)
    return await call.answer(plan, lambda: success({"balance": text}))


# -- report download --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    body: bytes
    expires_at: datetime


_PAYOUT_COLUMNS = [
    "transactionId",
    "mchOrderId",
    "createTime",
    "returnTime",
    "currency",
    "amount",
    "fee",
    "transactionStatus",
    "payMethodCode",
    "transferCode",
    "failedCode",
    "failedMessage",
]
_PAYMENT_COLUMNS = [
    "transactionId",
    "mchOrderId",
    "createTime",
    "returnTime",
    "currency",
    "amount",
    "fee",
    "transactionStatus",
    "channelCode",
    "failedCode",
    "failedMessage",
]


def _money(minor: Decimal, currency: str) -> str:
    return f"{to_major(minor, currency).quantize(Decimal('0.01')):f}"


def _row(call: Call, order: Order, payout: bool) -> list[str]:
    d = order.data
    final = order.status != PENDING
    fee = Decimal(d.get("fee", "0"))
    row = [
        order.platform_id,
        order.merchant_order_id,
        fmt_time(order.created_at, call.merchant),
        fmt_time(return_instant(order), call.merchant) if final else "",
        order.currency,
        _money(order.amount, order.currency),
        _money(fee, order.currency),
        order.status,
    ]
    if payout:
        row += [d.get("payMethodCode", ""), d.get("transferCode", "")]
    else:
        row.append(d.get("channelCode", ""))
    failed = order.status == "FAILED"
    row += [
        str(d.get("failedCode", "")) if failed else "",
        d.get("failedMessage", "") if failed else "",
    ]
    return row


def _csv(call: Call, country_slug: str, day: date, payout: bool) -> bytes:
    tz = zone(call.merchant)
    start, end = day_bounds(datetime(day.year, day.month, day.day, tzinfo=tz), call.merchant)
    kinds = ("payout",) if payout else ("payment", "static_payment")
    where = OrderFilter(
        gateway="ezpay", merchant=call.merchant_id, kind=kinds, since=start, until=end
    )
    orders, _total = list_orders(call.sandbox.store, where, limit=1_000_000, newest_first=False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_PAYOUT_COLUMNS if payout else _PAYMENT_COLUMNS)
    for order in orders:
        if order.data.get("country") == country_slug:
            writer.writerow(_row(call, order, payout))
    return out.getvalue().encode("utf-8")


async def report(call: Call) -> Response:
    f = call.fields
    code = f.choice("countryCode", _COUNTRY_CODES)
    assert code is not None
    _opened_country(call, code)
    text = f.text("transDate")
    try:
        if _DATE.fullmatch(text) is None:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise param_error("transDate must be a real date written yyyy-MM-dd") from None
    kind = f.integer("transType")
    if kind not in (1, 2):
        raise param_error("transType must be one of 1, 2")
    country = BY_CODE[code]
    if kind == 1 and "payout.create" not in country.operations:
        raise EzPayError(NOT_OPENED)
    plan = call.plan_for(currency=country.currency)
    if not processes(plan):
        return await call.answer(plan, None)
    sandbox = call.sandbox
    body = _csv(call, country.slug, day, payout=kind == 1)
    token = f"{sandbox.rng.getrandbits(128):032x}"
    now = call.now()
    reports = _reports(sandbox)
    _prune(reports, now)
    reports[token] = Report(body, now + REPORT_LIFETIME)
    url = f"{public_base(call.request, sandbox.settings)}/_sandbox/reports/{token}.csv"
    return await call.answer(plan, lambda: success({"downloadUrl": url}))


def _reports(sandbox: Sandbox) -> dict[str, Report]:
    """This sandbox's report links by token (in memory: they do not survive a restart)."""
    return sandbox.state("ezpay.reports", dict)


def _prune(reports: dict[str, Report], now: datetime) -> None:
    for key in [k for k, r in reports.items() if r.expires_at <= now - REPORT_LIFETIME]:
        del reports[key]


async def download(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    token = request.path_params["token"]
    found = _reports(sandbox).get(token)
    if found is None:
        return admin_error_response(404, "not_found", f"no report {token}")
    if sandbox.clock.now() >= found.expires_at:
        return admin_error_response(410, "gone", "this report link has expired (1 hour)")
    return Response(found.body, media_type="text/csv")


ROUTES = [Route("/reports/{token}.csv", download, methods=["GET"])]
