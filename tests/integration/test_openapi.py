"""GET /_sandbox/openapi.json describes exactly what the running server serves."""

import pytest
from support.server import RunningSandbox

from sandbox.admin.openapi import build_document
from sandbox.app import create_app
from sandbox.gateways.installed import installed_gateways, select_gateways
from sandbox.settings import resolve_settings

pytestmark = pytest.mark.postgres


def test_the_document_lists_the_admin_api_and_every_served_gateway_path(
    server: RunningSandbox,
) -> None:
    response = server.admin("GET", "openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    for path, method in (
        ("/_sandbox/health", "get"),
        ("/_sandbox/orders", "get"),
        ("/_sandbox/orders/{order_id}/complete", "post"),
        ("/_sandbox/trigger", "post"),
        ("/_sandbox/clock/advance", "post"),
        ("/_sandbox/callbacks/wait", "get"),
    ):
        assert method in paths[path], path
    assert paths["/_sandbox/health"]["get"]["tags"] == ["admin"]
    assert "security" not in paths["/_sandbox/health"]["get"]
    assert paths["/_sandbox/orders"]["get"]["security"] == [{"adminToken": []}, {}]
    # The /<gateway>/… copies are described once, in `info`, not path by path.
    assert not [p for p in paths if p.startswith(("/trustpay/", "/ezpay/", "/goldenpay/"))]
    assert "/trustpay" in document["info"]["description"]

    # Every listed path without parameters is really served (no 404 for its method).
    for path, operations in paths.items():
        if "{" in path:
            continue
        for method in operations:
            answer = server.client.request(
                method.upper(), path, headers={"X-Api-Key": "x"}, params={"timeout": "0"}
            )
            assert answer.status_code != 404, (method, path, answer.text)


def test_admin_endpoints_declare_their_parameters_and_bodies(server: RunningSandbox) -> None:
    paths = server.admin("GET", "openapi.json").json()["paths"]

    def names(path: str, method: str) -> set[str]:
        return {p["name"] for p in paths[path][method].get("parameters", [])}

    assert {"gateway", "merchant", "operation", "page", "page_size"} <= names(
        "/_sandbox/requests", "get"
    )
    assert names("/_sandbox/requests/{id}", "get") == {"id"}
    assert {"count", "state", "timeout", "order"} <= names("/_sandbox/callbacks/wait", "get")
    assert {"order", "status", "kind"} <= names("/_sandbox/orders", "get")
    advance = paths["/_sandbox/clock/advance"]["post"]["requestBody"]
    assert advance["content"]["application/json"]["schema"]["required"] == ["seconds"]
    upload = paths["/_sandbox/scenarios"]["post"]["requestBody"]["content"]
    assert "application/yaml" in upload
    trigger = paths["/_sandbox/trigger"]["post"]["requestBody"]["content"]["application/json"]
    assert {"gateway", "merchant", "notify_url"} <= set(trigger["schema"]["properties"])
    # Every operation with a path template names each of its parameters.
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "{" in path:
                declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
                assert declared, (method, path)
                assert all("{" + name + "}" in path for name in declared), (method, path)


def test_docs_page_renders_the_document_offline(server: RunningSandbox) -> None:
    page = server.admin("GET", "docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<code>/_sandbox/clock/advance</code>" in html
    assert "&quot;seconds&quot;" in html  # the request body schema
    assert "<script" not in html and "https://" not in html  # nothing fetched from elsewhere


def test_gateway_parameters_name_the_served_gateways_only(server: RunningSandbox) -> None:
    served = server.admin("GET", "openapi.json").json()["paths"]
    orders_gateway = next(p for p in served["/_sandbox/orders"]["get"]["parameters"])
    assert orders_gateway["name"] == "gateway"
    assert set(orders_gateway["schema"]["enum"]) >= {"trustpay", "ezpay", "goldenpay"}

    only_trustpay = select_gateways(installed_gateways(), ["trustpay"])
    app = create_app(resolve_settings({}, {}), gateways=only_trustpay)
    paths = build_document(app.routes, only_trustpay)["paths"]
    [gateway] = [
        p for p in paths["/_sandbox/orders"]["get"]["parameters"] if p["name"] == "gateway"
    ]
    assert gateway["schema"] == {"type": "string", "enum": ["trustpay"]}
    assert "x-sandbox-gateway" not in str(paths)
