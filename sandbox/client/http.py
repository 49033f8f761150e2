"""What the three signed gateway clients share: one `httpx.Client` per client, closed with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import httpx

DEFAULT_URL = "http://127.0.0.1:8080"


class GatewayClient:
    """An HTTP connection pool to `url`; `http` shares an existing `httpx.Client` instead."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = dict(headers or {})
        self._owned = http is None
        self.http = http if http is not None else httpx.Client(base_url=self.url, timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (not a shared `http` client)."""
        if self._owned:
            self.http.close()

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.headers, **(extra or {})}
