"""The gateway list: built-in plugs first, a subset by name, and a plug whose parts disagree is
refused when it is built."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sandbox.gateways.installed import BUILTIN, GatewayListError, select_gateways
from sandbox.gateways.plug import GatewayPlug, find_gateway


def test_the_built_in_plugs_carry_their_own_parts() -> None:
    assert [plug.name for plug in BUILTIN] == ["trustpay", "ezpay", "goldenpay"]
    for plug in BUILTIN:
        assert plug.faults.gateway == plug.vocabulary.gateway == plug.merchants.gateway == plug.name
        assert plug.policy.name == plug.name
        assert f"/{plug.name}/" in plug.faults.prefixes
        assert f"/{plug.name}/" not in plug.real_prefixes
        assert plug.routes and plug.conformance is not None and plug.trigger_menu is not None
    assert sorted(find_gateway(BUILTIN, "goldenpay").policies) == [  # type: ignore[union-attr]
        "goldenpay",
        "goldenpay-legacy",
        "goldenpay-transcript-collect",
        "goldenpay-transcript-payout",
    ]


def test_select_keeps_the_installed_order_and_refuses_unknown_names() -> None:
    assert select_gateways(BUILTIN, []) == BUILTIN
    assert [p.name for p in select_gateways(BUILTIN, ["goldenpay", " trustpay"])] == [
        "trustpay",
        "goldenpay",
    ]
    with pytest.raises(GatewayListError) as refused:
        select_gateways(BUILTIN, ["trustpay", "paypal"])
    assert str(refused.value) == (
        "--gateways: unknown gateway 'paypal' (installed: trustpay, ezpay, goldenpay)"
    )
    assert find_gateway(BUILTIN, "paypal") is None


def test_a_plug_whose_parts_name_another_gateway_is_refused() -> None:
    trustpay, ezpay, _ = BUILTIN
    with pytest.raises(ValueError, match="plug 'trustpay': its vocabulary name gateway 'ezpay'"):
        replace(trustpay, vocabulary=ezpay.vocabulary)
    with pytest.raises(ValueError, match="no default delivery policy named 'trustpay'"):
        replace(trustpay, policies=dict(ezpay.policies))
    assert isinstance(replace(trustpay, pages=()), GatewayPlug)
