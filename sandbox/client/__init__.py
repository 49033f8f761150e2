"""A typed Python client for a running sandbox: the admin API and signed gateway clients.

    from sandbox.client import SandboxClient, TrustPayClient

Nothing in the server imports this package.
"""

from sandbox.client.admin import AsyncSandboxClient, SandboxClient
from sandbox.client.errors import CallbackTimeout, SandboxError
from sandbox.client.ezpay import EzPayClient
from sandbox.client.goldenpay import GoldenPayClient, GoldenPayError
from sandbox.client.trustpay import TrustPayClient, num

__all__ = [
    "AsyncSandboxClient",
    "CallbackTimeout",
    "EzPayClient",
    "GoldenPayClient",
    "GoldenPayError",
    "SandboxClient",
    "SandboxError",
    "TrustPayClient",
    "num",
]
