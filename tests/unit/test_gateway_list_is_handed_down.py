"""The shared layer needs no gateway registered anywhere: in a fresh process that never imports
`sandbox.gateways.installed` (so `installed_gateways()` is never called), settings resolve
against the merchant kinds handed in, a scenario is checked against the vocabularies handed in,
and a sandbox opens for the plug handed in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = textwrap.dedent(
    """
    import sys

    import sandbox.delivery, sandbox.merchants, sandbox.scenarios.service, sandbox.settings
    from sandbox.gateways.trustpay.plug import PLUG
    from sandbox.runtime import open_sandbox, scenario_terms
    from sandbox.scenarios.loader import ScenarioError, load_scenario_text
    from sandbox.settings import SettingsError, resolve_settings

    config = sys.argv[1]
    settings = resolve_settings({"config": config}, {}, [PLUG.merchants])
    assert settings.merchants.find("trustpay", "42").api_key == "key-42"
    try:
        resolve_settings({"config": config}, {})  # no kinds handed in: none known
    except SettingsError as exc:
        assert "unknown gateway (known: none)" in str(exc), exc
    else:
        raise AssertionError("a merchants section with no kinds handed in was accepted")

    known = scenario_terms([PLUG])
    text = "gateway: trustpay\\nrules:\\n  - delivery: {profile: trustpay}\\n"
    scenario = load_scenario_text(text, "x.yaml", known)
    assert scenario.rules[0].delivery.profile is PLUG.policy
    try:
        load_scenario_text(text.replace("trustpay", "ezpay", 1), "y.yaml", known)
    except ScenarioError as exc:
        assert "'ezpay' is not a gateway served here (served: trustpay" in str(exc), exc
    else:
        raise AssertionError("a scenario for a gateway not handed in was accepted")

    sandbox = open_sandbox(settings, [PLUG])
    assert [kind.gateway for kind, _ in sandbox.merchants.all()] == ["trustpay", "trustpay"]
    assert {s.gateway for s in sandbox.scenarios.library.all()} == {"trustpay", "*"}
    sandbox.store.close()
    assert "sandbox.gateways.installed" not in sys.modules, "the gateway list was looked up"
    print("ok")
    """
)


def test_settings_scenarios_and_a_sandbox_need_no_installed_gateways(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n    - {merchant_id: 42, api_key: key-42, secret: s-42}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
