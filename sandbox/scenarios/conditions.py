"""The `when` block of a rule: conditions checked against the gateway's vocabulary."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sandbox.scenarios.model import AmountMatch, TextMatch, When
from sandbox.scenarios.readers import (
    Checker,
    all_vocabs,
    kind_of,
    read_decimal,
    read_mapping,
    read_match_text,
    read_regex,
    read_scalar_text,
)
from sandbox.scenarios.vocabulary import NEUTRAL_KINDS
from sandbox.yamlsource import Path

_WHEN_KEYS = (
    "operation",
    "amount",
    "currency",
    "channel",
    "order_no",
    "card_number",
    "header",
    "merchant",
)


def read_when(check: Checker, raw: Any, path: Path) -> When | None:
    if raw is None:
        return When()
    data = read_mapping(check, raw, path, _WHEN_KEYS)
    if data is None:
        return None
    before = len(check.errors)
    operation = None
    if "operation" in data:
        operation = _operation(check, data["operation"], (*path, "operation"))
    amount = _amount(check, data["amount"], (*path, "amount")) if "amount" in data else None
    currency = read_scalar_text(check, data, "currency", path)
    channel = _channel(check, data, path)
    order_no = (
        _text_match(check, data["order_no"], (*path, "order_no")) if "order_no" in data else None
    )
    card_number = read_scalar_text(check, data, "card_number", path)
    if card_number is not None and check.vocab is not None and not check.vocab.has_cards:
        check.fail((*path, "card_number"), f"{check.title} has no cards: this would never match")
    merchant = read_scalar_text(check, data, "merchant", path)
    header = _header(check, data["header"], (*path, "header")) if "header" in data else {}
    if len(check.errors) != before:
        return None
    return When(
        operation=operation,
        amount=amount,
        currency=currency.upper() if currency is not None else None,
        channel=channel,
        order_no=order_no,
        card_number=card_number,
        header=header,
        merchant=merchant,
    )


def _operation(check: Checker, raw: Any, path: Path) -> str | None:
    if not isinstance(raw, str):
        check.fail(path, f"must be an operation id, not {kind_of(raw)}")
        return None
    if check.vocab is not None:
        if raw in check.vocab.operations or raw in NEUTRAL_KINDS:
            return raw
        known = ", ".join(check.vocab.operations)
        check.fail(path, f"{raw!r} is not {check.a_title} operation (known: {known})")
        return None
    if raw in NEUTRAL_KINDS or any(raw in v.operations for v in all_vocabs(check)):
        return raw
    check.fail(path, f"{raw!r} is not an operation kind (known: {', '.join(NEUTRAL_KINDS)})")
    return None


def _amount(check: Checker, raw: Any, path: Path) -> AmountMatch | None:
    if not isinstance(raw, dict):
        value = read_decimal(check, raw, path)
        return AmountMatch(eq=value) if value is not None else None
    data = read_mapping(
        check, raw, path, ("eq", "gte", "lte", "gt", "lt", "in", "prefix", "suffix", "regex")
    )
    if data is None:
        return None
    if not data:
        check.fail(path, "give at least one of eq, gte, lte, gt, lt, in, prefix, suffix, regex")
        return None
    before = len(check.errors)
    numbers = {
        key: read_decimal(check, data[key], (*path, key))
        for key in ("eq", "gte", "lte", "gt", "lt")
        if key in data
    }
    in_: tuple[Decimal, ...] | None = None
    if "in" in data:
        items = data["in"]
        if not isinstance(items, list) or not items:
            check.fail((*path, "in"), "must be a non-empty list of amounts")
        else:
            parsed = [read_decimal(check, item, (*path, "in", i)) for i, item in enumerate(items)]
            in_ = tuple(p for p in parsed if p is not None)
    texts = {
        key: read_match_text(check, data[key], (*path, key))
        for key in ("prefix", "suffix")
        if key in data
    }
    regex = read_regex(check, data["regex"], (*path, "regex")) if "regex" in data else None
    if len(check.errors) != before:
        return None
    return AmountMatch(
        eq=numbers.get("eq"),
        gte=numbers.get("gte"),
        lte=numbers.get("lte"),
        gt=numbers.get("gt"),
        lt=numbers.get("lt"),
        in_=in_,
        prefix=texts.get("prefix"),
        suffix=texts.get("suffix"),
        regex=regex,
    )


def _text_match(check: Checker, raw: Any, path: Path) -> TextMatch | None:
    if not isinstance(raw, dict):
        value = read_match_text(check, raw, path)
        return TextMatch(exact=value) if value is not None else None
    data = read_mapping(check, raw, path, ("exact", "prefix", "suffix", "regex"))
    if data is None:
        return None
    if not data:
        check.fail(path, "give at least one of exact, prefix, suffix, regex")
        return None
    before = len(check.errors)
    texts = {
        key: read_match_text(check, data[key], (*path, key))
        for key in ("exact", "prefix", "suffix")
        if key in data
    }
    regex = read_regex(check, data["regex"], (*path, "regex")) if "regex" in data else None
    if len(check.errors) != before:
        return None
    return TextMatch(texts.get("exact"), texts.get("prefix"), texts.get("suffix"), regex)


def _channel(check: Checker, data: dict[Any, Any], path: Path) -> str | None:
    channel = read_scalar_text(check, data, "channel", path)
    if channel is None:
        return None
    vocabs = [check.vocab] if check.vocab is not None else all_vocabs(check)
    if any(v.channels is None or channel in v.channels for v in vocabs):
        return channel
    check.fail((*path, "channel"), f"{channel!r} is not {check.a_title} channel")
    return None


def _header(check: Checker, raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        check.fail(path, "must be a mapping of header name to value")
        return {}
    headers: dict[str, str] = {}
    for key, value in raw.items():
        text = read_match_text(check, value, (*path, str(key)))
        if not isinstance(key, str) or not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", key):
            check.fail((*path, str(key)), f"{key!r} is not a header name")
        elif text is not None:
            headers[key.lower()] = text
    return headers
