"""Start-up stays light: building the app imports none of the heavy libraries that only some
requests need (EzPay's RSA, the HTTP client, Faker for cards, the QR renderer)."""

import subprocess
import sys

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
