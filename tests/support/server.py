"""The real sandbox server on a free loopback port: the product's `sandbox.testing.server`."""

from sandbox.testing.server import RunningSandbox, free_socket, run_sandbox, serve_asgi

__all__ = ["RunningSandbox", "free_socket", "run_sandbox", "serve_asgi"]
