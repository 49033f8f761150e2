"""The blocks of a rule: `respond`, `outcome`, `callbacks`, `delivery`."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.scenarios.durations import parse_duration
from sandbox.scenarios.model import (
    ACKS,
    OUTCOME_STATUSES,
    SIGNATURES,
    Callbacks,
    CustomAck,
    Delivery,
    Outcome,
    PaidAmount,
    Respond,
    TamperValue,
    When,
)
from sandbox.scenarios.readers import (
    Checker,
    all_vocabs,
    kind_of,
    parse_with,
    read_bool,
    read_duration,
    read_int,
    read_mapping,
    read_text,
    to_decimal,
)
from sandbox.scenarios.vocabulary import NEUTRAL_TAMPER_KEYS
from sandbox.yamlsource import Path

MAX_COPIES = 100
MAX_RETRIES = 50
_PAID_OFFSET = re.compile(r"^\s*order_amount\s*([+-])\s*([0-9]+(?:\.[0-9]+)?)\s*$")
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")

# -- respond --------------------------------------------------------------------------------

_RESPOND_KEYS = ("error", "message", "delay", "http_status", "body", "drop", "commit")


def read_respond(check: Checker, raw: Any, path: Path) -> Respond | None:
    data = read_mapping(check, raw, path, _RESPOND_KEYS)
    if data is None:
        return None
    before = len(check.errors)
    errors: tuple[str, ...] = ()
    if "error" in data:
        errors = _errors(check, data["error"], (*path, "error"))
    message = read_text(check, data["message"], (*path, "message")) if "message" in data else None
    delay = read_duration(check, data, "delay", path)
    http_status = None
    if "http_status" in data:
        http_status = read_int(check, data["http_status"], (*path, "http_status"), 100, 599)
    body = read_text(check, data["body"], (*path, "body")) if "body" in data else None
    drop = read_bool(check, data, "drop", path)
    commit = read_bool(check, data, "commit", path)
    answers = [
        key for key in ("error", "http_status", "drop") if data.get(key) not in (None, False)
    ]
    if len(answers) > 1:
        check.fail(path, f"{' and '.join(answers)} exclude each other: choose one")
    if commit and not answers:
        check.fail((*path, "commit"), "needs error, http_status or drop (delay alone commits)")
    if body is not None and http_status is None:
        check.fail((*path, "body"), "only goes with http_status")
    if message is not None and not errors:
        check.fail((*path, "message"), "only goes with error")
    if not data:
        check.fail(path, "empty: give error, http_status, drop or delay")
    if len(check.errors) != before:
        return None
    return Respond(errors, message, delay, http_status, body, drop, commit)


def _errors(check: Checker, raw: Any, path: Path) -> tuple[str, ...]:
    if isinstance(raw, list):
        if not raw:
            check.fail(path, "an empty list: give at least one error")
            return ()
        items = [(item, (*path, i)) for i, item in enumerate(raw)]
    else:
        items = [(raw, path)]
    codes: list[str] = []
    for item, item_path in items:
        code = _error(check, item, item_path)
        if code is not None:
            codes.append(code)
    return tuple(codes)


def _error(check: Checker, raw: Any, path: Path) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        check.fail(path, f"must be an error code or name, not {kind_of(raw)}")
        return None
    vocabs = [check.vocab] if check.vocab is not None else all_vocabs(check)
    found = [(v, v.find_error(raw)) for v in vocabs]
    known = [(v, e) for v, e in found if e is not None]
    if not known:
        numeric = all(e.code.lstrip("-").isdigit() for v in vocabs for e in v.errors.values())
        check.fail(path, f"{raw} is not {check.a_title} error {'code' if numeric else 'name'}")
        return None
    vocab, error = known[0]
    if not error.forcible:
        why = "success, not an error" if error.message.lower() == "success" else "not forcible"
        check.fail(path, f"{raw} is {why} in {vocab.title}")
        return None
    return error.code if check.vocab is not None else str(raw).strip()


# -- outcome --------------------------------------------------------------------------------


def read_outcome(check: Checker, raw: Any, path: Path, when: When | None) -> Outcome | None:
    data = read_mapping(check, raw, path, ("status", "after", "paid_amount", "reason", "code"))
    if data is None:
        return None
    before = len(check.errors)
    status = data.get("status")
    if "status" not in data:
        check.fail(path, f"missing required key 'status' ({', '.join(OUTCOME_STATUSES)})")
    elif status not in OUTCOME_STATUSES:
        check.fail(
            (*path, "status"),
            f"{status!r} is not an outcome status ({', '.join(OUTCOME_STATUSES)})",
        )
    elif check.vocab is not None and when is not None and when.operation is not None:
        ops = check.vocab.operations_for(when.operation)
        if ops and not any(status in op.outcomes for op in ops):
            if not any(op.outcomes for op in ops):
                reason = f"{when.operation} has no outcome in {check.title} (it answers at once)"
            else:
                reason = f"{check.title} {when.operation} does not accept outcome {status!r}"
            check.fail((*path, "status"), reason)
    after = read_duration(check, data, "after", path)
    paid = (
        _paid_amount(check, data["paid_amount"], (*path, "paid_amount"))
        if "paid_amount" in data
        else None
    )
    if paid is None and isinstance(status, str) and check.vocab is not None and when is not None:
        named = check.vocab.operations_for(when.operation) if when.operation else []
        if named and all(status in op.needs_paid_amount for op in named):
            check.fail(
                path,
                f"{check.title} {when.operation} needs paid_amount with outcome {status!r} "
                "(the amount the payer pays)",
            )
    text = read_text(check, data["reason"], (*path, "reason")) if "reason" in data else None
    code = None
    if "code" in data:
        code = read_int(check, data["code"], (*path, "code"), -(10**12), 10**12)
        if code is not None and check.vocab is not None:
            if not check.vocab.outcome_code:
                check.fail((*path, "code"), f"{check.title} outcomes carry no code")
            elif check.vocab.failure_codes is not None and code not in check.vocab.failure_codes:
                known = ", ".join(str(c) for c in sorted(check.vocab.failure_codes, reverse=True))
                check.fail((*path, "code"), f"{code} is not {check.a_title} failure code ({known})")
    if len(check.errors) != before or not isinstance(status, str):
        return None
    return Outcome(status, after, paid, text, code)


def _paid_amount(check: Checker, raw: Any, path: Path) -> PaidAmount | None:
    minor = check.vocab is not None and check.vocab.amount_unit == "minor"
    text = (
        str(raw).strip()
        if isinstance(raw, str | int | Decimal) and not isinstance(raw, bool)
        else None
    )
    result: PaidAmount | None = None
    if text == "order_amount":
        result = PaidAmount("order", text=text)
    elif text is not None and (m := _PAID_OFFSET.match(text)):
        sign = Decimal(1) if m.group(1) == "+" else Decimal(-1)
        result = PaidAmount("offset", sign * Decimal(m.group(2)), text)
    elif text is not None and (m := _PERCENT.match(text)):
        result = PaidAmount("percent", Decimal(m.group(1)), text)
    elif text is not None:
        value = to_decimal(raw)
        if value is not None and value >= 0:
            result = PaidAmount("fixed", value, text)
    if result is None:
        check.fail(
            path,
            f"{raw!r} is not a paid amount: order_amount, order_amount - 1.00, 50% or a number",
        )
        return None
    if minor and result.kind in ("offset", "fixed") and result.value != result.value.to_integral():
        check.fail(path, f"{check.title} amounts are whole numbers in minor units")
        return None
    return result


# -- callbacks and delivery -----------------------------------------------------------------

_CALLBACK_KEYS = (
    "send",
    "delay",
    "copies",
    "spacing",
    "sequence",
    "signature",
    "tamper",
    "redeliver_after",
)


def read_callbacks(check: Checker, raw: Any, path: Path) -> Callbacks | None:
    data = read_mapping(check, raw, path, _CALLBACK_KEYS)
    if data is None:
        return None
    before = len(check.errors)
    send = read_bool(check, data, "send", path, default=True)
    delay = read_duration(check, data, "delay", path)
    copies = 1
    if "copies" in data:
        copies = read_int(check, data["copies"], (*path, "copies"), 1, MAX_COPIES) or 1
    spacing = read_duration(check, data, "spacing", path)
    sequence: tuple[str, ...] = ()
    if "sequence" in data:
        items = data["sequence"]
        if not isinstance(items, list) or not items:
            check.fail((*path, "sequence"), "must be a non-empty list of outcome statuses")
        else:
            for i, item in enumerate(items):
                if item not in OUTCOME_STATUSES:
                    check.fail(
                        (*path, "sequence", i),
                        f"{item!r} is not an outcome status ({', '.join(OUTCOME_STATUSES)})",
                    )
            sequence = tuple(str(item) for item in items)
    signature = "valid"
    if "signature" in data:
        signature = str(data["signature"])
        if data["signature"] not in SIGNATURES:
            check.fail(
                (*path, "signature"),
                f"{data['signature']!r} is not one of: {', '.join(SIGNATURES)}",
            )
    tamper = _tamper(check, data["tamper"], (*path, "tamper")) if "tamper" in data else {}
    redeliver = read_duration(check, data, "redeliver_after", path)
    if not send and len(data) > 1:
        check.fail((*path, "send"), "send: false sends nothing: drop the other keys")
    if len(check.errors) != before:
        return None
    return Callbacks(send, delay, copies, spacing, sequence, signature, tamper, redeliver)


def _tamper(check: Checker, raw: Any, path: Path) -> dict[str, TamperValue]:
    if not isinstance(raw, dict) or not raw:
        check.fail(path, "must be a mapping of field name to value")
        return {}
    result: dict[str, TamperValue] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            check.fail((*path, str(key)), f"{key!r} is not a field name")
            continue
        if check.vocab is None and key not in NEUTRAL_TAMPER_KEYS:
            check.fail(
                (*path, key),
                f"{key!r} is not a neutral field name ({', '.join(NEUTRAL_TAMPER_KEYS)})",
            )
            continue
        if value is not None and not isinstance(value, str | int | Decimal | bool):
            check.fail((*path, key), f"must be a single value, not {kind_of(value)}")
            continue
        result[key] = value
    return result


def read_custom_ack(check: Checker, raw: Any, path: Path) -> CustomAck | None:
    """`{status: [200, 201], json: {code: 1000}}` or `{status: [200], body: "ok"}`."""
    data = read_mapping(check, raw, path, ("status", "json", "body"))
    if data is None:
        return None
    before = len(check.errors)
    statuses: list[int] = []
    items = data.get("status")
    if not isinstance(items, list) or not items:
        check.fail((*path, "status"), "must be a list of HTTP statuses, e.g. [200]")
    else:
        for i, item in enumerate(items):
            status = read_int(check, item, (*path, "status", i), 100, 599)
            if status is not None:
                statuses.append(status)
    if "json" in data and "body" in data:
        check.fail(path, "give json or body, not both")
    fields: list[tuple[str, Any]] = []
    if "json" in data:
        wanted = data["json"]
        if not isinstance(wanted, dict) or not wanted:
            check.fail((*path, "json"), "must be a mapping of JSON fields to their values")
        else:
            for name, value in wanted.items():
                if isinstance(value, Decimal) or not isinstance(value, str | int | bool | None):
                    check.fail(
                        (*path, "json", name),
                        f"must be text, an integer, true/false or null, not {kind_of(value)}",
                    )
                fields.append((str(name), value))
    body = read_text(check, data["body"], (*path, "body")) if "body" in data else None
    if len(check.errors) != before:
        return None
    return CustomAck(tuple(statuses), tuple(fields), body)


def read_delivery(check: Checker, raw: Any, path: Path) -> Delivery | None:
    data = read_mapping(check, raw, path, ("timeout", "retries", "ack", "profile"))
    if data is None:
        return None
    if not data:
        check.fail(path, "empty: give timeout, retries, ack or profile")
        return None
    before = len(check.errors)
    timeout = read_duration(check, data, "timeout", path)
    if timeout is not None and timeout <= timedelta(0):
        check.fail((*path, "timeout"), "must be longer than 0")
    retries: tuple[timedelta, ...] | None = None
    if "retries" in data:
        items = data["retries"]
        if not isinstance(items, list) or len(items) > MAX_RETRIES:
            check.fail((*path, "retries"), f"must be a list of up to {MAX_RETRIES} durations")
        else:
            parsed = [
                parse_with(check, parse_duration, item, (*path, "retries", i))
                for i, item in enumerate(items)
            ]
            retries = tuple(p for p in parsed if p is not None)
    ack: str | CustomAck | None = None
    if "ack" in data:
        if isinstance(data["ack"], dict):
            ack = read_custom_ack(check, data["ack"], (*path, "ack"))
        else:
            ack = str(data["ack"])
            if data["ack"] not in ACKS:
                known = ", ".join(ACKS)
                check.fail(
                    (*path, "ack"),
                    f"{data['ack']!r} is not one of: {known}, or a mapping {{status, json|body}}",
                )
    profile = None
    if "profile" in data:
        name = read_text(check, data["profile"], (*path, "profile"))
        profile = None if name is None else check.known.profiles.get(name)
        if name is not None and profile is None:
            known = ", ".join(sorted(check.known.profiles))
            check.fail((*path, "profile"), f"{name!r} is not a delivery profile ({known})")
        if "timeout" in data or "retries" in data:
            check.fail((*path, "profile"), "a profile replaces timeout and retries: give one")
    if len(check.errors) != before:
        return None
    return Delivery(timeout, retries, ack, profile)
