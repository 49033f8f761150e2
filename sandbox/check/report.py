"""A check report as a readable table, JUnit XML and JSON."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET

from sandbox.check.runner import CaseResult, CheckReport

MARKS = {"pass": "PASS", "fail": "FAIL", "info": "INFO", "skip": "SKIP"}
# Characters XML 1.0 cannot carry, even escaped: a handler's answer may hold any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def progress_line(result: CaseResult) -> str:
    return f"{MARKS[result.verdict]}  {result.id}  {result.message}"


def _sent(result: CaseResult) -> str:
    if not result.exchanges:
        return "-"
    first = result.exchanges[0]
    copies = f" x{len(result.exchanges)}" if len(result.exchanges) > 1 else ""
    return f"{first.content_type}{copies}: {first.sent[:100]}"


def table(report: CheckReport) -> str:
    """One block per case: verdict and id, then what was sent, what came back, why, how to fix."""
    lines = [
        f"sandbox check {report.gateway} (merchant {report.merchant}) -> {report.notify_url}",
        f"ack: {report.ack}; timeout {report.timeout:g} s; {report.retry}",
        "",
    ]
    for result in report.results:
        lines.append(f"{MARKS[result.verdict]:4}  {result.id}: {result.case.title}")
        rows = [("sent", _sent(result))]
        if result.exchanges:
            rows.append(("got", "; ".join(e.got() for e in result.exchanges)))
        rows.append(("verdict", result.message))
        if result.verdict == "fail":
            rows += [("why", result.case.why), ("fix", result.case.fix)]
        for name, text in rows:
            wrapped = textwrap.wrap(text, 96) or [""]
            lines.append(f"      {name:8}{wrapped[0]}")
            lines += [f"      {'':8}{more}" for more in wrapped[1:]]
    counts = report.to_json()["counts"]
    lines += [
        "",
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['info']} reported, "
        f"{counts['skip']} not applicable",
    ]
    unverified = report.unverified_state()
    if unverified:
        lines.append(
            "recorded state not verified (pass --state-url to check it): " + ", ".join(unverified)
        )
    return "\n".join(lines) + "\n"


def _xml(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def junit(report: CheckReport) -> str:
    """`testsuites` > one `testsuite` per gateway > a `testcase` per case; a failed case has a
    `failure` with a message, a not-applicable one `skipped`. (`testsuites` carries no `skipped`
    count: the schema CI systems validate against allows it on `testsuite` only.)"""
    failures = len(report.failures)
    skipped = sum(1 for r in report.results if r.verdict == "skip")
    times = [sum(e.latency_ms for e in r.exchanges) / 1000 for r in report.results]
    counts = {
        "tests": str(len(report.results)),
        "failures": str(failures),
        "errors": "0",
        "time": f"{sum(round(t, 3) for t in times):.3f}",
    }
    suites = ET.Element("testsuites", {"name": "sandbox check", **counts})
    suite = ET.SubElement(
        suites,
        "testsuite",
        {"name": f"sandbox check {report.gateway}", **counts, "skipped": str(skipped)},
    )
    for result, seconds in zip(report.results, times, strict=True):
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "name": result.id,
                "classname": f"sandbox.check.{report.gateway}.{result.kind}",
                "time": f"{seconds:.3f}",
            },
        )
        if result.verdict == "fail":
            failure = ET.SubElement(
                case, "failure", {"message": _xml(result.message), "type": "fail"}
            )
            failure.text = f"{result.case.title}\nwhy: {result.case.why}\nfix: {result.case.fix}"
        elif result.verdict == "skip":
            ET.SubElement(case, "skipped", {"message": _xml(result.message)})
        out = ET.SubElement(case, "system-out")
        out.text = _xml("\n".join(f"sent {e.sent}\ngot {e.got()}" for e in result.exchanges))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def json_text(report: CheckReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
