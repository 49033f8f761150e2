"""The scenario admin API and readiness, against the real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.server import RunningSandbox, run_sandbox
from support.testgateway import routes

pytestmark = pytest.mark.postgres

TP_DEMO = "8820250900009"
TP_OTHER = "8820250900010"


@pytest.fixture
def gw_server(tmp_path: Path, db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    """The sandbox with a second TrustPay merchant and the test gateway mounted."""
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        f"merchants:\n  trustpay:\n    - {{merchant_id: {TP_OTHER}, api_key: k, secret: s}}\n"
    )
    with run_sandbox({**db_flags, "config": str(config)}, routes=routes()) as running:
        yield running


def create(
    server: RunningSandbox, merchant: str, order_no: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    body = {"merchant": merchant, "order_no": order_no, "amount": "10.00"}
    response = server.client.post("/testgw/trustpay/create", json=body, headers=headers or {})
    return {"status": response.status_code, **response.json()}


def test_list_shows_every_library_scenario(server: RunningSandbox) -> None:
    body = server.client.get("/_sandbox/scenarios", params={"page_size": 500}).json()
    items = {(i["gateway"], i["name"]): i for i in body["items"]}
    assert body["total"] == len(body["items"]) >= 21
    default = items[("trustpay", "default")]
    assert default["file"] == "scenarios/trustpay/default.yaml" and default["status"] == "ok"
    assert default["description"]
    timeout = items[("*", "gateway-timeout")]
    assert timeout["skipped"]["goldenpay"] == [
        {"rule": 2, "reason": "GoldenPay has no 'refund' operation"}
    ]
    assert timeout["skipped"]["trustpay"] == []
    assert body["selection"] == {"global": [], "merchants": []}
    only = server.client.get("/_sandbox/scenarios", params={"gateway": "ezpay"}).json()
    assert {i["gateway"] for i in only["items"]} == {"ezpay", "*"}


def test_upload_valid_and_invalid(server: RunningSandbox) -> None:
    text = "name: mine\ndescription: d\ngateway: ezpay\nrules:\n  - respond: {error: 21011}\n"
    created = server.client.post("/_sandbox/scenarios", content=text)
    assert created.status_code == 201
    assert created.json()["name"] == "mine" and created.json()["gateway"] == "ezpay"
    listed = server.client.get("/_sandbox/scenarios", params={"page_size": 500}).json()["items"]
    assert any(i["name"] == "mine" and i["file"] == "upload.yaml" for i in listed)

    bad = "gateway: trustpay\nrules:\n  - respond: {error: 99}\n  - outcome: {status: x}\n"
    refused = server.client.post("/_sandbox/scenarios", params={"file": "x.yaml"}, content=bad)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"]["code"] == "invalid_scenario"
    assert body["errors"] == [
        "x.yaml:3 rules[0].respond.error: 99 is not a TrustPay error code",
        "x.yaml:4 rules[1].outcome.status: 'x' is not an outcome status "
        "(success, failed, pending, expired, canceled)",
    ]
    garbage = server.client.post("/_sandbox/scenarios", content=b"\xff\xfe")
    assert garbage.status_code == 400


def test_activate_globally_and_per_merchant(server: RunningSandbox) -> None:
    put = server.client.put("/_sandbox/scenarios/active", json={"names": ["slow-gateway"]})
    assert put.status_code == 200 and put.json()["global"] == ["slow-gateway"]
    mine = {"names": ["gateway-down"], "gateway": "trustpay", "merchant": TP_DEMO}
    put = server.client.put("/_sandbox/scenarios/active", json=mine)
    assert put.json()["merchants"] == [
        {"gateway": "trustpay", "merchant": TP_DEMO, "names": ["gateway-down"]}
    ]
    cleared = {"names": None, "gateway": "trustpay", "merchant": TP_DEMO}
    assert server.client.put("/_sandbox/scenarios/active", json=cleared).json()["merchants"] == []

    def put_status(body: object) -> int:
        return server.client.put("/_sandbox/scenarios/active", json=body).status_code

    assert put_status({"names": ["nope"]}) == 404
    assert put_status({"names": ["default"], "gateway": "trustpay", "merchant": "1"}) == 404
    assert put_status({"names": ["x"], "merchant": TP_DEMO}) == 400
    assert put_status({"names": "slow-gateway"}) == 400
    assert put_status({"names": None}) == 400
    assert put_status({"nam": []}) == 400


def test_reset_restores_the_start_up_selection() -> None:
    with run_sandbox({"scenario": ["slow-gateway"]}) as running:
        client = running.client
        client.put("/_sandbox/scenarios/active", json={"names": ["gateway-down"]})
        mine = {"names": ["no-callback"], "gateway": "trustpay", "merchant": TP_DEMO}
        client.put("/_sandbox/scenarios/active", json=mine)
        selection = client.get("/_sandbox/scenarios").json()["selection"]
        assert selection["global"] == ["gateway-down"] and selection["merchants"]
        assert client.post("/_sandbox/reset").status_code == 200
        restored = client.get("/_sandbox/scenarios").json()["selection"]
        assert restored == {"global": ["slow-gateway"], "merchants": []}


def test_ready_reports_per_file_status(tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "ok.yaml").write_text("gateway: '*'\nrules:\n  - callbacks: {copies: 2}\n")
    (folder / "broken.yaml").write_text("gateway: '*'\nrules:\n  - callbacks: {copies: 0}\n")
    with run_sandbox({"scenarios": [str(folder)]}) as running:
        body = running.client.get("/_sandbox/ready").json()
        assert body["ready"] is True and body["checks"]["scenarios"] == "invalid"
        files = {f["file"]: f for f in body["scenario_files"]}
        assert files["scenarios/trustpay/default.yaml"]["status"] == "ok"
        assert files[str(folder / "ok.yaml")]["scenarios"] == ["*/ok"]
        broken = files[str(folder / "broken.yaml")]
        assert broken["status"] == "invalid"
        assert broken["errors"] == [
            f"{folder / 'broken.yaml'}:3 rules[0].callbacks.copies: 0 is not a whole number "
            "from 1 to 100"
        ]


def test_ready_is_all_ok_with_the_library(server: RunningSandbox) -> None:
    body = server.client.get("/_sandbox/ready").json()
    assert body["checks"]["scenarios"] == "ok"
    assert all(f["status"] == "ok" for f in body["scenario_files"])


def test_uploading_and_activating_changes_the_next_request(gw_server: RunningSandbox) -> None:
    assert create(gw_server, TP_DEMO, "o-1")["code"] == "ok"
    text = "name: forced\ngateway: trustpay\nrules:\n  - respond: {error: 880016}\n"
    assert gw_server.client.post("/_sandbox/scenarios", content=text).status_code == 201
    gw_server.client.put("/_sandbox/scenarios/active", json={"names": ["forced"]})
    answer = create(gw_server, TP_DEMO, "o-2")
    assert answer["code"] == 880016 and answer["message"] == "channel_configuration_error"


def test_selection_precedence_over_http(gw_server: RunningSandbox) -> None:
    client = gw_server.client
    client.put("/_sandbox/scenarios/active", json={"names": ["error-sweep"]})
    mine = {"names": ["gateway-down"], "gateway": "trustpay", "merchant": TP_DEMO}
    client.put("/_sandbox/scenarios/active", json=mine)
    header = {"X-Sandbox-Scenario": "happy-path"}
    assert create(gw_server, TP_DEMO, "h-1", headers=header)["code"] == "ok"  # header
    down = client.post(
        "/testgw/trustpay/create", json={"merchant": TP_DEMO, "order_no": "m-1", "amount": "1"}
    )
    assert down.status_code == 502 and down.text == "Bad Gateway"  # merchant
    assert create(gw_server, TP_OTHER, "g-1")["code"] == 880002  # global
    client.put("/_sandbox/scenarios/active", json={"names": []})
    assert create(gw_server, TP_OTHER, "E880005-1")["code"] == 880005  # default
    assert create(gw_server, TP_OTHER, "plain")["code"] == "ok"


def test_two_merchants_with_different_scenarios_in_parallel(gw_server: RunningSandbox) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = gw_server.client
    for merchant, name in ((TP_DEMO, "error-sweep"), (TP_OTHER, "happy-path")):
        body = {"names": [name], "gateway": "trustpay", "merchant": merchant}
        assert client.put("/_sandbox/scenarios/active", json=body).status_code == 200

    def run(merchant: str, index: int) -> Any:
        return create(gw_server, merchant, f"p-{merchant}-{index}")["code"]

    with ThreadPoolExecutor(8) as pool:
        sweep = list(pool.map(lambda i: run(TP_DEMO, i), range(6)))
        happy = list(pool.map(lambda i: run(TP_OTHER, i), range(6)))
    assert sorted(sweep) == [880002, 880003, 880004, 880005, 880006, 880007]
    assert happy == ["ok"] * 6


def test_sandbox_code_header(gw_server: RunningSandbox) -> None:
    forced = create(gw_server, TP_DEMO, "c-1", headers={"X-Sandbox-Code": "880019"})
    assert forced["code"] == 880019 and forced["message"] == "account_limit_exceeded"
    by_name = create(gw_server, TP_DEMO, "c-2", headers={"X-Sandbox-Code": "internal_error"})
    assert by_name["code"] == 880013
    bad = create(gw_server, TP_DEMO, "c-3", headers={"X-Sandbox-Code": "nope"})
    assert bad["status"] == 400 and bad["code"] == "880002"
    assert "X-Sandbox-Code" in bad["message"]
    unknown = create(gw_server, TP_DEMO, "c-4", headers={"X-Sandbox-Scenario": "nope"})
    assert unknown["status"] == 400 and "X-Sandbox-Scenario" in unknown["message"]
