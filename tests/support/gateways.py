"""The suite's gateway list: the installed plugs (the built-in three and DemoPay) and what scenario
checks, merchant config and delivery profiles need from them, handed to the code under test as
`sandbox serve` hands them (nothing is registered globally)."""

from __future__ import annotations

from sandbox.delivery import RetryPolicy
from sandbox.gateways.installed import installed_gateways
from sandbox.merchant_kinds import MerchantKind
from sandbox.runtime import scenario_terms
from sandbox.scenarios.vocabulary import Vocabularies, Vocabulary


def known_terms() -> Vocabularies:
    """The installed gateways' vocabularies and delivery profiles (what scenarios may say)."""
    return scenario_terms(installed_gateways())


def installed_kinds() -> list[MerchantKind]:
    """The installed gateways' merchant kinds (what the config's `merchants:` may name)."""
    return [plug.merchants for plug in installed_gateways()]


def vocabulary(gateway: str) -> Vocabulary:
    found = known_terms().get(gateway)
    assert found is not None, gateway
    return found


def profile(name: str) -> RetryPolicy:
    """A delivery profile one of the installed gateways publishes."""
    return known_terms().profiles[name]
