"""The risk-control call against a real local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from support.callbacks import on_loop
from support.receiver import Receiver, Reply, refused_port, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.gateways.trustpay import risk
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.risk import RiskVerdict, risk_control_verdict

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(module_db_flags) as sandbox:
        yield sandbox


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"allow")) as merchant_side:
        yield merchant_side


def merchant(url: str | None) -> TrustPayMerchant:
    return TrustPayMerchant(merchant_id=1, api_key="k", secret="s", risk_control_url=url)


def ask(
    running: RunningSandbox, url: str | None, timeout: float | None = None, name: str = "Test User"
) -> RiskVerdict:
    async def work() -> RiskVerdict:
        return await risk_control_verdict(
            running.sandbox,
            merchant(url),
            order_id="oaNZUzxJMLCiRmmFn1ZNA2ld",
            card_number="4111111111111111",
            holder_name=name,
            timeout=timeout,
        )

    return on_loop(running, work)


def test_allow_sends_the_documented_body(running: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(200, b"  allow\n", (("Content-Type", "text/plain"),)))
    verdict = ask(running, receiver.url + "/risk")
    assert verdict.verdict == "allow" and verdict.allowed and verdict.called
    assert verdict.status == 200
    (seen,) = receiver.requests
    assert seen.path == "/risk"
    assert seen.headers["content-type"] == "application/json"
    assert seen.body == (
        b'{"orderId":"oaNZUzxJMLCiRmmFn1ZNA2ld","cardPrefix":"411111",'
        b'"cardSuffix":"1111","cardHolderName":"Test User"}'
    )
    assert "sign" not in json.loads(seen.body)  # unsigned
    note = verdict.journal_note()
    assert receiver.url in note and "HTTP 200" in note and note.endswith(": allow")


def test_unicode_holder_name_is_sent_unescaped(running: RunningSandbox, receiver: Receiver) -> None:
    ask(running, receiver.url, name="Zoë Ångström")
    assert json.loads(receiver.requests[0].body)["cardHolderName"] == "Zoë Ångström"
    assert "Zoë".encode() in receiver.requests[0].body


def test_403_denies(running: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(403, b"deny"))
    verdict = ask(running, receiver.url)
    assert (verdict.verdict, verdict.status, verdict.allowed) == ("deny", 403, False)
    assert verdict.excerpt == "deny"


@pytest.mark.parametrize(
    "reply",
    [Reply(503, b"exception"), Reply(200, b"allowed"), Reply(200, b""), Reply(201, b"allow")],
)
def test_anything_else_is_an_error(
    running: RunningSandbox, receiver: Receiver, reply: Reply
) -> None:
    receiver.reply(reply)
    verdict = ask(running, receiver.url)
    assert (verdict.verdict, verdict.status, verdict.allowed) == ("error", reply.status, False)


def test_garbage_answer_is_an_error(running: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(kind="garbage"))
    verdict = ask(running, receiver.url)
    assert (verdict.verdict, verdict.status) == ("error", None)


def test_no_answer_in_time_is_a_timeout(running: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(200, b"allow", delay=1.5))
    verdict = ask(running, receiver.url, timeout=0.3)
    assert (verdict.verdict, verdict.status, verdict.allowed) == ("timeout", None, False)
    assert verdict.latency_ms >= 250  # no upper bound: other test runs share the machine
    assert "no answer" in verdict.journal_note()


def test_module_timeout_is_the_default(
    running: RunningSandbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert risk.RISK_TIMEOUT_SECONDS == 5.0
    monkeypatch.setattr(risk, "RISK_TIMEOUT_SECONDS", 0.3)
    receiver.reply(Reply(200, b"allow", delay=1.5))
    assert ask(running, receiver.url).verdict == "timeout"


def test_connection_refused_is_an_error(running: RunningSandbox) -> None:
    verdict = ask(running, f"http://127.0.0.1:{refused_port()}/risk")
    assert (verdict.verdict, verdict.status, verdict.allowed) == ("error", None, False)


def test_no_url_means_no_call(running: RunningSandbox) -> None:
    verdict = ask(running, None)
    assert verdict.allowed and not verdict.called and verdict.journal_note() == ""


def test_one_client_is_reused(running: RunningSandbox, receiver: Receiver) -> None:
    ask(running, receiver.url)
    first = risk.risk_client(running.sandbox).slots.session
    ask(running, receiver.url)
    assert first is not None and risk.risk_client(running.sandbox).slots.session is first


def test_callback_origin_applies_and_callback_url_does_not(
    receiver: Receiver, db_flags: dict[str, str]
) -> None:
    flags = {
        **db_flags,
        "callback_origin": receiver.url,
        "callback_url": f"http://127.0.0.1:{refused_port()}/all-callbacks",
    }
    with run_sandbox(flags) as sandbox:
        verdict = ask(sandbox, "http://merchant.invalid:9/risk/check?x=1")
        holder = sandbox.sandbox.gateway_state["trustpay.risk_client"]
        assert holder.slots.session is not None
    assert verdict.verdict == "allow"
    assert verdict.url == receiver.url + "/risk/check?x=1"
    assert receiver.requests[0].path == "/risk/check?x=1"
    assert holder.slots.session is None  # closed with the sandbox
