"""The turns of a scenario rule's cycling `respond.error` list, per merchant (`scenario_turns`),
for replicas sharing one database: each request takes the next turn in one statement, so the
cycle runs once across all of them."""

from __future__ import annotations

from sandbox.store.database import Store

TurnKey = tuple[str, str, int, str, str]  # scenario gateway, scenario, rule, gateway, merchant


def take_turn(store: Store, key: TurnKey) -> int:
    """The turn this request gets (0 first), counting it."""
    row = store.fetchone(
        "INSERT INTO scenario_turns (scenario_gateway, scenario, rule, gateway, merchant_id, "
        "turns) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (scenario_gateway, scenario, rule, gateway, merchant_id) "
        "DO UPDATE SET turns = scenario_turns.turns + 1 RETURNING turns",
        key,
    )
    return int(row["turns"]) - 1 if row is not None else 0
