"""`sandbox scenarios list|show NAME|validate FILE...`.

Exit codes as for every command: 0 ok, 1 an invalid file (or no such scenario), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.scenarios.library import load_library, scenario_files
from sandbox.scenarios.loader import ScenarioError, load_scenario_file
from sandbox.scenarios.vocabulary import Vocabularies

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

# For the parsed command line: the vocabularies of the gateways it selects (`--gateways`, else
# `SANDBOX_GATEWAYS`, else every installed one) and the scenario folders those gateways ship.
ScenarioSources = Callable[[argparse.Namespace], tuple[Vocabularies, tuple[str, ...]]]

# One wording for `serve --help`, `scenarios list` and the start-up banner (docs/scenarios.md).
SCENARIO_SELECTION_HELP = """\
choosing a scenario (first that applies):
  X-Sandbox-Scenario: NAME[,NAME]     request header: that request only (parallel CI jobs)
  PUT /_sandbox/scenarios/active      {"names": [...], "gateway", "merchant"}: one merchant
  --scenario NAME / SANDBOX_SCENARIO  every request, from start-up
  each gateway's `default` always applies last; `sandbox scenarios list` shows every name"""
SCENARIO_BANNER_HINT = (
    "choose per request: header X-Sandbox-Scenario: NAME (sandbox scenarios list)"
)


def add_scenario_commands(subparsers: Any, sources: ScenarioSources) -> None:
    """Add the `scenarios` command group to the `sandbox` parser's subcommands; `sources` gives
    what the selected gateways know (the gateway list lives above this layer)."""
    group = subparsers.add_parser(
        "scenarios",
        help="list, show or validate scenario files",
        description="The scenario library (packaged, plus --scenarios paths) and file checks.",
    )
    group.set_defaults(handler=lambda args: _help(group), scenario_sources=sources)
    commands = group.add_subparsers(title="commands", metavar="COMMAND")

    listing = commands.add_parser(
        "list",
        help="list every scenario: gateway, name, file, description",
        description="List the packaged scenarios and those in --scenarios files or folders.",
        epilog=SCENARIO_SELECTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _extra_paths(listing)
    _gateways(listing)
    listing.set_defaults(handler=run_list)

    show = commands.add_parser(
        "show",
        help="print a scenario's file",
        description="Print the YAML of the scenario(s) with this name (one per gateway).",
    )
    show.add_argument("name", help="scenario name, e.g. default or duplicate-callbacks")
    show.add_argument("--gateway", help="only this gateway's scenario (or * for neutral ones)")
    _extra_paths(show)
    _gateways(show)
    show.set_defaults(handler=run_show)

    validate = commands.add_parser(
        "validate",
        help="check scenario files; exit 1 when any is invalid",
        description=(
            "Check each file (or every .yaml/.yml file of a folder) against the scenario format "
            "and the vocabulary of its gateway, one of those selected. Errors read "
            "file:line path: reason."
        ),
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario file or folder")
    _gateways(validate)
    validate.set_defaults(handler=run_validate)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _extra_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenarios",
        action="append",
        default=[],
        metavar="PATH",
        help="extra scenario file or folder (repeatable)",
    )


def _gateways(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gateways",
        action="append",
        default=[],
        metavar="NAMES",
        help="only these gateways, e.g. trustpay,ezpay (default: SANDBOX_GATEWAYS, else all)",
    )


def _library(args: argparse.Namespace) -> Any:
    known, shipped = args.scenario_sources(args)
    try:
        return load_library(known, (*shipped, *args.scenarios))
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return None


def run_list(args: argparse.Namespace) -> int:
    library = _library(args)
    if library is None:
        return EXIT_FAILURE
    rows = [(s.gateway, s.name, s.file, s.description) for s in library.all()]
    width = max((len(f"{g}/{n}") for g, n, _, _ in rows), default=10)
    for gateway, name, file, description in rows:
        summary = description.split(". ")[0].strip()
        print(f"{gateway + '/' + name:<{width}}  {file}\n{'':<{width}}  {summary}")
    print()
    print(SCENARIO_SELECTION_HELP)
    invalid = [f for f in library.files if not f.ok]
    for status in invalid:
        print(f"invalid: {status.file}", file=sys.stderr)
        for error in status.errors:
            print(f"  {error}", file=sys.stderr)
    return EXIT_FAILURE if invalid else EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    library = _library(args)
    if library is None:
        return EXIT_FAILURE
    found = [
        s
        for s in library.all()
        if s.name == args.name and (args.gateway is None or s.gateway == args.gateway)
    ]
    if not found:
        print(f"sandbox: error: no scenario named {args.name!r}", file=sys.stderr)
        return EXIT_FAILURE
    for index, scenario in enumerate(found):
        if index:
            print("---")
        path = _path_of(scenario.file)
        text = path.read_text(encoding="utf-8") if path is not None else ""
        print(f"# {scenario.gateway}/{scenario.name} from {scenario.file}")
        print(text.rstrip())
    return EXIT_OK


def _path_of(file: str) -> Path | None:
    from sandbox.scenarios.library import packaged_root

    candidates = [Path(file)]
    root = packaged_root()
    if root is not None and file.startswith("scenarios/"):
        candidates.insert(0, root / file.removeprefix("scenarios/"))
    return next((p for p in candidates if p.is_file()), None)


def run_validate(args: argparse.Namespace) -> int:
    known, _shipped = args.scenario_sources(args)
    failed = False
    for given in args.files:
        path = Path(given)
        files = scenario_files(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            print(f"{given}: no .yaml or .yml files", file=sys.stderr)
            failed = True
        for file in files:
            try:
                scenario = load_scenario_file(file, known, str(file))
            except ScenarioError as exc:
                failed = True
                for message in exc.messages:
                    print(message, file=sys.stderr)
                continue
            rules = len(scenario.rules)
            print(f"{file}: ok ({scenario.gateway}/{scenario.name}, {rules} rules)")
    return EXIT_FAILURE if failed else EXIT_OK
