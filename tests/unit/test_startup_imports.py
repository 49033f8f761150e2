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
