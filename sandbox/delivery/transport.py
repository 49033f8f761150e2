"""One HTTP attempt: POST the exact bytes, read at most 64 KiB of the reply, name the failure.

`ClientSlots` holds the engine's HTTP clients, each created on first need and then kept: one
keep-alive `httpx.AsyncClient` per concurrency slot, each with a single connection. httpcore's
pool scans every connection of a client on each request (with 64 connections in one client a
callback costs ~3x the CPU: see bench/delivery.py), so 64 one-connection clients beat one
64-connection client. The most recently used client goes first, keeping few connections warm.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sandbox.delivery.allow import TargetRule
from sandbox.delivery.model import EXCERPT_LIMIT, ErrorKind, SendResult

if TYPE_CHECKING:
    # httpx is imported on first delivery, not at start-up (it costs ~45 ms of start-up time).
    import httpx


class ClientSlots:
    def __init__(self, size: int, user_agent: str) -> None:
        self._user_agent = user_agent
        self._free = asyncio.Semaphore(size)
        self._idle: list[httpx.AsyncClient] = []  # most recently used last
        self._all: list[httpx.AsyncClient] = []
        self._tls: ssl.SSLContext | None = None  # one context: loading CA certs takes ~30 ms

    @asynccontextmanager
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        """A free client (created on first need); at most `size` attempts are in flight."""
        async with self._free:
            client = self._idle.pop() if self._idle else self._new_client()
            try:
                yield client
            finally:
                self._idle.append(client)

    def _new_client(self) -> httpx.AsyncClient:
        import httpx

        if self._tls is None:
            self._tls = httpx.create_ssl_context()
        client = httpx.AsyncClient(
            verify=self._tls,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": self._user_agent},
            trust_env=False,
        )
        self._all.append(client)
        return client

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._all), return_exceptions=True)


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow: TargetRule | None = None,
) -> SendResult:
    """Never raises for network trouble: the result carries a status or an error kind.
    With `allow`, a target outside it is not contacted at all."""
    import httpx

    if allow is not None and not await allow.allows(url):
        return SendResult(error="invalid-url", detail="not an allowed callback target")
    try:
        # httpx times each phase separately; the overall limit covers a reply that trickles in.
        async with asyncio.timeout(timeout):
            async with client.stream(
                "POST", url, content=body, headers=headers, timeout=timeout
            ) as response:
                data, truncated = await _read_capped(response)
                return SendResult(response.status_code, data, truncated)
    except TimeoutError:
        return SendResult(error="timeout", detail=f"no complete reply within {timeout:g} s")
    except httpx.HTTPError as exc:
        return SendResult(error=classify(exc), detail=f"{type(exc).__name__}: {exc}"[:500])
    except (OSError, ssl.SSLError) as exc:
        return SendResult(error=classify(exc), detail=f"{type(exc).__name__}: {exc}"[:500])


async def _read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > EXCERPT_LIMIT:
            return b"".join(chunks)[:EXCERPT_LIMIT], True
    return b"".join(chunks), False


def classify(exc: BaseException) -> ErrorKind:
    """The error kind of a failed attempt: timeout, refused, reset, dns, invalid-*."""
    import httpx

    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid-url"
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        if isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return "reset"
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "dns"
        return "refused"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "reset" if "disconnected" in text else "invalid-response"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return "reset"
    return "invalid-response"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
