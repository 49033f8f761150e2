"""Where a callback goes: the order's URL unless SANDBOX_CALLBACK_URL / _ORIGIN override it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def resolve_target(
    url: str | None, callback_url: str | None = None, callback_origin: str | None = None
) -> str | None:
    """The URL to post to, or None when there is none (no URL and no full override).

    `callback_url` replaces every target; `callback_origin` keeps the path and query and replaces
    scheme://host:port. The full URL override wins when both are set.
    """
    if callback_url:
        return callback_url
    if not url:
        return None
    if callback_origin:
        origin = urlsplit(callback_origin)
        parts = urlsplit(url)
        return urlunsplit((origin.scheme, origin.netloc, parts.path, parts.query, parts.fragment))
    return url
