"""Small readers shared by the scenario checks: each reads one value or reports why it cannot.

A `Checker` collects every error of a document (so a file is refused with all its problems, not
only the first); readers return None after reporting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sandbox.scenarios.durations import parse_duration
from sandbox.scenarios.patterns import PatternError, TextPattern, compile_pattern
from sandbox.scenarios.vocabulary import Vocabularies, Vocabulary
from sandbox.yamlsource import Path, YamlDocument, YamlError

T = TypeVar("T")


@dataclass
class Checker:
    doc: YamlDocument
    known: Vocabularies  # the gateways the scenario may name, and their delivery profiles
    errors: list[YamlError] = field(default_factory=list)
    vocab: Vocabulary | None = None  # None: the scenario is gateway-neutral

    def fail(self, path: Path, reason: str) -> None:
        self.errors.append(self.doc.error(path, reason))

    @property
    def title(self) -> str:
        return self.vocab.title if self.vocab is not None else "any gateway"

    @property
    def a_title(self) -> str:
        return self.vocab.a_title if self.vocab is not None else "a gateway-neutral"


def all_vocabs(check: Checker) -> list[Vocabulary]:
    """Every vocabulary the document is checked against (a neutral rule needs one to know it)."""
    return check.known.all()


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"a {type(value).__name__} value"


def check_known_keys(
    check: Checker, data: Mapping[Any, Any], path: Path, known: tuple[str, ...]
) -> None:
    for key in data:
        if key not in known:
            check.fail((*path, str(key)), f"unknown key {key!r} (known keys: {', '.join(known)})")


def read_mapping(
    check: Checker, raw: Any, path: Path, known: tuple[str, ...]
) -> dict[Any, Any] | None:
    if not isinstance(raw, dict):
        check.fail(path, f"must be a mapping ({', '.join(known)}), not {kind_of(raw)}")
        return None
    before = len(check.errors)
    check_known_keys(check, raw, path, known)
    return raw if len(check.errors) == before else None


def read_text(check: Checker, raw: Any, path: Path) -> str | None:
    if not isinstance(raw, str):
        check.fail(path, f"must be text, not {kind_of(raw)}")
        return None
    return raw


def read_scalar_text(check: Checker, data: dict[Any, Any], key: str, path: Path) -> str | None:
    """Text that YAML may have read as a number (ids, card numbers): kept as written."""
    if key not in data:
        return None
    raw = data[key]
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    check.fail((*path, key), f"must be text, not {kind_of(raw)}")
    return None


def read_match_text(check: Checker, raw: Any, path: Path) -> str | None:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    check.fail(path, f"must be quoted text, not {kind_of(raw)}")
    return None


def read_regex(check: Checker, raw: Any, path: Path) -> TextPattern | None:
    text = read_match_text(check, raw, path)
    if text is None:
        return None
    try:
        return compile_pattern(text)
    except PatternError as exc:
        check.fail(path, f"not a valid regular expression: {exc}")
        return None


def to_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def read_decimal(check: Checker, raw: Any, path: Path) -> Decimal | None:
    value = to_decimal(raw)
    if value is None:
        check.fail(path, f"{raw!r} is not an amount")
        return None
    minor = check.vocab is not None and check.vocab.amount_unit == "minor"
    if minor and value != value.to_integral():
        check.fail(path, f"{raw} is not a whole number: {check.title} amounts are in minor units")
        return None
    return value


def read_int(check: Checker, raw: Any, path: Path, low: int, high: int) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        check.fail(path, f"{raw!r} is not a whole number from {low} to {high}")
        return None
    return raw


def read_bool(
    check: Checker, data: dict[Any, Any], key: str, path: Path, default: bool = False
) -> bool:
    if key not in data:
        return default
    if not isinstance(data[key], bool):
        check.fail((*path, key), f"must be true or false, not {kind_of(data[key])}")
        return default
    return bool(data[key])


def read_duration(check: Checker, data: dict[Any, Any], key: str, path: Path) -> timedelta | None:
    if key not in data:
        return None
    return parse_with(check, parse_duration, data[key], (*path, key))


def parse_with(check: Checker, parse: Callable[[Any], T], raw: Any, path: Path) -> T | None:
    try:
        return parse(raw)
    except ValueError as exc:
        check.fail(path, str(exc))
        return None
