"""One outcome rule for every gateway: a scenario's `after: 0` outcome is applied inside the
request (the order is final when the answer arrives), `after: N` only once the sandbox clock has
moved N seconds — the same for TrustPay, EzPay and GoldenPay pay-ins."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from support.ezpay import EzPayClient, payment
from support.server import RunningSandbox, run_sandbox

from sandbox.client.goldenpay import GoldenPayClient
from sandbox.client.trustpay import TrustPayClient, num

pytestmark = pytest.mark.postgres

NOWHERE = "http://127.0.0.1:9/notify"  # nothing listens: the callback is refused at once
SCENARIOS = {
    "outcome-now": "0s",
    "outcome-later": "45s",
}


def _scenario(name: str, after: str) -> str:
    return (
        f'name: {name}\ngateway: "*"\nrules:\n'
        f"  - when: {{operation: payin}}\n    outcome: {{status: success, after: {after}}}\n"
    )


def trustpay_payin(server: RunningSandbox, order_no: str) -> None:
    client = TrustPayClient(server.url, http=server.client)
    answer = client.cashier_payin(
        order_no=order_no, order_amount=num("20.00"), currency="USD", notify_url=NOWHERE
    )
    assert int(answer["code"]) == 880001, answer


def ezpay_payin(server: RunningSandbox, order_no: str) -> None:
    answer = EzPayClient(server.client).call(
        "/open-api/philippines/payment/generate", payment(order_no, notifyUrl=NOWHERE)
    )
    assert answer["code"] == 10000, answer


def goldenpay_payin(server: RunningSandbox, order_no: str) -> None:
    client = GoldenPayClient(server.url, http=server.client)
    client.collect(
        trans_id=order_no, channel="mock", currency="THB", amount="100.00", callback_url=NOWHERE
    )


PAYINS: dict[str, Callable[[RunningSandbox, str], None]] = {
    "trustpay": trustpay_payin,
    "ezpay": ezpay_payin,
    "goldenpay": goldenpay_payin,
}


@pytest.fixture(scope="module")
def server(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**module_db_flags, "clock": "manual"}) as running:
        for name, after in SCENARIOS.items():
            uploaded = running.admin("POST", "scenarios", content=_scenario(name, after))
            assert uploaded.status_code == 201, uploaded.text
        yield running


def _select(server: RunningSandbox, gateway: str, name: str) -> None:
    merchants = server.admin("GET", "merchants", params={"gateway": gateway}).json()["items"]
    merchant = next(m["merchant"] for m in merchants if m["gateway"] == gateway)
    body = {"names": [name], "gateway": gateway, "merchant": merchant}
    selected = server.admin("PUT", "scenarios/active", json=body)
    assert selected.status_code == 200, selected.text


def _status(server: RunningSandbox, gateway: str, order_no: str) -> str:
    found = server.admin("GET", "orders", params={"gateway": gateway, "order": order_no}).json()
    [order] = found["items"]
    return str(order["status"])


@pytest.mark.parametrize("gateway", sorted(PAYINS))
def test_after_zero_is_in_the_request_and_after_n_waits_for_the_clock(
    server: RunningSandbox, gateway: str
) -> None:
    pending_no, now_no, later_no = (f"{gateway.upper()}-{k}" for k in ("P", "NOW", "LATER"))
    PAYINS[gateway](server, pending_no)  # no outcome: the pay-in waits for the payer
    pending = _status(server, gateway, pending_no)

    _select(server, gateway, "outcome-now")
    PAYINS[gateway](server, now_no)
    final = _status(server, gateway, now_no)  # read right after the answer: already final
    assert final != pending

    _select(server, gateway, "outcome-later")
    PAYINS[gateway](server, later_no)
    assert _status(server, gateway, later_no) == pending
    server.advance(44)
    assert _status(server, gateway, later_no) == pending
    server.advance(1)
    assert _status(server, gateway, later_no) == final
