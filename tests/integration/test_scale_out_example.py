"""`examples/scale-out/`: PostgreSQL, three sandbox replicas and nginx, checked without a Docker
engine: the compose file's services, dependencies and health checks, the nginx configuration
(through `nginx -t` where nginx is installed), and the replicas' health check run for real
against a sandbox on PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.postgres import PostgresCluster

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
