"""Acknowledgement rules: did the merchant's reply acknowledge the callback?

A rule is data (so a pending message keeps it across a restart) and `acknowledged(rule, status,
body)` is the one pure function that applies it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

AckKind = Literal["any_2xx", "json_field_equals", "body_equals_text", "custom"]
JsonScalar = str | int | float | bool | None


@dataclass(frozen=True)
class AckRule:
    kind: AckKind
    field: str = ""
    values: tuple[JsonScalar, ...] = ()
    text: str = ""
    # `custom` only: the HTTP statuses taken, and the JSON fields or the trimmed body required.
    statuses: tuple[int, ...] = ()
    fields: tuple[tuple[str, JsonScalar], ...] = ()
    body: str | None = None

    def describe(self) -> str:
        if self.kind == "any_2xx":
            return "HTTP 2xx"
        if self.kind == "json_field_equals":
            shown = " or ".join(json.dumps(v) for v in self.values)
            return f"HTTP 200 and JSON {self.field} == {shown}"
        if self.kind == "custom":
            parts = ["HTTP " + " or ".join(str(s) for s in self.statuses)]
            parts += [f"JSON {name} == {json.dumps(value)}" for name, value in self.fields]
            if self.body is not None:
                parts.append(f"body {self.body!r} (trimmed)")
            return " and ".join(parts)
        return f"HTTP 200 and body {self.text!r} (trimmed)"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "field": self.field,
            "values": list(self.values),
            "text": self.text,
        }
        if self.kind == "custom":
            data["statuses"] = list(self.statuses)
            data["fields"] = [[name, value] for name, value in self.fields]
            data["body"] = self.body
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> AckRule:
        return AckRule(
            data["kind"],
            data["field"],
            tuple(data["values"]),
            data["text"],
            statuses=tuple(data.get("statuses", ())),
            fields=tuple((name, value) for name, value in data.get("fields", ())),
            body=data.get("body"),
        )


def any_2xx() -> AckRule:
    return AckRule("any_2xx")


def json_field_equals(field: str, *values: JsonScalar) -> AckRule:
    """HTTP 200 and the JSON object's `field` equal to one of `values` (type-exact: 1 != true)."""
    if not values:
        raise ValueError("json_field_equals needs at least one value")
    return AckRule("json_field_equals", field=field, values=values)


def body_equals_text(text: str) -> AckRule:
    """HTTP 200 and the body, surrounding whitespace removed, exactly `text` (case-sensitive)."""
    return AckRule("body_equals_text", text=text)


def custom_ack(
    statuses: tuple[int, ...],
    fields: tuple[tuple[str, JsonScalar], ...] = (),
    body: str | None = None,
) -> AckRule:
    """A scenario's own rule: the HTTP status one of `statuses`, and every JSON field in `fields`
    equal (type-exact), or the trimmed body exactly `body`."""
    if not statuses:
        raise ValueError("a custom ack rule needs at least one HTTP status")
    return AckRule("custom", statuses=statuses, fields=fields, body=body)


def acknowledged(rule: AckRule, status: int | None, body: bytes) -> bool:
    if status is None:
        return False
    if rule.kind == "any_2xx":
        return 200 <= status <= 299
    if rule.kind == "custom":
        return status in rule.statuses and _custom_body_matches(rule, body)
    if status != 200:
        return False
    if rule.kind == "body_equals_text":
        try:
            return body.decode("utf-8").strip() == rule.text
        except UnicodeDecodeError:
            return False
    return _json_field_matches(body, rule.field, rule.values)


def _custom_body_matches(rule: AckRule, body: bytes) -> bool:
    if rule.body is not None:
        try:
            return body.decode("utf-8").strip() == rule.body
        except UnicodeDecodeError:
            return False
    return all(_json_field_matches(body, name, (value,)) for name, value in rule.fields)


def _json_field_matches(body: bytes, field: str, values: tuple[JsonScalar, ...]) -> bool:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(data, dict) or field not in data:
        return False
    found = data[field]
    return any(type(found) is type(v) and found == v for v in values)
