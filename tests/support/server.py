"""The real sandbox server on a free loopback port: the product's `sandbox.testing.server`.

The suite's sandboxes serve the built-in gateways unless a test names others (`gateways` in
its flags): DemoPay is installed in the test environment for `test_gateway_plugin.py`.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sandbox.gateways.installed import BUILTIN
from sandbox.testing import server as product
from sandbox.testing.server import RunningSandbox, free_socket, serve_asgi

__all__ = ["BUILTIN_GATEWAYS", "RunningSandbox", "free_socket", "run_sandbox", "serve_asgi"]

BUILTIN_GATEWAYS = ",".join(plug.name for plug in BUILTIN)


@contextmanager
def run_sandbox(
    flags: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any
) -> Iterator[RunningSandbox]:
    """`sandbox.testing.server.run_sandbox`, serving the built-in gateways by default."""
    with product.run_sandbox({"gateways": BUILTIN_GATEWAYS, **(flags or {})}, *args, **kwargs) as s:
        yield s
