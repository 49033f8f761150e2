"""The hosted pages' HTML: one plain, server-rendered layout that a person can use.

Gateways describe a page as data (title, the order's facts, a form's buttons and fields, a
result notice) and `render_page` turns it into escaped HTML. No scripts, no external assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from sandbox.settings import Settings

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;
margin:0;color:#111827}
main{max-width:32rem;margin:3rem auto;background:#fff;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.12);padding:2rem}
h1{font-size:1.25rem;margin:0 0 .25rem}
.gateway{color:#6b7280;font-size:.85rem;text-transform:uppercase;letter-spacing:.05em}
.amount{font-size:2rem;font-weight:600;margin:1rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:1rem 0}
dt{color:#6b7280}dd{margin:0;word-break:break-all}
.notice{padding:.75rem 1rem;border-radius:8px;margin:1rem 0}
.notice.ok{background:#dcfce7;color:#166534}.notice.bad{background:#fee2e2;color:#991b1b}
.notice.info{background:#e0e7ff;color:#3730a3}
label{display:block;margin:.75rem 0 .25rem;color:#374151}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #d1d5db;border-radius:6px}
.actions{display:flex;gap:.5rem;margin-top:1.25rem;flex-wrap:wrap}
button{flex:1;padding:.7rem 1rem;border:0;border-radius:6px;font-size:1rem;cursor:pointer}
button.primary{background:#2563eb;color:#fff}button.secondary{background:#e5e7eb}
button.danger{background:#dc2626;color:#fff}
footer{margin-top:1.5rem;color:#9ca3af;font-size:.8rem}
"""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    kind: str = "text"  # the input's type


@dataclass(frozen=True)
class Button:
    action: str  # the value posted as `action`
    label: str
    style: str = "primary"  # primary | secondary | danger


@dataclass(frozen=True)
class Notice:
    text: str
    tone: str = "info"  # ok | bad | info


@dataclass(frozen=True)
class Image:
    src: str  # a URL (e.g. a QR code the gateway serves as SVG)
    alt: str


@dataclass(frozen=True)
class Page:
    gateway: str  # "TrustPay"
    title: str
    amount: str  # e.g. "100.00 USD"
    facts: Sequence[tuple[str, str]] = ()
    notice: Notice | None = None
    fields: Sequence[Field] = ()
    buttons: Sequence[Button] = ()  # empty: no form (the order is final)
    action_url: str = ""
    links: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, href)
    image: Image | None = None  # shown under the amount (e.g. the QR code to scan)


def render_page(page: Page, status_code: int = 200) -> HTMLResponse:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{escape(page.title)} · {escape(page.gateway)} sandbox</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        f"<div class='gateway'>{escape(page.gateway)} · sandbox</div>",
        f"<h1>{escape(page.title)}</h1>",
        f"<div class='amount'>{escape(page.amount)}</div>",
    ]
    if page.image is not None:
        parts.append(
            f"<p><img src='{escape(page.image.src, quote=True)}' "
            f"alt='{escape(page.image.alt, quote=True)}' width='240' height='240'></p>"
        )
    if page.notice is not None:
        tone = page.notice.tone if page.notice.tone in ("ok", "bad", "info") else "info"
        parts.append(f"<div class='notice {tone}' role='status'>{escape(page.notice.text)}</div>")
    if page.facts:
        parts.append("<dl>")
        for label, value in page.facts:
            parts.append(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>")
        parts.append("</dl>")
    if page.buttons:
        parts.append(f"<form method='post' action='{escape(page.action_url, quote=True)}'>")
        for f in page.fields:
            ident = f"f-{escape(f.name, quote=True)}"
            parts.append(
                f"<label for='{ident}'>{escape(f.label)}</label>"
                f"<input id='{ident}' name='{escape(f.name, quote=True)}' "
                f"type='{escape(f.kind, quote=True)}' value='{escape(f.value, quote=True)}'>"
            )
        parts.append("<div class='actions'>")
        for b in page.buttons:
            parts.append(
                f"<button class='{escape(b.style, quote=True)}' type='submit' name='action' "
                f"value='{escape(b.action, quote=True)}'>{escape(b.label)}</button>"
            )
        parts.append("</div></form>")
    for label, href in page.links:
        parts.append(f"<p><a href='{escape(href, quote=True)}'>{escape(label)}</a></p>")
    parts.append(
        "<footer>Payment Gateway Sandbox — a test double; no real money moves.</footer>"
        "</main></body></html>"
    )
    return HTMLResponse("".join(parts), status_code=status_code)


def public_base(request: Request, settings: Settings) -> str:
    """The base of links the sandbox hands out: `public_url`, else the request's own origin."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = request.headers.get("host")
    if host:  # the request's own origin, without building its whole URL (a hot path)
        return f"{request.scope.get('scheme', 'http')}://{host}"
    return f"{request.url.scheme}://{request.url.netloc}"


def pay_page_url(request: Request, settings: Settings, gateway: str, order_id: str) -> str:
    return f"{public_base(request, settings)}/_sandbox/pay/{gateway}/{order_id}"


async def read_form(request: Request) -> dict[str, str]:
    """A posted `application/x-www-form-urlencoded` form (last value wins); bad bytes are
    replaced rather than refused — the page then shows what it could not use."""
    from urllib.parse import parse_qsl

    text = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))
