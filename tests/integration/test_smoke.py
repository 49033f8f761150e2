import pytest
from support.server import RunningSandbox

pytestmark = pytest.mark.postgres


def test_health_answers_with_version_header(server: RunningSandbox) -> None:
    response = server.client.get("/_sandbox/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-sandbox-version"]
