"""`examples/scale-out/`: PostgreSQL, three sandbox replicas and nginx, checked without a Docker
engine: the compose file's services, dependencies and health checks, the nginx configuration
(`nginx -t`, then nginx run for real in front of three replicas on one PostgreSQL database), and
the replicas' health check run for real against a sandbox on PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.postgres import PostgresCluster
from support.server import free_socket

from sandbox.client.trustpay import TrustPayClient, num
from sandbox.testing.process import run_sandbox_process

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scale-out"
REPLICAS = ("sandbox-1", "sandbox-2", "sandbox-3")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLE / "docker-compose.yml").read_text())
    return loaded


def test_services_and_their_order_of_start() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "nginx", *REPLICAS}
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    for name in REPLICAS:
        replica = services[name]
        assert replica["environment"]["SANDBOX_DB"].startswith("postgresql://")
        assert "@postgres:5432/" in replica["environment"]["SANDBOX_DB"]
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert replica["build"]["dockerfile"] == "examples/scale-out/Dockerfile"
        assert replica["healthcheck"]["test"][:2] == ["CMD", "python"]
    nginx = services["nginx"]
    assert nginx["depends_on"] == {name: {"condition": "service_healthy"} for name in REPLICAS}
    assert nginx["ports"] == ["8080:8080"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["healthcheck"]["test"][:2] == ["CMD", "curl"]


def test_the_image_has_the_postgres_driver() -> None:
    dockerfile = (EXAMPLE / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir ".[postgres]"' in dockerfile
    assert "postgres = [" in (ROOT / "pyproject.toml").read_text()


def test_nginx_balances_over_the_three_replicas() -> None:
    config = (EXAMPLE / "nginx.conf").read_text()
    upstream = re.search(r"upstream sandbox \{(.*?)\}", config, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"server (\S+):8080", upstream.group(1))
    assert servers == list(REPLICAS)
    assert "proxy_pass http://sandbox;" in config
    assert "listen 8080;" in config


def test_nginx_accepts_the_configuration() -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    with tempfile.TemporaryDirectory() as folder:
        # Outside compose the replicas' names do not resolve: point them at this machine.
        config = (EXAMPLE / "nginx.conf").read_text()
        for name in REPLICAS:
            config = config.replace(f"{name}:8080", "127.0.0.1:8080")
        path = Path(folder) / "nginx.conf"
        path.write_text(config)
        (Path(folder) / "logs").mkdir()
        result = subprocess.run(
            [nginx, "-t", "-p", folder, "-c", str(path), "-g", "pid nginx.pid;"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 0, result.stderr


def test_the_replica_health_check_passes_on_a_sandbox_on_postgres(
    postgres_cluster: PostgresCluster,
) -> None:
    check = compose()["services"]["sandbox-1"]["healthcheck"]["test"]
    url = postgres_cluster.create_database()
    try:
        with run_sandbox_process(["--db", url]) as served:
            command = [part.replace("127.0.0.1:8080", f"127.0.0.1:{served.port}") for part in check]
            ok = subprocess.run(
                [sys.executable if c == "python" else c for c in command[1:]], timeout=30
            )
            assert ok.returncode == 0
    finally:
        postgres_cluster.drop_database(url)


def test_nginx_in_front_of_three_replicas_serves_one_sandbox(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """The example's nginx configuration run for real in front of three replicas on one
    PostgreSQL database: pay-ins made through it are spread over the replicas and are one
    sandbox whichever replica answers, and with a replica stopped the others answer."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    url = postgres_cluster.create_database()
    try:
        with ExitStack() as stack:
            served = [stack.enter_context(run_sandbox_process(["--db", url])) for _ in REPLICAS]
            config = (EXAMPLE / "nginx.conf").read_text()
            for name, replica in zip(REPLICAS, served, strict=True):
                config = config.replace(f"{name}:8080", f"127.0.0.1:{replica.port}")
            with free_socket() as probe:
                port = probe.getsockname()[1]
            config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
            (tmp_path / "logs").mkdir()
            (tmp_path / "nginx.conf").write_text(config)
            command = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
            foreground = ["-g", "daemon off; pid nginx.pid;"]
            balancer = subprocess.Popen([*command, *foreground], stderr=subprocess.PIPE)
            stack.callback(balancer.wait, 10)
            stack.callback(balancer.terminate)
            http = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}"))
            wait_until_answering(http, balancer)
            trustpay = TrustPayClient(f"http://127.0.0.1:{port}", http=http)
            numbers = [f"LB-{n}" for n in range(12)]
            for number in numbers:
                made = trustpay.cashier_payin(
                    order_no=number, order_amount=num("5.00"), currency="USD",
                    notify_url="http://127.0.0.1:9/notify",
                )  # fmt: skip
                assert str(made["code"]) == "880001", made
            made_by = [
                replica.log.read_text().count("/v4/payin/create/order") for replica in served
            ]
            assert sum(made_by) == len(numbers) and all(made_by), made_by  # round robin
            for number in numbers:  # each order is found whichever replica answers
                assert trustpay.query(number)["data"]["order_no"] == number
            served[0].process.terminate()
            served[0].process.wait(10)
            for number in numbers:  # one replica stopped: the others answer
                assert trustpay.query(number)["data"]["order_no"] == number
    finally:
        postgres_cluster.drop_database(url)


def wait_until_answering(http: httpx.Client, balancer: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert balancer.poll() is None, balancer.stderr.read() if balancer.stderr else b""
        try:
            if http.get("/_sandbox/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("nginx did not answer within 10 s")
