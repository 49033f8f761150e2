"""GET /_sandbox/openapi.json describes exactly what the running server serves."""

from support.server import RunningSandbox


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
