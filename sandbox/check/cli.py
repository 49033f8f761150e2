"""`sandbox check GATEWAY --notify-url URL ...`: exit 0 all pass, 1 a failure, 2 bad usage."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from sandbox.check.cases import CASE_IDS
from sandbox.check.lookup import conformance_of, merchant_of, url_problem
from sandbox.check.report import json_text, junit, progress_line, table
from sandbox.check.runner import CheckOptions, run_check, selected

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_check_command(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="test a merchant's callback handler against a gateway's rules",
        description=(
            "Send a battery of callbacks, signed exactly as the gateway signs them, to the "
            "merchant's notify URL and judge every answer against the gateway's ack format and "
            "timeout. Exit 0 when every case passes, 1 when one fails, 2 on bad usage."
        ),
        epilog=f"Cases: {', '.join(CASE_IDS)} (or KIND.CASE, e.g. payin.duplicate).",
    )
    check.add_argument(
        "gateway", metavar="GATEWAY", help="an installed gateway: trustpay, ezpay, goldenpay, …"
    )
    check.add_argument("--notify-url", required=True, help="the merchant's callback handler")
    check.add_argument("--merchant", help="merchant id (default: the gateway's first merchant)")
    check.add_argument("--config", help="config file with the merchants (or SANDBOX_CONFIG)")
    check.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    check.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    check.add_argument("--only", nargs="+", metavar="CASE", default=[], help="run these cases")
    check.add_argument(
        "--kind",
        action="append",
        default=[],
        metavar="KIND",
        help="check only this callback kind (payin, payout, refund; repeatable): a handler that "
        "takes pay-ins only",
    )
    check.add_argument(
        "--state-url",
        metavar="TEMPLATE",
        help="the merchant's test-only order state URL, with {order_no} (see docs/check.md)",
    )
    check.add_argument(
        "--timeout",
        type=float,
        help="for tests of the check only: seconds per answer instead of the gateway's timeout",
    )
    check.add_argument("--quiet", action="store_true", help="no progress lines")
    check.set_defaults(handler=run_check_command)


def run_check_command(args: argparse.Namespace) -> int:
    from sandbox.settings import SettingsError, resolve_settings

    try:
        conformance = conformance_of(args.installed, args.gateway)
        kinds = [plug.merchants for plug in args.installed]
        settings = resolve_settings({"config": args.config}, kinds=kinds)
        merchant, merchant_id = merchant_of(settings.merchants, args.gateway, args.merchant)
        if args.timeout is not None and not args.timeout > 0:
            raise ValueError("--timeout must be positive")
        problem = url_problem(args.notify_url)
        if problem is not None:
            raise ValueError(f"--notify-url {problem}")
        problem = None if args.state_url is None else url_problem(args.state_url, template=True)
        if problem is not None:
            raise ValueError(f"--state-url {problem}")
        options = CheckOptions(
            args.notify_url,
            tuple(args.only),
            args.state_url,
            args.timeout,
            kinds=tuple(args.kind),
        )
        selected(conformance, options.only, options.kinds)
    except (ValueError, SettingsError) as exc:
        print(f"sandbox check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def progress(result: Any) -> None:
        if not args.quiet:
            print(progress_line(result), file=sys.stderr, flush=True)

    report = asyncio.run(run_check(conformance, merchant, merchant_id, options, progress))
    print(table(report), end="")
    if args.junit is not None:
        args.junit.write_text(junit(report), encoding="utf-8")
    if args.json is not None:
        args.json.write_text(json_text(report), encoding="utf-8")
    return EXIT_OK if report.passed else EXIT_FAILURE
