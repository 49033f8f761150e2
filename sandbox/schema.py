"""Build frozen dataclasses from YAML data, checked against the dataclass's own type hints.

Every gateway declares its merchant settings as dataclasses; this module turns a config-file
mapping into them with one set of rules: unknown keys are errors, a field without a default is
required, numbers for money become `Decimal`, and every error carries the document's
`file:line path`. A field may add its own check through `field(metadata={"check": fn})`, where
`fn(value) -> value` raises `ValueError` with a reason.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from sandbox.yamlsource import Path, YamlDocument

T = TypeVar("T")


def parse_dataclass(
    cls: type[T], raw: Any, doc: YamlDocument, path: Path, *, run_checks: bool = True
) -> T:
    """`raw` (a mapping from YAML) as an instance of `cls`, or a `YamlError` naming the place.

    `run_checks=False` skips the fields' own checks: for the shipped demo values, which the test
    suite checks once instead of every start-up paying for it (EzPay keys load `cryptography`).
    """
    if not isinstance(raw, Mapping):
        raise doc.error(path, f"must be a mapping, not {_kind(raw)}")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in raw:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise doc.error((*path, str(key)), f"unknown key {key!r} (known keys: {known})")
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in raw:
            no_default = (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            )
            if no_default:
                raise doc.error(path, f"missing required key {name!r}")
            continue
        child = (*path, name)
        value = _convert(hints[name], raw[name], doc, child, run_checks)
        check = spec.metadata.get("check") if run_checks else None
        if check is not None and value is not None:
            try:
                value = check(value)
            except ValueError as exc:
                raise doc.error(child, str(exc)) from None
        values[name] = value
    return cls(**values)


def _convert(hint: Any, raw: Any, doc: YamlDocument, path: Path, run_checks: bool) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if raw is None:
            if len(options) == len(typing.get_args(hint)):
                raise doc.error(path, "must not be null")
            return None
        return _convert(options[0], raw, doc, path, run_checks)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if raw not in allowed:
            choices = " or ".join(repr(a) for a in allowed)
            raise doc.error(path, f"must be {choices}, not {raw!r}")
        return raw
    if origin in (tuple, list):
        if not isinstance(raw, list):
            raise doc.error(path, f"must be a list, not {_kind(raw)}")
        (item_hint, *_rest) = typing.get_args(hint)
        return tuple(
            _convert(item_hint, item, doc, (*path, i), run_checks) for i, item in enumerate(raw)
        )
    if origin in (dict, Mapping, typing.Mapping):
        if not isinstance(raw, Mapping):
            raise doc.error(path, f"must be a mapping, not {_kind(raw)}")
        _key_hint, value_hint = typing.get_args(hint)
        return {
            str(key): _convert(value_hint, value, doc, (*path, str(key)), run_checks)
            for key, value in raw.items()
        }
    if dataclasses.is_dataclass(hint):
        return parse_dataclass(hint, raw, doc, path, run_checks=run_checks)  # type: ignore[arg-type]
    if raw is None:
        raise doc.error(path, "must not be null")
    if hint is Decimal:
        return _to_decimal(raw, doc, path)
    if hint is bool:
        if not isinstance(raw, bool):
            raise doc.error(path, f"must be true or false, not {raw!r}")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise doc.error(path, f"must be a whole number, not {raw!r}")
        return raw
    if hint is str:
        if not isinstance(raw, str):
            raise doc.error(path, f"must be a string (quote it in YAML), not {raw!r}")
        return raw
    raise TypeError(f"schema type {hint!r} at {path} is not supported")  # a programming error


def _to_decimal(raw: Any, doc: YamlDocument, path: Path) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise doc.error(path, f"must be a number, not {raw!r}")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise doc.error(path, f"{raw!r} is not a number") from None
    if not number.is_finite():
        raise doc.error(path, f"{raw!r} is not a finite number")
    return number


def _kind(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, Mapping):
        return "a mapping"
    return repr(raw)


_HINTS: dict[Any, dict[str, Any]] = {}


def _hints(cls: Any) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


# Field checks shared by every gateway's merchant settings (use via field metadata "check").


def check_url(value: str) -> str:
    """An absolute http(s) URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http:// or https:// URL")
    return value


def check_currency_keys(value: Mapping[str, T]) -> Mapping[str, T]:
    """Mapping keyed by ISO 4217-style codes (three or four upper-case letters, e.g. USDT)."""
    for key in value:
        if not (3 <= len(key) <= 4 and key.isascii() and key.isalpha() and key.isupper()):
            raise ValueError(f"{key!r} is not a currency code (upper case, e.g. USD)")
    return value


def check_utc_offset(value: str) -> str:
    """A UTC offset written `+08:00` / `-03:30`."""
    import re

    if not re.fullmatch(r"[+-](0\d|1[0-4]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a UTC offset like +08:00")
    return value


def check_not_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value
