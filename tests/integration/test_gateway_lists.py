"""Two sandboxes in one process, each handed its own gateway list (TrustPay alone; EzPay and
DemoPay), served on real loopback ports at the same time. Each one serves, lists, checks
scenarios against, accepts merchants of and delivers with only its own gateways: nothing about
the gateways is registered process-wide, so neither app's list or state leaks into the other."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.settings import SettingsError

pytest.importorskip("demo_gateway", reason="the demo gateway package is installed by `make test`")

CONFIG = """\
merchants:
  trustpay:
    - {merchant_id: 42, api_key: key-42, secret: secret-42}
  demogw:
    - {merchant_id: demo-2, api_key: demo_key_2, secret: demo_secret_2}
"""
DEMO_KEY = {"X-Demo-Merchant": "demo-2", "X-Demo-Key": "demo_key_2"}
TRUSTPAY_MERCHANT = "8820250900009"
EZPAY_PATH = "/open-api/philippines/payment/generate"


def scenario(gateway: str, name: str, delivery: str = "{ack: any-2xx}") -> str:
    return f'name: {name}\ngateway: "{gateway}"\nrules:\n  - delivery: {delivery}\n'


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("lists") / "sandbox.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def apps(config: str) -> Iterator[tuple[RunningSandbox, RunningSandbox]]:
    with (
        run_sandbox({"clock": "manual", "gateways": "trustpay", "config": config}) as trustpay,
        run_sandbox({"clock": "manual", "gateways": "ezpay,demogw", "config": config}) as others,
    ):
        yield trustpay, others


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"OK")) as running:
        yield running


def items(app: RunningSandbox, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = app.admin("GET", path, params={"page_size": 500, **params})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def pay_demo(app: RunningSandbox, order_no: str, **extra: Any) -> Any:
    body = {"order_no": order_no, "amount": "12.50", **extra}
    return app.client.post("/demo/v1/payments", json=body, headers=DEMO_KEY)


def test_each_serves_only_its_gateways_paths(apps: tuple[RunningSandbox, RunningSandbox]) -> None:
    trustpay, others = apps
    assert trustpay.sandbox is not others.sandbox
    assert [g.name for g in trustpay.sandbox.gateways] == ["trustpay"]
    assert [g.name for g in others.sandbox.gateways] == ["ezpay", "demogw"]
    assert trustpay.client.post("/v4/balance", json={}).status_code != 404
    assert others.client.post("/v4/balance", json={}).status_code == 404
    assert trustpay.client.post(EZPAY_PATH, json={}).status_code == 404
    assert others.client.post(EZPAY_PATH, json={}).status_code != 404
    assert pay_demo(trustpay, "LIST-0").status_code == 404
    created = pay_demo(others, "LIST-1")
    assert created.status_code == 201, created.text


def test_each_lists_only_its_gateways(apps: tuple[RunningSandbox, RunningSandbox]) -> None:
    trustpay, others = apps
    assert list(trustpay.client.get("/").json()["gateways"]) == ["trustpay"]
    assert list(others.client.get("/").json()["gateways"]) == ["ezpay", "demogw"]
    trustpay_paths = trustpay.client.get("/_sandbox/openapi.json").json()["paths"]
    other_paths = others.client.get("/_sandbox/openapi.json").json()["paths"]
    assert "/v4/balance" in trustpay_paths and "/v4/balance" not in other_paths
    ezpay_path = "/open-api/{country}/payment/generate"
    assert ezpay_path in other_paths and ezpay_path not in trustpay_paths
    assert "/demo/v1/payments" in other_paths and "/demo/v1/payments" not in trustpay_paths


def test_each_lists_the_library_of_its_gateways(
    apps: tuple[RunningSandbox, RunningSandbox],
) -> None:
    trustpay, others = apps
    trustpay_listed, others_listed = items(trustpay, "scenarios"), items(others, "scenarios")
    assert {i["gateway"] for i in trustpay_listed} == {"trustpay", "*"}
    assert {i["gateway"] for i in others_listed} == {"ezpay", "demogw", "*"}
    assert all(i["status"] == "ok" for i in trustpay_listed + others_listed)
    # A gateway-neutral scenario says which of the served gateways skip which rules.
    [neutral] = [i for i in trustpay_listed if i["name"] == "happy-path"]
    assert set(neutral["skipped"]) == {"trustpay"}
    [neutral] = [i for i in others_listed if i["name"] == "happy-path"]
    assert set(neutral["skipped"]) == {"ezpay", "demogw"}


def test_each_checks_scenarios_against_its_own_vocabularies(
    apps: tuple[RunningSandbox, RunningSandbox],
) -> None:
    trustpay, others = apps
    for_demo = scenario("demogw", "demo-any-ack")
    refused = trustpay.admin("POST", "scenarios", content=for_demo)
    assert refused.status_code == 422, refused.text
    [message] = refused.json()["errors"]
    assert "'demogw' is not a gateway served here (served: trustpay, or \"*\")" in message
    assert others.admin("POST", "scenarios", content=for_demo).status_code == 201

    for_trustpay = scenario("trustpay", "trustpay-any-ack")
    refused = others.admin("POST", "scenarios", content=for_trustpay)
    assert refused.status_code == 422
    [message] = refused.json()["errors"]
    assert "'trustpay' is not a gateway served here (served: demogw, ezpay, or \"*\")" in message
    assert trustpay.admin("POST", "scenarios", content=for_trustpay).status_code == 201

    # Delivery profiles are the served gateways' too.
    demo_profile = scenario("*", "demo-profile", "{profile: demogw}")
    refused = trustpay.admin("POST", "scenarios", content=demo_profile)
    assert refused.status_code == 422
    [message] = refused.json()["errors"]
    assert "'demogw' is not a delivery profile (trustpay)" in message
    assert others.admin("POST", "scenarios", content=demo_profile).status_code == 201

    names = {(i["gateway"], i["name"]) for i in items(trustpay, "scenarios")}
    assert ("trustpay", "trustpay-any-ack") in names
    assert not {("demogw", "demo-any-ack"), ("*", "demo-profile")} & names


def test_each_accepts_merchants_only_of_its_kinds(
    apps: tuple[RunningSandbox, RunningSandbox], tmp_path: Path
) -> None:
    trustpay, others = apps

    def listed(app: RunningSandbox) -> set[tuple[str, str]]:
        return {(m["gateway"], m["merchant"]) for m in items(app, "merchants")}

    assert listed(trustpay) == {("trustpay", TRUSTPAY_MERCHANT), ("trustpay", "42")}
    ezpay_demo = others.sandbox.merchants.by_gateway["ezpay"][0].app_id
    assert listed(others) == {("ezpay", ezpay_demo), ("demogw", "demo-1"), ("demogw", "demo-2")}
    assert others.sandbox.merchants.find("trustpay", "42") is None
    # A merchants section for a gateway that is not installed at all stops the start-up.
    config = tmp_path / "unknown.yaml"
    config.write_text("merchants:\n  paypal:\n    - {id: 1}\n", encoding="utf-8")
    with (
        pytest.raises(SettingsError, match="unknown gateway"),
        run_sandbox({"gateways": "trustpay", "config": str(config)}),
    ):
        pass


def test_each_runs_only_its_gateways_timers(apps: tuple[RunningSandbox, RunningSandbox]) -> None:
    trustpay, others = apps
    assert trustpay.sandbox.timers.actions
    assert all(name.startswith("trustpay.") for name in trustpay.sandbox.timers.actions)
    assert {name.split(".")[0] for name in others.sandbox.timers.actions} == {"ezpay", "demogw"}
    late = pay_demo(others, "LIST-LATE-1", amount="10.01")  # DemoPay's default: fails after 30 s
    assert late.json()["payment"]["status"] == "pending"
    others.advance(30)
    state = others.client.get("/demo/v1/payments/LIST-LATE-1", headers=DEMO_KEY).json()
    assert state["payment"]["status"] == "failed"
    # Each has its own clock: advancing one left the other where it was.
    assert others.sandbox.clock.now() - trustpay.sandbox.clock.now() >= timedelta(seconds=29)


def test_each_delivers_with_its_own_policies_and_keeps_its_own_state(
    apps: tuple[RunningSandbox, RunningSandbox], receiver: Receiver
) -> None:
    trustpay, others = apps
    created = pay_demo(others, "LIST-CB-1", notify_url=receiver.url + "/notify")
    assert created.status_code == 201, created.text
    trigger = {
        "gateway": "trustpay",
        "merchant": TRUSTPAY_MERCHANT,
        "kind": "payin",
        "status": "success",
        "amount": "7.00",
        "notify_url": receiver.url + "/notify",
        "order_no": "LIST-CB-2",
    }
    assert trustpay.admin("POST", "trigger", json=trigger).status_code == 201

    [demo] = items(others, "callbacks", order="LIST-CB-1")
    assert (demo["gateway"], demo["policy"]) == ("demogw", "demogw")
    detail = others.admin("GET", f"callbacks/{demo['id']}").json()
    assert detail["policy"] == {"name": "demogw", "timeout": 3.0, "delays": [20.0, 40.0]}
    [tp] = items(trustpay, "callbacks", order="LIST-CB-2")
    assert (tp["gateway"], tp["policy"]) == ("trustpay", "trustpay")

    assert items(trustpay, "callbacks", order="LIST-CB-1") == []
    assert items(others, "callbacks", order="LIST-CB-2") == []
    assert {o["gateway"] for o in items(trustpay, "orders")} == {"trustpay"}
    assert {o["gateway"] for o in items(others, "orders")} <= {"ezpay", "demogw"}
    assert "LIST-CB-2" not in {o["merchant_order_id"] for o in items(others, "orders")}


def test_the_scenario_commands_check_against_the_gateways_they_select(tmp_path: Path) -> None:
    demo = tmp_path / "demo.yaml"
    demo.write_text(scenario("demogw", "demo-any-ack"), encoding="utf-8")
    assert cli("scenarios", "validate", str(demo)).returncode == 0  # every installed gateway
    refused = cli("scenarios", "validate", "--gateways", "trustpay", str(demo))
    assert refused.returncode == 1
    assert "'demogw' is not a gateway served here (served: trustpay" in refused.stderr
    refused = cli("scenarios", "validate", str(demo), env={"SANDBOX_GATEWAYS": "ezpay"})
    assert refused.returncode == 1
    assert "(served: ezpay, or" in refused.stderr

    listing = cli("scenarios", "list", env={"SANDBOX_GATEWAYS": "trustpay"})
    assert listing.returncode == 0, listing.stderr
    listed = {line.split()[0] for line in listing.stdout.splitlines() if "/" in line.split(" ")[0]}
    assert "trustpay/default" in listed and "*/happy-path" in listed
    assert not any(name.startswith(("ezpay/", "goldenpay/", "demogw/")) for name in listed)

    unknown = cli("scenarios", "list", "--gateways", "paypal")
    assert unknown.returncode == 2
    assert "unknown gateway 'paypal'" in unknown.stderr


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "SANDBOX_GATEWAYS"}
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**environ, **(env or {})},
    )
