"""The check's JUnit and JSON reports from real runs against the reference handlers: the JUnit
file validates against the JUnit schema CI systems read (tests/support/junit-10.xsd), its counts
match its test cases, every failure has a message; the JSON report has a stable structure."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from support.gateways import installed_kinds
from support.merchant_handlers import handler_app
from support.server import serve_asgi

from sandbox.check import CheckOptions, CheckReport, run_check
from sandbox.check.cases import case
from sandbox.check.lookup import conformance_of, merchant_of
from sandbox.check.report import json_text, junit
from sandbox.check.runner import CaseResult, Exchange
from sandbox.gateways.installed import installed_gateways
from sandbox.settings import resolve_settings

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "support" / "junit-10.xsd")))


def run(gateway: str, defect: str, state: bool = True) -> CheckReport:
    settings = resolve_settings({}, {}, installed_kinds())
    merchant, merchant_id = merchant_of(settings.merchants, gateway, None)
    with serve_asgi(handler_app(gateway, defect)) as url:
        options = CheckOptions(f"{url}/notify", state_url=f"{url}/orders/{{order_no}}")
        if not state:
            options = CheckOptions(f"{url}/notify")
        return asyncio.run(
            run_check(conformance_of(installed_gateways(), gateway), merchant, merchant_id, options)
        )


@pytest.fixture(scope="module")
def failing() -> CheckReport:
    """A report with passes, failures, a skip and reports (a TrustPay handler that trusts any
    callback)."""
    return run("trustpay", "no-signature-check")


def parse(text: str) -> Any:
    return etree.fromstring(text.encode("utf-8"))


def assert_valid(text: str) -> Any:
    document = parse(text)
    assert SCHEMA.validate(document), SCHEMA.error_log
    return document


def test_junit_validates_and_its_counts_match_its_cases(failing: CheckReport) -> None:
    root = assert_valid(junit(failing))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert len(cases) == 39
    assert len(failures) == 15 and len(skipped) == 2
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(len(failures))
        assert element.get("errors") == "0"
        total = sum(Decimal(c.get("time")) for c in cases)
        assert Decimal(element.get("time")) == total
    assert suite.get("skipped") == "2"
    assert {c.get("name") for c in failures} == {r.id for r in failing.failures}
    assert {c.get("name") for c in skipped} == {"payout.short-payment", "refund.short-payment"}


def test_every_failure_has_a_message_and_the_fix(failing: CheckReport) -> None:
    suite = parse(junit(failing)).find("testsuite")
    for testcase in suite.findall("testcase"):
        failure = testcase.find("failure")
        if failure is None:
            continue
        result = next(r for r in failing.results if r.id == testcase.get("name"))
        assert failure.get("message") == result.message
        assert failure.get("message").startswith("acknowledged: HTTP 200")
        assert f"fix: {result.case.fix}" in failure.text
        assert testcase.get("classname") == f"sandbox.check.trustpay.{result.kind}"
        assert "sent {" in testcase.find("system-out").text  # the callback body sent


def test_junit_of_a_passing_run_validates_with_no_failures() -> None:
    root = assert_valid(junit(run("goldenpay", "none")))
    assert root.get("failures") == "0"
    assert root.find("testsuite").findall("testcase/failure") == []


def test_junit_stays_valid_xml_when_a_handler_answers_control_characters() -> None:
    """A handler's answer is copied into the report: bytes XML cannot carry are replaced."""
    exchange = Exchange("application/json", '{"a":1}', 200, "ok\x00\x1b[31m", None, 1.5, False)
    result = CaseResult("payin.valid", "payin", case("valid"), "fail", f"got {exchange.answer}")
    result.exchanges.append(exchange)
    report = CheckReport("trustpay", "1", "http://127.0.0.1:9/n", 10.0, "HTTP 2xx", "", None)
    report.results.append(result)
    root = assert_valid(junit(report))
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "got ok\N{REPLACEMENT CHARACTER}\N{REPLACEMENT CHARACTER}[31m"
    assert root.get("time") == "0.002"  # 1.5 ms, to the millisecond


def test_json_report_structure(failing: CheckReport) -> None:
    data = json.loads(json_text(failing))
    assert set(data) == {
        "gateway",
        "merchant",
        "notify_url",
        "timeout",
        "ack",
        "retry",
        "state_url",
        "passed",
        "counts",
        "state_not_verified",
        "results",
    }
    assert data["gateway"] == "trustpay" and data["passed"] is False
    assert data["ack"] == "HTTP 2xx" and data["timeout"] == 10.0
    assert data["counts"] == {"pass": 19, "fail": 15, "info": 3, "skip": 2}
    assert sum(data["counts"].values()) == len(data["results"]) == 39
    assert data["state_not_verified"] == []  # the run had a state URL
    for result in data["results"]:
        assert set(result) == {
            "id",
            "kind",
            "case",
            "title",
            "verdict",
            "message",
            "why",
            "fix",
            "order_no",
            "needs_state",
            "state_checked",
            "state",
            "exchanges",
        }
        assert result["id"] == f"{result['kind']}.{result['case']}"
        for exchange in result["exchanges"]:
            assert set(exchange) == {
                "content_type",
                "sent",
                "status",
                "answer",
                "error",
                "latency_ms",
                "acked",
            }
    duplicate = next(r for r in data["results"] if r["id"] == "payin.duplicate")
    assert duplicate["verdict"] == "pass" and len(duplicate["exchanges"]) == 3
    assert duplicate["state"] == {
        "order_no": duplicate["order_no"],
        "status": "paid",
        "amount": 100.0,
    }


def test_json_report_without_state_url_lists_the_verdicts_that_need_it() -> None:
    data = json.loads(json_text(run("ezpay", "none", state=False)))
    assert data["passed"] is True and data["state_url"] is None
    unverified = set(data["state_not_verified"])
    assert {"payin.duplicate", "refund.late-failure", "payout.tampered-amount"} <= unverified
    assert not any(r["state_checked"] for r in data["results"])
    assert {r["id"] for r in data["results"] if r["needs_state"] and r["verdict"] != "skip"} == (
        unverified
    )


def test_report_times_are_real_latencies() -> None:
    started = datetime.now(UTC)
    report = run("ezpay", "none", state=False)
    elapsed_ms = (datetime.now(UTC) - started).total_seconds() * 1000
    latencies = [e.latency_ms for r in report.results for e in r.exchanges]
    assert all(0 < ms < elapsed_ms for ms in latencies)
