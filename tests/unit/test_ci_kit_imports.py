"""The CI kit costs the server nothing: building the app and the `sandbox` command's parser
import neither `sandbox.client` nor `sandbox.testing` (nor httpx), and the pytest plugin module
imports nothing heavy."""

import subprocess
import sys

KIT = ("sandbox.client", "sandbox.testing.server", "sandbox.testing.receiver", "httpx")

SERVER_PROBE = f"""
import sys
from sandbox.app import create_app
from sandbox.cli import build_parser
from sandbox.settings import resolve_settings
build_parser()
create_app(resolve_settings({{}}, {{}}))
print(",".join(m for m in {KIT!r} if m in sys.modules))
"""

PLUGIN_PROBE = """
import sys
import sandbox.testing.plugin
heavy = ("httpx", "uvicorn", "starlette", "cryptography", "sandbox.client", "sandbox.app")
print(",".join(m for m in heavy if m in sys.modules))
"""


def probe(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_server_and_cli_do_not_import_the_kit() -> None:
    assert probe(SERVER_PROBE) == ""


def test_plugin_module_is_light() -> None:
    assert probe(PLUGIN_PROBE) == ""
