"""`sandbox check` against the reference merchant handlers (tests/support/merchant_handlers.py),
each served by uvicorn on a free loopback port: the correct handler passes every case, with and
without `--state-url`, and each defective one fails exactly the cases its defect breaks.

The expected sets are written out here (not derived from the case list) so a case that stops
catching its defect, or starts failing a correct handler, shows up.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.gateways import installed_kinds
from support.merchant_handlers import handler_app
from support.receiver import refused_port
from support.server import serve_asgi

from sandbox.check import CheckOptions, CheckReport, run_check
from sandbox.check.lookup import conformance_of, merchant_of
from sandbox.check.report import table
from sandbox.cli import main
from sandbox.gateways.installed import installed_gateways
from sandbox.settings import resolve_settings

KINDS = {
    "trustpay": ("payin", "payout", "refund"),
    "ezpay": ("payin", "payout", "refund"),
    "goldenpay": ("payin", "payout"),
}
# The kinds whose callback carries a paid amount apart from the order's (EzPay's notification
# has one amount only, and payouts and refunds pay what was asked).
SHORT_PAYMENT_KINDS = {"trustpay": ("payin",), "ezpay": (), "goldenpay": ("payin",)}
SIGNATURE_CASES = (
    "bad-signature",
    "missing-signature",
    "other-merchant-secret",
    "tampered-amount",
    "tampered-status",
)
# Every case whose deliveries must be acknowledged (late-failure too: the late callback is
# acknowledged, just not applied).
ACK_CASES = ("valid", "duplicate", "short-payment", "late-failure", "latency")
# The cases whose verdict needs the merchant's recorded state to be complete.
STATE_CASES = ("valid", "duplicate", *SIGNATURE_CASES, "short-payment", "late-failure")
# A slow handler answers after this test timeout (the gateways' own are 5 and 10 s).
TEST_TIMEOUT_S = 0.3
SLOW_S = 0.8


def per_kind(gateway: str, cases: tuple[str, ...]) -> set[str]:
    """`kind.case` ids of these cases for every kind the gateway has (where they apply)."""
    ids = set()
    for kind in KINDS[gateway]:
        for case in cases:
            if case != "short-payment" or kind in SHORT_PAYMENT_KINDS[gateway]:
                ids.add(f"{kind}.{case}")
    return ids


def expected_failures(gateway: str, defect: str, with_state: bool) -> set[str]:
    if defect == "none":
        return set()
    if defect == "no-signature-check":
        return per_kind(gateway, SIGNATURE_CASES)
    if defect in ("slow", "wrong-ack"):
        if defect == "wrong-ack" and gateway == "trustpay":
            return set()  # TrustPay's rule is any HTTP 2xx: the body is never read
        return per_kind(gateway, ACK_CASES)
    # The rest answer correctly and record the wrong thing: only the state URL shows it.
    if not with_state:
        return set()
    if defect == "not-idempotent":
        return per_kind(gateway, ("duplicate",))
    if defect == "trusts-order-amount":
        # EzPay has no short-payment case, so nothing catches (or can suffer) this defect.
        return per_kind(gateway, ("short-payment",))
    if defect == "applies-late-failure":
        return per_kind(gateway, ("late-failure",))
    raise AssertionError(defect)


@contextmanager
def handler(gateway: str, defect: str = "none") -> Iterator[str]:
    """The reference handler's base URL (notify at /notify, state at /orders/{order_no})."""
    with serve_asgi(handler_app(gateway, defect, slow_s=SLOW_S)) as url:
        yield url


def check(gateway: str, url: str, with_state: bool, timeout: float | None = None) -> CheckReport:
    settings = resolve_settings({}, {}, installed_kinds())
    merchant, merchant_id = merchant_of(settings.merchants, gateway, None)
    state_url = f"{url}/orders/{{order_no}}" if with_state else None
    options = CheckOptions(f"{url}/notify", state_url=state_url, timeout=timeout)
    return asyncio.run(
        run_check(conformance_of(installed_gateways(), gateway), merchant, merchant_id, options)
    )


def failed(report: CheckReport) -> set[str]:
    return {result.id for result in report.failures}


def by_id(report: CheckReport) -> dict[str, str]:
    return {result.id: result.verdict for result in report.results}


def assert_shape(gateway: str, report: CheckReport) -> None:
    """Every case ran once per kind; the unknown order is reported, not judged; short payments
    are not applicable where the callback has no paid amount."""
    verdicts = by_id(report)
    assert len(verdicts) == len(report.results) == 13 * len(KINDS[gateway])
    for kind in KINDS[gateway]:
        assert verdicts[f"{kind}.unknown-order"] == "info"
        short = verdicts[f"{kind}.short-payment"]
        assert (short == "skip") == (kind not in SHORT_PAYMENT_KINDS[gateway])


CORRECT = [(gw, state) for gw in KINDS for state in (False, True)]


@pytest.mark.parametrize(("gateway", "with_state"), CORRECT)
def test_the_correct_handler_passes_every_case(gateway: str, with_state: bool) -> None:
    with handler(gateway) as url:
        report = check(gateway, url, with_state)
    assert_shape(gateway, report)
    assert failed(report) == set(), table(report)
    assert report.passed
    states = [r for r in report.results if r.state_checked]
    if with_state:
        assert report.unverified_state() == []
        assert {r.id for r in states} == per_kind(gateway, STATE_CASES)
        paid = next(r for r in states if r.id == "payin.duplicate")
        assert paid.state is not None and paid.state["status"] == "paid"
    else:
        # Without the state URL the report names every verdict that checked the answers only.
        assert states == []
        assert set(report.unverified_state()) == per_kind(gateway, STATE_CASES)
        assert "recorded state not verified (pass --state-url" in table(report)


# (gateway, defect, with --state-url): defects seen in the answers run once (the state is never
# read when an answer already failed); defects seen only in the recorded state run both ways.
DEFECTIVE = [
    (gw, defect, state)
    for gw in KINDS
    for defect, runs in (
        ("no-signature-check", (True,)),
        ("wrong-ack", (True,)),
        ("slow", (True,)),
        ("not-idempotent", (False, True)),
        ("trusts-order-amount", (False, True)),
        ("applies-late-failure", (False, True)),
    )
    for state in runs
]


@pytest.mark.parametrize(("gateway", "defect", "with_state"), DEFECTIVE)
def test_a_defective_handler_fails_exactly_the_cases_its_defect_breaks(
    gateway: str, defect: str, with_state: bool
) -> None:
    timeout = TEST_TIMEOUT_S if defect == "slow" else None
    with handler(gateway, defect) as url:
        report = check(gateway, url, with_state, timeout)
    assert_shape(gateway, report)
    expected = expected_failures(gateway, defect, with_state)
    assert failed(report) == expected, table(report)
    assert report.passed == (not expected)
    messages = [result.message for result in report.failures]
    if defect == "slow":
        assert all(f"no answer within the {TEST_TIMEOUT_S:g} s timeout" in m for m in messages)
        assert all("is retried after" in m for m in messages)  # the retry the gateway makes
    elif defect == "wrong-ack":
        assert all("not acknowledged" in m and "expected HTTP 200" in m for m in messages)
    elif defect == "no-signature-check":
        assert all(m.startswith("acknowledged: HTTP 200") for m in messages)
    elif with_state:
        assert all(m.startswith("recorded state") for m in messages), messages
    else:
        # Passed on the answers alone; the report names the verdicts the state URL would settle,
        # the ones that catch this defect among them.
        assert expected == set()
        caught_with_state = expected_failures(gateway, defect, with_state=True)
        assert caught_with_state <= set(report.unverified_state())


def test_not_idempotent_shows_the_amount_credited_three_times() -> None:
    with handler("goldenpay", "not-idempotent") as url:
        report = check("goldenpay", url, with_state=True)
    duplicate = next(r for r in report.results if r.id == "payin.duplicate")
    assert len(duplicate.exchanges) == 3
    assert len({exchange.sent for exchange in duplicate.exchanges}) == 1  # byte-identical
    assert duplicate.message == (
        "recorded state 'paid' amount 300.0, expected 'paid' amount 100.00"
    )


def test_latency_is_shown_against_the_gateway_timeout() -> None:
    with handler("goldenpay") as url:
        report = check("goldenpay", url, with_state=False)
    latency = next(r for r in report.results if r.id == "payin.latency")
    assert latency.verdict == "pass"
    assert "% of the 5 s timeout)" in latency.message
    assert report.timeout == 5.0
    assert report.retry == "an unacknowledged callback is retried after 60 s (2 attempts)"


# The command itself: exit codes, the table on stdout, the JUnit and JSON files.


def test_cli_exit_0_for_the_correct_handler_with_junit_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit_file, json_file = tmp_path / "check.xml", tmp_path / "check.json"
    with handler("ezpay") as url:
        code = main(
            [
                "check",
                "ezpay",
                "--notify-url",
                f"{url}/notify",
                "--state-url",
                f"{url}/orders/{{order_no}}",
                "--junit",
                str(junit_file),
                "--json",
                str(json_file),
                "--quiet",
            ]
        )
    out, err = capsys.readouterr()
    assert code == 0, out
    assert err == ""  # --quiet: no progress lines
    assert "33 passed, 0 failed, 3 reported, 3 not applicable" in out
    data = json.loads(json_file.read_text())
    assert data["passed"] is True and data["counts"] == {
        "pass": 33,
        "fail": 0,
        "info": 3,
        "skip": 3,
    }
    assert '<testsuite name="sandbox check ezpay"' in junit_file.read_text()


def test_cli_exit_1_names_the_failed_cases_with_why_and_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with handler("goldenpay", "wrong-ack") as url:
        code = main(["check", "goldenpay", "--notify-url", f"{url}/notify", "--only", "valid"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "FAIL  payin.valid" in out and "FAIL  payout.valid" in out
    assert "fix     answer the gateway's exact acknowledgement" in out
    assert "FAIL  payin.valid  not acknowledged: HTTP 200 'SUCCESS'" in err  # progress line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["paypal", "--notify-url", "http://127.0.0.1:9/n"], "unknown gateway 'paypal'"),
        (["ezpay", "--notify-url", "ftp://x/n"], "--notify-url must be an http(s) URL"),
        (["ezpay", "--notify-url", "http:///n"], "--notify-url must name a host"),
        (["ezpay", "--notify-url", "http://[bad/n"], "--notify-url is not a valid URL"),
        (["ezpay", "--notify-url", "http://x:99999/n"], "--notify-url is not a valid URL"),
        (["ezpay", "--notify-url", "http://a b/n"], "--notify-url must not contain spaces"),
        (["ezpay", "--notify-url", "http://x/n", "--only", "nope"], "unknown case nope"),
        (["ezpay", "--notify-url", "http://x/n", "--merchant", "9"], "unknown ezpay merchant"),
        (["ezpay", "--notify-url", "http://x/n", "--timeout", "0"], "--timeout must be positive"),
        (["goldenpay", "--notify-url", "http://x/n", "--kind", "refund"], "unknown kind refund"),
        (
            ["ezpay", "--notify-url", "http://x/n", "--kind", "payin", "--only", "payout.valid"],
            "no case left to run for ezpay: payout.valid",
        ),
        (["ezpay", "--notify-url", "http://x/n", "--state-url", "http://x/o"], "{order_no}"),
    ],
)
def test_cli_exit_2_on_bad_usage(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err


def test_a_state_url_that_does_not_answer_fails_the_state_cases_and_says_so() -> None:
    port = refused_port()
    with handler("trustpay") as url:
        settings = resolve_settings({}, {}, installed_kinds())
        merchant, merchant_id = merchant_of(settings.merchants, "trustpay", None)
        state_url = f"http://127.0.0.1:{port}/orders/{{order_no}}"
        options = CheckOptions(
            f"{url}/notify", only=("valid", "bad-signature"), state_url=state_url
        )
        report = asyncio.run(
            run_check(
                conformance_of(installed_gateways(), "trustpay"), merchant, merchant_id, options
            )
        )
    assert failed(report) == per_kind("trustpay", ("valid", "bad-signature"))
    for result in report.failures:
        state_at = f"http://127.0.0.1:{port}/orders/{result.order_no}"
        assert result.message == f"the state URL {state_at} did not answer"


def test_cli_kind_checks_only_that_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with handler("trustpay") as url:
        code = main(["check", "trustpay", "--notify-url", f"{url}/notify", "--kind", "refund"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "11 passed, 0 failed, 1 reported, 1 not applicable" in out
    assert "payin." not in out and "payout." not in out
