"""The exceptions of the client: an admin API error, and a wait for callbacks that ran out."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """The admin API answered an error: its `code` (`bad_request`, `not_found`…), its `message`
    and the HTTP `status`."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class CallbackTimeout(SandboxError):
    """`wait_callbacks` ran out of time; `arrived` holds the callbacks that did match."""

    def __init__(self, message: str, wanted: int, arrived: list[dict[str, Any]]) -> None:
        lines = [f"{message} (wanted {wanted}, {len(arrived)} arrived)"]
        lines += [f"  {describe_callback(item)}" for item in arrived] or ["  (none)"]
        super().__init__("timeout", "\n".join(lines), 408)
        self.wanted = wanted
        self.arrived = arrived


def describe_callback(item: dict[str, Any]) -> str:
    """One line for a callback summary: id, gateway, event, order, state, attempts, URL."""
    return (
        f"{item.get('id')} {item.get('gateway')} {item.get('event')} "
        f"order={item.get('order_id')} state={item.get('state')} "
        f"attempts={item.get('attempt_count')} -> {item.get('url')}"
    )
