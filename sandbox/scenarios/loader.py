"""Read a scenario file into a `Scenario`, or refuse it with every `file:line path: reason`.

Checks run against the schema (unknown keys are errors) and against the `Vocabularies` handed in
(those of the gateways a sandbox serves): a scenario may name only one of those gateways, and is
checked against its vocabulary: operation ids, error codes or names, outcome statuses, channels,
outcome codes and amount units. A gateway-neutral (`"*"`) scenario is checked against the neutral
kinds and against what at least one of the gateways knows; what a gateway cannot use is skipped
for that gateway at match time (see `engine.skip_reason`), never an error.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Any

from sandbox.scenarios.blocks import read_callbacks, read_delivery, read_outcome, read_respond
from sandbox.scenarios.conditions import read_when
from sandbox.scenarios.model import BLOCKS, NEUTRAL, Rule, Scenario, When
from sandbox.scenarios.readers import Checker, check_known_keys, kind_of, read_text
from sandbox.scenarios.vocabulary import Vocabularies
from sandbox.yamlsource import Path, YamlDocument, YamlError, load_yaml

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ScenarioError(ValueError):
    """A refused scenario document: one or more `file:line path: reason` errors."""

    def __init__(self, errors: list[YamlError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    @property
    def messages(self) -> list[str]:
        return [str(e) for e in self.errors]


def load_scenario_file(
    path: str | FilePath, known: Vocabularies, display: str | None = None
) -> Scenario:
    """Read and check one file; `display` is the name errors use (defaults to the path)."""
    file = display or str(path)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([YamlError(file, None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([YamlError(file, None, "", f"cannot be read ({exc})")]) from None
    return load_scenario_text(text, file, known, default_name=FilePath(path).stem)


def load_scenario_text(
    text: str, file: str, known: Vocabularies, default_name: str | None = None
) -> Scenario:
    """Parse and check one YAML document; raises `ScenarioError` and nothing else."""
    if default_name is None:
        default_name = FilePath(file).stem or None
    return check_scenario(parse_scenario_text(text, file), known, default_name)


def parse_scenario_text(text: str, file: str) -> YamlDocument:
    """The YAML document alone (checked by `check_scenario`); `ScenarioError` when it is not
    YAML."""
    try:
        return load_yaml(text, file)
    except YamlError as exc:
        raise ScenarioError([exc]) from None
    except RecursionError:
        raise ScenarioError([YamlError(file, None, "", "document nested too deeply")]) from None


def check_scenario(
    doc: YamlDocument, known: Vocabularies, default_name: str | None = None
) -> Scenario:
    check = Checker(doc, known)
    data = doc.data
    if not isinstance(data, dict):
        check.fail((), f"a scenario must be a mapping with gateway and rules, not {kind_of(data)}")
        raise ScenarioError(check.errors)
    check_known_keys(check, data, (), ("name", "description", "gateway", "rules"))

    gateway = _gateway(check, data)
    check.vocab = known.get(gateway) if gateway not in (None, NEUTRAL) else None
    name = _name(check, data, default_name)
    description = ""
    if "description" in data:
        description = read_text(check, data["description"], ("description",)) or ""

    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if "rules" not in data:
        check.fail((), "missing required key 'rules'")
    elif not isinstance(raw_rules, list):
        check.fail(("rules",), f"must be a list of rules, not {kind_of(raw_rules)}")
    elif gateway is not None:
        for index, raw in enumerate(raw_rules):
            rule = _rule(check, raw, index)
            if rule is not None:
                rules.append(rule)
    if check.errors or gateway is None or name is None:
        raise ScenarioError(check.errors)
    return Scenario(name, gateway, description, doc.file, tuple(rules))


# -- top level ------------------------------------------------------------------------------


def _gateway(check: Checker, data: dict[Any, Any]) -> str | None:
    known = check.known.gateways
    if "gateway" not in data:
        check.fail((), f"missing required key 'gateway' ({', '.join(known)} or \"*\")")
        return None
    value = data["gateway"]
    if value == NEUTRAL or (isinstance(value, str) and value in known):
        return str(value)
    served = ", ".join(known) or "none"
    check.fail(("gateway",), f'{value!r} is not a gateway served here (served: {served}, or "*")')
    return None


def _name(check: Checker, data: dict[Any, Any], default_name: str | None) -> str | None:
    value = data.get("name", default_name)
    if value is None:
        check.fail((), "missing required key 'name'")
        return None
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        check.fail(
            ("name",) if "name" in data else (),
            f"{value!r} is not a scenario name (letters, digits, '.', '_', '-'; up to 100)",
        )
        return None
    return value


def _rule(check: Checker, raw: Any, index: int) -> Rule | None:
    path: Path = ("rules", index)
    if not isinstance(raw, dict):
        check.fail(path, f"a rule must be a mapping, not {kind_of(raw)}")
        return None
    check_known_keys(check, raw, path, ("when", *BLOCKS))
    if not any(block in raw for block in BLOCKS):
        check.fail(path, "a rule must define at least one of respond, outcome, callbacks, delivery")
    before = len(check.errors)
    when = read_when(check, raw.get("when"), (*path, "when")) if "when" in raw else When()
    respond = read_respond(check, raw["respond"], (*path, "respond")) if "respond" in raw else None
    outcome = (
        read_outcome(check, raw["outcome"], (*path, "outcome"), when) if "outcome" in raw else None
    )
    callbacks = (
        read_callbacks(check, raw["callbacks"], (*path, "callbacks"))
        if "callbacks" in raw
        else None
    )
    delivery = (
        read_delivery(check, raw["delivery"], (*path, "delivery")) if "delivery" in raw else None
    )
    if len(check.errors) != before or when is None:
        return None
    line = check.doc.line_of(path)
    return Rule(index, line, when, respond, outcome, callbacks, delivery)
