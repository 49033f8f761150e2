"""GET /_sandbox/docs: the OpenAPI document as one offline HTML page (no script, no CDN).

Each path with its methods, summary, parameters and request body schema, grouped by tag; the
document itself stays at /_sandbox/openapi.json for tools.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from sandbox.admin.openapi import document_for

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
details { border: 1px solid #ddd; border-radius: 4px; margin: .4rem 0; padding: .3rem .6rem; }
summary { cursor: pointer; }
.method { display: inline-block; min-width: 4.5em; font-weight: bold; font-family: monospace; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0; }
td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
"""


def render_page(document: dict[str, Any]) -> str:
    info = document["info"]
    by_tag: dict[str, list[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            tag = operation.get("tags", ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(method, path, operation))
    sections = "".join(
        f"<h2>{escape(tag)}</h2>{''.join(items)}" for tag, items in sorted(by_tag.items())
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(info['title'])} API</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])} {escape(info['version'])}</h1>"
        f"<p>{escape(info.get('description', ''))}</p>"
        '<p>Machine-readable: <a href="openapi.json">openapi.json</a></p>'
        f"{sections}</body></html>"
    )


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    parts = [
        f"<details><summary><span class=method>{escape(method.upper())}</span> "
        f"<code>{escape(path)}</code> {escape(operation.get('summary', ''))}</summary>"
    ]
    if operation.get("security"):
        parts.append(
            "<p>Needs <code>Authorization: Bearer &lt;admin token&gt;</code> when set.</p>"
        )
    parameters = operation.get("parameters", [])
    if parameters:
        rows = "".join(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
            f"<td><code>{escape(json.dumps(p.get('schema', {})))}</code></td>"
            f"<td>{escape(p.get('description', ''))}</td></tr>"
            for p in parameters
        )
        parts.append(
            "<table><tr><th>parameter</th><th>in</th><th>schema</th><th>meaning</th></tr>"
            f"{rows}</table>"
        )
    body = operation.get("requestBody")
    if body is not None:
        for media, content in body["content"].items():
            required = "required" if body.get("required") else "optional"
            schema = json.dumps(content["schema"], indent=2)
            parts.append(f"<p>Body ({escape(media)}, {required}):</p><pre>{escape(schema)}</pre>")
    parts.append("</details>")
    return "".join(parts)


async def api_docs(request: Request) -> HTMLResponse:
    """This API as a readable page (offline)."""
    return HTMLResponse(render_page(document_for(request)))


routes = [Route("/docs", api_docs, methods=["GET"])]
