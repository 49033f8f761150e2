"""One HTTP attempt: POST the exact bytes, read at most 64 KiB of the reply, name the failure.

Callbacks go out through one `aiohttp.ClientSession` per engine, created on first need and then
kept: its connector keeps connections alive per host, and the engine's concurrency limit is a
semaphore in front of it. aiohttp costs about a tenth of the CPU per request of httpx's async
client (see bench/delivery.py), which matters when a CI suite or a load test makes thousands of
callbacks. httpx stays the Python client's library.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from sandbox.delivery.allow import TargetRule
from sandbox.delivery.model import EXCERPT_LIMIT, ErrorKind, SendResult

if TYPE_CHECKING:
    # aiohttp is imported on first delivery, not at start-up (it costs ~120 ms of start-up).
    import aiohttp
    from yarl import URL


class ClientSlots:
    """At most `size` attempts in flight, all through one session."""

    def __init__(self, size: int, user_agent: str) -> None:
        self._size = size
        self._user_agent = user_agent
        self._free = asyncio.Semaphore(size)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session once the first attempt made it; None before and after `close`."""
        return self._session

    @property
    def free(self) -> asyncio.Semaphore:
        """One slot per attempt in flight; hold it around `current()`'s use."""
        return self._free

    def current(self) -> aiohttp.ClientSession:
        """The session, made on first need."""
        return self._session or self._new_session()

    @asynccontextmanager
    async def client(self) -> AsyncIterator[aiohttp.ClientSession]:
        async with self._free:
            yield self.current()

    def _new_session(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=self._size,
            ssl=ssl.create_default_context(),  # one context: loading CA certs takes ~30 ms
            enable_cleanup_closed=True,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self._user_agent},
            skip_auto_headers=("Content-Type",),
            auto_decompress=False,  # the excerpt is the bytes the merchant sent
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def post(
    client: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow: TargetRule | None = None,
) -> SendResult:
    """Never raises for network trouble: the result carries a status or an error kind.
    With `allow`, a target outside it is not contacted at all."""
    import aiohttp

    if allow is not None and not await allow.allows(url):
        return SendResult(error="invalid-url", detail="not an allowed callback target")
    try:
        target = _parsed_url(url)
        if target.scheme not in ("http", "https") or not target.host:
            return SendResult(error="invalid-url", detail=f"not an http(s) URL: {url[:200]}")
        # One overall limit: it also covers a reply that trickles in.
        async with asyncio.timeout(timeout):
            async with client.post(
                target, data=body, headers=headers, allow_redirects=False
            ) as response:
                data, truncated = await _read_capped(response)
                return SendResult(response.status, data, truncated)
    except TimeoutError:
        return SendResult(error="timeout", detail=f"no complete reply within {timeout:g} s")
    except (aiohttp.ClientError, ValueError) as exc:
        return SendResult(error=classify(exc), detail=f"{type(exc).__name__}: {exc}"[:500])
    except (OSError, ssl.SSLError) as exc:
        return SendResult(error=classify(exc), detail=f"{type(exc).__name__}: {exc}"[:500])


@lru_cache(maxsize=1024)
def _parsed_url(url: str) -> URL:
    """The URL exactly as the merchant gave it (parsed once: most callbacks share a few URLs)."""
    from yarl import URL

    return URL(url, encoded=True)


async def _read_capped(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while size <= EXCERPT_LIMIT:
        chunk = await response.content.read(EXCERPT_LIMIT + 1 - size)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:EXCERPT_LIMIT], True


def classify(exc: BaseException) -> ErrorKind:
    """The error kind of a failed attempt: timeout, refused, reset, dns, invalid-*."""
    import aiohttp

    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return "invalid-url"
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        if isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return "reset"
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, socket.gaierror):
            return "dns"
        return "refused"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return "reset"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "reset"
    return "invalid-response"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
