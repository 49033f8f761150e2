"""A browser-like client of the dashboard over HTTP: a cookie jar, form posts with the page's
CSRF token, and the bits of HTML the tests read (no HTML parser needed for these)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from support.server import RunningSandbox

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class DashboardClient:
    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        # Its own client: its own cookie jar, no JSON Content-Type default.
        self.http = httpx.Client(base_url=running.url, timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params) if params else self.http.get(path)

    def page(self, path: str, **params: Any) -> str:
        """The page's HTML; fails unless it answered 200."""
        response = self.get(path, **params)
        assert response.status_code == 200, (response.status_code, response.text[:2000])
        return response.text

    def csrf(self, path: str = "/_sandbox/ui/clock") -> str:
        found = CSRF.search(self.page(path))
        assert found is not None
        return found.group(1)

    def post(
        self, path: str, data: dict[str, Any], *, csrf: str | None = "auto", **kwargs: Any
    ) -> httpx.Response:
        """POST a form (with this session's CSRF token unless `csrf` says otherwise)."""
        fields = dict(data)
        if csrf == "auto":
            fields["csrf"] = self.csrf()
        elif csrf is not None:
            fields["csrf"] = csrf
        headers = {**FORM, **kwargs.pop("headers", {})}
        return self.http.post(path, data=fields, headers=headers, **kwargs)

    def act(self, path: str, data: dict[str, Any]) -> str:
        """POST a form that must succeed (303); the page it leads to."""
        response = self.post(path, data)
        assert response.status_code == 303, (response.status_code, response.text[:2000])
        return self.page(response.headers["location"])


def error_text(page: str) -> str:
    found = re.search(r'id="error">([^<]*)<', page)
    assert found is not None, page[:2000]
    return html.unescape(found.group(1))


def rows(page: str, table_id: str) -> list[str]:
    """The text of each body row of `<table id=table_id>` (tags removed, spaces squeezed)."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert found is not None, f"no table {table_id}"
    body = found.group(1).split("<tbody>", 1)[-1]
    texts = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", " ", row))
        texts.append(" ".join(text.split()))
    return texts
