"""The scenario state of one running sandbox: library, selection and cycle counters.

Gateways call `plan(facts)` once per valid request; the admin API lists, uploads and activates;
`after_reset` restores the start-up selection and rewinds the `respond.error` cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sandbox.scenarios.engine import (
    CODE_HEADER,
    SCENARIO_HEADER,
    BadHeader,
    Counters,
    Plan,
    RequestFacts,
    RuleCandidates,
    build_plan,
    forced_response,
)
from sandbox.scenarios.library import FileStatus, Library, load_library, packaged_root
from sandbox.scenarios.loader import ScenarioError, load_scenario_text
from sandbox.scenarios.matching import skip_reason
from sandbox.scenarios.model import Scenario
from sandbox.scenarios.selection import Selection, header_names
from sandbox.scenarios.vocabulary import Vocabularies


class SelectionError(ValueError):
    """An activation naming a scenario that does not exist for the gateway(s) concerned."""


@dataclass
class Scenarios:
    library: Library
    selection: Selection
    known: Vocabularies  # the served gateways': uploads are checked against them
    counters: Counters = field(default_factory=dict)
    candidates: RuleCandidates = field(default_factory=RuleCandidates)
    # Called after the selection or the uploads changed (replicas publish them).
    listeners: list[Callable[[], None]] = field(default_factory=list)
    uploads: list[tuple[str, str]] = field(
        default_factory=list
    )  # (file, text), in order; the last of a file is its text

    def changed(self) -> None:
        for listener in self.listeners:
            listener()

    def plan(self, facts: RequestFacts) -> Plan:
        """What the selected scenarios say about this request (see `engine.Plan`)."""
        vocab = self.known.get(facts.gateway)
        if vocab is None:
            raise ValueError(f"gateway {facts.gateway!r} is not served by this sandbox")
        wanted = header_names(facts.headers, SCENARIO_HEADER)
        for name in wanted:
            if self.library.resolve(name, facts.gateway) is None:
                reason = f"no {vocab.title} scenario {name!r}"
                return Plan(bad_request=BadHeader("X-Sandbox-Scenario", reason))
        names = self.selection.names_for(facts.gateway, facts.merchant, wanted)
        chosen: list[Scenario] = []
        for name in names:
            found = self.library.resolve(name, facts.gateway)
            if found is not None and all(found is not c for c in chosen):
                chosen.append(found)
        default = self.library.default(facts.gateway)
        if default is not None and all(default is not c for c in chosen):
            chosen.append(default)
        plan = build_plan(facts, vocab, chosen, self.counters, self.candidates)
        code = facts.headers.get(CODE_HEADER)
        if code is None:
            return plan
        forced = forced_response(code.strip(), vocab)
        if isinstance(forced, BadHeader):
            return Plan(bad_request=forced, scenarios=plan.scenarios)
        sources = {**plan.sources, "respond": forced.source}
        return replace(plan, respond=forced, sources=sources)

    def after_reset(self, gateway: str | None, merchant: str | None) -> None:
        if not isinstance(self.counters, dict):
            pass  # stored turns: the reset emptied them with the other merchant tables
        elif gateway is not None and merchant is not None:
            self.counters = {
                k: v for k, v in self.counters.items() if (k[3], k[4]) != (gateway, merchant)
            }
        else:
            self.counters.clear()
        self.selection.restore(gateway, merchant)
        self.changed()

    def upload(self, text: str, file: str) -> Scenario:
        """Add (or replace) a scenario from YAML text; `ScenarioError` when it is refused."""
        stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        scenario = load_scenario_text(text, file, self.known, default_name=stem)
        status = FileStatus(file, "upload", (), (f"{scenario.gateway}/{scenario.name}",))
        self.library.add_file(status, [scenario])
        self.uploads.append((file, text))
        self.changed()
        return scenario

    def source(self, file: str) -> str | None:
        """The YAML text of a listed scenario file, None when it is not listed or unreadable."""
        status = next((f for f in self.library.files if f.file == file), None)
        if status is None:
            return None
        if status.origin == "upload":
            return next((text for name, text in reversed(self.uploads) if name == file), None)
        path = Path(file)
        if status.origin == "library":
            root = packaged_root()
            if root is None:
                return None
            path = root / file.removeprefix("scenarios/")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def activate(
        self, names: tuple[str, ...], gateway: str | None = None, merchant: str | None = None
    ) -> None:
        """Make `names` active globally, or for one merchant of one gateway."""
        for name in names:
            if gateway is not None and self.library.resolve(name, gateway) is None:
                raise SelectionError(f"names: no {gateway} scenario {name!r}")
            if gateway is None and not self.library.known(name):
                raise SelectionError(f"names: no scenario {name!r}")
        if gateway is not None and merchant is not None:
            self.selection.set_merchant(gateway, merchant, names)
        else:
            self.selection.set_global(names)
        self.changed()

    def describe(self) -> list[dict[str, Any]]:
        """One item per scenario (and per refused file) for `GET /_sandbox/scenarios`."""
        items: list[dict[str, Any]] = []
        for scenario in self.library.all():
            item: dict[str, Any] = {
                "name": scenario.name,
                "gateway": scenario.gateway,
                "description": scenario.description,
                "file": scenario.file,
                "status": "ok",
                "rules": len(scenario.rules),
                "active": scenario.name in self.selection.active,
            }
            if scenario.neutral:
                item["skipped"] = skipped_rules(scenario, self.known)
            items.append(item)
        for status in self.library.files:
            if not status.ok:
                items.append(
                    {
                        "name": None,
                        "gateway": None,
                        "description": "",
                        "file": status.file,
                        "status": "invalid",
                        "errors": list(status.errors),
                    }
                )
        return items

    def file_status(self) -> list[dict[str, Any]]:
        return [status.to_json() for status in self.library.files]


def skipped_rules(scenario: Scenario, known: Vocabularies) -> dict[str, list[dict[str, Any]]]:
    """For a gateway-neutral scenario: per served gateway, the rules it skips and why."""
    result: dict[str, list[dict[str, Any]]] = {}
    for gateway, vocab in sorted(known.by_gateway.items()):
        skips = []
        for rule in scenario.rules:
            reason = skip_reason(scenario, rule, vocab)
            if reason is not None:
                skips.append({"rule": rule.index, "reason": reason})
        result[gateway] = skips
    return result


def open_scenarios(
    known: Vocabularies, extra: tuple[str, ...], active: tuple[str, ...]
) -> Scenarios:
    """Load the library and extra paths for the gateways `known` holds and check the start-up
    names; `ScenarioError` or `SelectionError` (with a printable message) when the sandbox must
    not start."""
    library = load_library(known, extra)
    for name in active:
        if not library.known(name):
            names = ", ".join(sorted({key[1] for key in library.scenarios}))
            raise SelectionError(f"--scenario: no scenario named {name!r} (known: {names})")
    return Scenarios(library, Selection(startup=active), known)


__all__ = ["ScenarioError", "Scenarios", "SelectionError", "open_scenarios"]
