"""`SANDBOX_CALLBACK_ALLOW`: the hosts and networks callbacks may be sent to (empty = any).

Names match the target URL's host exactly (case-insensitive); CIDRs and addresses match the
addresses the host resolves to, so `10.0.0.0/8` also refuses a name that points inside it. A
refused target is recorded as a failed attempt (`invalid-url`, "not an allowed callback
target"), so no reply from it is ever read back through the admin API.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRule:
    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.networks: list[Network] = []
        for entry in entries:
            text = entry.strip().lower().strip("[]")
            try:
                self.networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                self.names.add(text)

    async def allows(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        if host in self.names:
            return True
        if not self.networks:
            return False
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None)
            except (OSError, UnicodeError):
                return False
            addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        return bool(addresses) and all(
            any(address in network for network in self.networks) for address in addresses
        )
