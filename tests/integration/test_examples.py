"""The CI examples in `examples/`: each file is parsed, and what can run without a Docker engine
runs here — the example shop's suite (also under xdist), the workflow's and the GitLab job's
shell steps against a real sandbox process, and every health check command."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sandbox.client import SandboxClient
from sandbox.testing.process import SandboxProcess, run_sandbox_process
from sandbox.testing.server import free_socket

pytestmark = pytest.mark.postgres

EXAMPLES = Path(__file__).parents[2] / "examples"
SHOP = EXAMPLES / "merchant-app"
BIN = str(Path(sys.executable).parent)
SHOP_TESTS = 18


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return data


def run_shell(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def shop_copy(tmp_path: Path) -> Path:
    """The shop in a folder of its own, as a merchant's repository checkout (and so parallel
    runs do not share a junit.xml)."""
    folder = tmp_path / "shop"
    shutil.copytree(SHOP, folder, ignore=shutil.ignore_patterns("__pycache__", "junit.xml"))
    return folder


def junit_counts(path: Path) -> tuple[int, int, int]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return int(suite.get("tests", 0)), int(suite.get("failures", 0)), int(suite.get("errors", 0))


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["-p", "xdist", "-n", "2"]], ids=["serial", "xdist"])
def test_the_shop_suite_passes(extra: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=SHOP,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{SHOP_TESTS} passed" in result.stdout


def service_sandbox(env: dict[str, str]) -> Any:
    """A sandbox process standing in for the service container: its environment, a wildcard
    bind like the image's, a free port instead of 8080."""
    return run_sandbox_process(["--host", "0.0.0.0"], env=env)


@pytest.mark.slow
def test_github_actions_workflow(tmp_path: Path, db_env: dict[str, str]) -> None:
    workflow = load("ci/github-actions.yml")
    job = workflow["jobs"]["test"]
    service = job["services"]["sandbox"]
    assert service["ports"] == ["8080:8080"]
    assert service["env"]["SANDBOX_ADMIN_TOKEN"] == job["env"]["SANDBOX_ADMIN_TOKEN"]
    assert "--add-host=host.docker.internal:host-gateway" in service["options"]
    steps = {step.get("name", step.get("uses")): step for step in job["steps"]}
    upload = steps["Upload the JUnit report"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "junit.xml"
    options = shlex.split(service["options"])
    health = options[options.index("--health-cmd") + 1]
    with service_sandbox({**{k: str(v) for k, v in service["env"].items()}, **db_env}) as served:
        port_health = health.replace(":8080/", f":{served.port}/")
        assert run_shell(port_health, {}, tmp_path).returncode == 0
        env = {
            **{k: str(v) for k, v in job["env"].items()},
            "SANDBOX_URL": served.url,
            "SANDBOX_RECEIVER_HOST": "127.0.0.1",  # no container network here
        }
        checkout = shop_copy(tmp_path)
        # "Install dependencies" needs the package registry; this environment has them.
        for name in ("Wait for the sandbox", "Merchant tests"):
            result = run_shell(steps[name]["run"], env, checkout)
            assert result.returncode == 0, f"{name}:\n{result.stdout}\n{result.stderr}"
        token = job["env"]["SANDBOX_ADMIN_TOKEN"]
        assert SandboxClient(served.url, token).health()["status"] == "ok"
    assert junit_counts(checkout / "junit.xml") == (SHOP_TESTS, 0, 0)


@pytest.mark.slow
def test_gitlab_ci_job(tmp_path: Path, db_env: dict[str, str]) -> None:
    job = load("ci/gitlab-ci.yml")["merchant-tests"]
    [service] = job["services"]
    assert service["alias"] == "sandbox"
    assert job["variables"]["SANDBOX_URL"] == "http://sandbox:8080"
    assert job["artifacts"]["reports"]["junit"] == "junit.xml"
    assert job["artifacts"]["when"] == "always"
    with service_sandbox({**service["variables"], **db_env}) as served:
        variables = {**job["variables"], "SANDBOX_URL": served.url}
        script = [line for line in job["script"] if "pip install" not in line]
        checkout = shop_copy(tmp_path)
        result = run_shell("\n".join(script), variables, checkout)
        assert result.returncode == 0, result.stdout + result.stderr
    assert junit_counts(checkout / "junit.xml") == (SHOP_TESTS, 0, 0)


def start_shop(command: list[str], env: dict[str, str], ready: Path) -> subprocess.Popen[bytes]:
    listener = free_socket()
    port = listener.getsockname()[1]
    listener.close()
    argv = [sys.executable if part == "python" else part for part in command]
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    env = {**os.environ, **env, "SHOP_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(argv, cwd=SHOP, env=env)
    ready.write_text(str(port))
    return process


@pytest.mark.slow
def test_docker_compose(tmp_path: Path, db_env: dict[str, str]) -> None:
    compose = load("docker-compose.yml")
    sandbox, shop = compose["services"]["sandbox"], compose["services"]["shop"]
    assert sandbox["extra_hosts"] == ["host.docker.internal:host-gateway"]
    assert sandbox["environment"]["SANDBOX_PUBLIC_URL"] == "http://localhost:8080"
    assert shop["depends_on"]["sandbox"]["condition"] == "service_healthy"
    assert shop["environment"]["GATEWAY_URL"] == "http://sandbox:8080"
    assert (EXAMPLES / sandbox["build"] / "Dockerfile").exists()
    env = sandbox["environment"]
    with service_sandbox({**env, **db_env}) as served:
        health = [sys.executable, *sandbox["healthcheck"]["test"][2:]]
        check = {**os.environ, "SANDBOX_PORT": str(served.port)}
        assert subprocess.run(health, env=check, timeout=30).returncode == 0
        run_shop_against(served, shop, env["SANDBOX_ADMIN_TOKEN"], tmp_path)


def run_shop_against(
    served: SandboxProcess, shop: dict[str, Any], token: str, tmp_path: Path
) -> None:
    """The compose `shop` command, on a free port, with GATEWAY_URL at the local sandbox."""
    environment = {**shop["environment"], "GATEWAY_URL": served.url}
    process = start_shop(shop["command"], environment, tmp_path / "port")
    port = int((tmp_path / "port").read_text())
    try:
        health = [sys.executable, *shop["healthcheck"]["test"][2:]]
        health[-1] = health[-1].replace(":3000/", f":{port}/")
        wait_until_served(f"http://127.0.0.1:{port}/health", process)
        assert subprocess.run(health, timeout=30).returncode == 0
        shop_url = f"http://127.0.0.1:{port}"
        created = httpx.post(
            f"{shop_url}/checkout/goldenpay", json={"order_id": "COMPOSE-1", "amount": "20.00"}
        )
        assert created.status_code == 201, created.text
        pay_url = created.json()["pay_url"]
        assert pay_url.startswith("http://localhost:8080/_sandbox/pay/goldenpay/")  # public URL
        with SandboxClient(served.url, token) as client:
            client.complete(created.json()["gateway_order_id"], status="success")
            client.wait_callbacks(order=created.json()["gateway_order_id"], state="acked")
        assert httpx.get(f"{shop_url}/orders/COMPOSE-1").json()["state"] == "paid"
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_until_served(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(500):
        if process.poll() is not None:
            raise AssertionError("the shop exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.02)  # the process is starting (not a callback wait)
    raise AssertionError(f"{url} never answered")
