"""A fourth gateway with no edit outside its own package: DemoPay (tests/plugins/demo_gateway),
installed into the test environment and found through the `sandbox.gateways` entry point, served
end to end over real sockets next to the built-in three; and `--gateways` serving a subset."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import BUILTIN_GATEWAYS, RunningSandbox, run_sandbox

import sandbox
from sandbox.gateways.installed import GatewayListError, installed_gateways, select_gateways

pytestmark = pytest.mark.postgres

demo_callbacks = pytest.importorskip(
    "demo_gateway.callbacks", reason="the demo gateway package is installed by `make test`"
)

KEY = {"X-Demo-Merchant": "demo-1", "X-Demo-Key": "demo_test_key_1234"}
SECRET = "demo_test_secret_5678"


@pytest.fixture(scope="module")
def server(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "gateways": f"{BUILTIN_GATEWAYS},demogw"}
    ) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"OK")) as running:
        yield running


def pay(
    server: RunningSandbox, order_no: str, amount: str = "12.50", **extra: Any
) -> httpx.Response:
    headers = {**KEY, **extra.pop("headers", {})}
    body = {"order_no": order_no, "amount": amount, **extra}
    return server.client.post("/demo/v1/payments", json=body, headers=headers)


def test_the_entry_point_plug_is_installed_after_the_built_in_ones() -> None:
    names = [plug.name for plug in installed_gateways()]
    assert names[:3] == ["trustpay", "ezpay", "goldenpay"]
    assert "demogw" in names


def test_the_sandbox_itself_never_names_it() -> None:
    # Zero edits outside its folder: the gateway reaches the sandbox only through its entry point.
    package = Path(sandbox.__file__).parent
    naming = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*"))
        if path.is_file()
        and path.suffix in (".py", ".toml", ".html", ".js", ".css", ".yaml")
        and any(word in path.read_text(encoding="utf-8") for word in ("demogw", "demo_gateway"))
    ]
    assert naming == []


def test_served_at_its_real_paths_and_under_its_name(server: RunningSandbox) -> None:
    created = pay(server, "PLUG-1")
    assert created.status_code == 201, created.text
    payment = created.json()["payment"]
    assert payment["status"] == "success"  # the default scenario: success inside the request
    assert payment["paid_amount"] == "12.50"
    again = server.client.get("/demogw/demo/v1/payments/PLUG-1", headers=KEY)
    assert again.status_code == 200
    assert again.json()["payment"]["payment_id"] == payment["payment_id"]
    [order] = server.admin("GET", "orders", params={"gateway": "demogw"}).json()["items"][:1]
    assert order["merchant_order_id"] == "PLUG-1"


def test_listed_in_the_index_and_the_openapi_document(server: RunningSandbox) -> None:
    index = server.client.get("/").json()
    assert index["gateways"]["demogw"] == ["/demo/v1/…", "/demogw/…"]
    assert list(index["gateways"])[:3] == ["trustpay", "ezpay", "goldenpay"]
    document = server.client.get("/_sandbox/openapi.json").json()
    operations = document["paths"]["/demo/v1/payments"]
    assert operations["post"]["tags"] == ["demogw"]
    assert "/demogw" in document["info"]["description"]
    assert not any(path.startswith("/demogw/") for path in document["paths"])


def test_its_errors_use_its_envelope(server: RunningSandbox) -> None:
    bad = pay(server, "PLUG-2", amount="12.345")
    assert bad.status_code == 400
    assert bad.json() == {
        "ok": False,
        "error": {
            "code": "invalid_field",
            "message": "amount: a positive decimal with at most 2 places, as text",
        },
    }
    declined = pay(server, "DECLINE-1")  # its default scenario's magic value
    assert declined.status_code == 402
    assert declined.json()["error"]["code"] == "card_declined"
    wrong_key = pay(server, "PLUG-3", headers={"X-Demo-Key": "nope"})
    assert wrong_key.status_code == 401
    assert wrong_key.json()["error"]["code"] == "unauthorized"
    unknown = server.client.get("/demo/v1/nowhere")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error": {"code": "no_such_endpoint", "message": "no endpoint /demo/v1/nowhere"},
    }
    journal = server.admin("GET", "requests", params={"gateway": "demogw"}).json()["items"]
    assert {entry["operation"] for entry in journal} >= {"payment.create"}


def test_callbacks_are_delivered_with_its_policy_and_ack_rule(
    server: RunningSandbox, receiver: Receiver
) -> None:
    receiver.fail(500)  # the first attempt fails: the retry comes after the policy's 20 s
    notify = receiver.url + "/notify"
    created = pay(server, "PLUG-CB-1", amount="30.00", notify_url=notify)
    assert created.status_code == 201, created.text
    server.advance(0)
    [message] = server.admin("GET", "callbacks", params={"order": "PLUG-CB-1"}).json()["items"]
    assert message["gateway"] == "demogw"
    assert message["policy"] == "demogw"
    assert message["ack_rule"] == demo_callbacks.ACK.describe()
    assert message["state"] == "pending"
    server.advance(19)
    assert len(receiver.requests) == 1
    server.advance(1)
    waited = server.admin(
        "GET",
        "callbacks/wait",
        params={"order": "PLUG-CB-1", "state": "acked", "timeout": 10},
    )
    assert waited.status_code == 200, waited.text
    assert waited.json()["items"][0]["attempt_count"] == 2
    last = receiver.requests[-1]
    assert last.json()["status"] == "success"
    assert last.headers["x-demo-signature"] == demo_callbacks.sign(last.body, SECRET)
    detail = server.admin("GET", f"callbacks/{message['id']}").json()
    assert detail["policy"] == {"name": "demogw", "timeout": 3.0, "delays": [20.0, 40.0]}


def test_a_delayed_outcome_waits_for_the_clock(server: RunningSandbox) -> None:
    created = pay(server, "PLUG-LATE-1", amount="10.01")  # the default: fails after 30 s
    assert created.json()["payment"]["status"] == "pending"
    server.advance(29)
    state = server.client.get("/demo/v1/payments/PLUG-LATE-1", headers=KEY).json()
    assert state["payment"]["status"] == "pending"
    server.advance(1)
    state = server.client.get("/demo/v1/payments/PLUG-LATE-1", headers=KEY).json()
    assert state["payment"]["status"] == "failed"


def test_its_scenarios_are_listed_and_checked_against_its_vocabulary(tmp_path: Path) -> None:
    listing = _sandbox_cli("scenarios", "list")
    assert listing.returncode == 0, listing.stderr
    assert "demogw/default" in listing.stdout
    assert "demogw/slow-demo" in listing.stdout
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: demo-pending\ngateway: demogw\nrules:\n"
        "  - when: {operation: payment.create}\n    outcome: {status: pending}\n"
    )
    assert _sandbox_cli("scenarios", "validate", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: demo-expired\ngateway: demogw\nrules:\n"
        "  - when: {operation: payment.create}\n    outcome: {status: expired}\n"
    )
    refused = _sandbox_cli("scenarios", "validate", str(bad))
    assert refused.returncode == 1
    assert f"{bad}:5" in refused.stdout + refused.stderr
    assert "expired" in refused.stdout + refused.stderr


def test_a_selected_scenario_applies_to_it(server: RunningSandbox) -> None:
    created = pay(server, "PLUG-SLOW-1", headers={"X-Sandbox-Scenario": "slow-demo"})
    assert created.json()["payment"]["status"] == "pending"
    server.advance(120)
    state = server.client.get("/demo/v1/payments/PLUG-SLOW-1", headers=KEY).json()
    assert state["payment"]["status"] == "success"


def test_only_the_selected_gateways_are_served(db_flags: dict[str, str]) -> None:
    with run_sandbox({**db_flags, "clock": "manual", "gateways": "trustpay"}) as only:
        assert list(only.client.get("/").json()["gateways"]) == ["trustpay"]
        assert only.client.post("/v4/balance", json={}).status_code != 404
        for path in ("/open-api/philippines/payment/generate", "/api/v1/mch/info"):
            gone = only.client.post(path, json={})
            assert gone.status_code == 404
            assert gone.json()["error"]["code"] == "not_found"  # the admin envelope: no owner
        assert only.client.post("/demo/v1/payments", json={}, headers=KEY).status_code == 404
        merchants = only.admin("GET", "merchants").json()
        assert {m["gateway"] for m in merchants["items"]} == {"trustpay"}
        paths = only.client.get("/_sandbox/openapi.json").json()["paths"]
        assert not any(p.startswith(("/open-api/", "/api/v1/mch/", "/demo/")) for p in paths)


def test_an_unknown_gateway_name_stops_the_start_up() -> None:
    with pytest.raises(GatewayListError, match="unknown gateway 'paypal'"):
        select_gateways(installed_gateways(), ["trustpay", "paypal"])
    served = _sandbox_cli("serve", "--gateways", "trustpay,paypal", "--port", "0")
    assert served.returncode == 2
    assert "--gateways: unknown gateway 'paypal' (installed: trustpay, ezpay" in served.stderr


def _sandbox_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
