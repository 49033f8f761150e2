"""Start-up stays light: building the app imports none of the heavy libraries that only some
requests need (EzPay's RSA, the HTTP client, Faker for cards, the QR renderer), and `sandbox
serve` imports none of the modules only other commands, the dashboard, the event stream, the
unknown-path hints or an unselected plug package need."""

import json
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("cryptography", "httpx", "aiohttp", "faker", "segno")

PROBE = f"""
import sys
from sandbox.app import create_app
from sandbox.settings import resolve_settings
create_app(resolve_settings({{}}, {{}}))
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_building_the_app_loads_no_heavy_library() -> None:
    # A fresh interpreter: the test session itself has imported all of them.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_each_gateway_merchant_module_imports_on_its_own() -> None:
    # No import cycle between a gateway's merchant settings and the merchant registry.
    for gateway in ("trustpay", "ezpay", "goldenpay"):
        probe = f"import sandbox.gateways.{gateway}.merchant"
        subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_the_shared_layer_loads_no_gateway() -> None:
    # Only the gateway list (`sandbox.gateways.installed`) imports a concrete gateway.
    probe = (
        "import sys\n"
        "import sandbox.delivery, sandbox.scenarios.service, sandbox.store, sandbox.merchants\n"
        "import sandbox.runtime, sandbox.gateways.plug, sandbox.gateways.pipeline\n"
        "import sandbox.admin.orders, sandbox.admin.openapi\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sandbox.gateways.trustpay',"
        " 'sandbox.gateways.ezpay', 'sandbox.gateways.goldenpay', 'demo_gateway'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# Imported on first use: the dashboard's pages (Jinja2), the event streams (sse-starlette), the
# unknown-path hints (difflib), the other commands, and, when `--gateways` names only built-in
# gateways, the entry-point look-up (importlib.metadata) and the plug packages.
LAZY = (
    "jinja2",
    "sse_starlette",
    "difflib",
    "importlib.metadata",
    "zipfile",
    "sandbox.dashboard.pages",
    "sandbox.dashboard.views",
    "sandbox.dashboard.stream",
    "sandbox.check.cli",
    "sandbox.tail_cli",
    "sandbox.trigger_cli",
    "demo_gateway",
)


def test_serving_the_built_in_gateways_imports_none_of_the_lazy_modules(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    command = [sys.executable, "-X", "importtime", "-m", "sandbox", "serve", "--port", "0"]
    command += ["--db", str(tmp_path / "sandbox.db"), "--gateways", "trustpay,ezpay,goldenpay"]
    process = subprocess.Popen(
        [*command, "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _port(ready) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # a process starting up, not a callback
        assert _port(ready), "sandbox serve did not become ready"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=60)
    # `-X importtime` writes `import time: self | cumulative | name` for every module imported.
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "sandbox.gateways.ezpay.plug" in imported  # the probe sees the gateways' imports
    assert sorted(imported.intersection(LAZY)) == []


def _port(ready: Path) -> int:
    try:
        return int(json.loads(ready.read_text(encoding="utf-8"))["port"])
    except (OSError, ValueError, KeyError):
        return 0
