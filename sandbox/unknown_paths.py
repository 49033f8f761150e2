"""A path nothing serves: journaled (gateway guessed from the prefix, operation `unknown`) and
answered with the nearest known paths, `difflib`'s closest matches among the app's own routes.

The suggestion travels in the `X-Sandbox-Did-You-Mean` header and in the journal's note, so the
404 body stays each gateway's own envelope, exactly as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from sandbox.gateways.envelopes import FaultEnvelopes, fault_envelopes_for
from sandbox.gateways.requestlog import log_request

HEADER = "x-sandbox-did-you-mean"
MAX_SUGGESTIONS = 3
CUTOFF = 0.6


def known_paths(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[str]:
    for route in routes:
        if isinstance(route, Mount):
            yield from known_paths(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path


def nearest_paths(
    path: str, known: Iterable[str], served: Sequence[FaultEnvelopes] = ()
) -> list[str]:
    """The closest known paths of the same owner (a gateway's prefixes, or the rest); a
    template's `{param}` segments take the request's own segments, so `/open-api/philippines/
    payment/generat` is answered with `/open-api/philippines/payment/generate`."""
    faults = fault_envelopes_for(served, path)
    segments = path.split("/")
    candidates = {
        _filled(known_path, segments)
        for known_path in known
        if fault_envelopes_for(served, known_path) is faults
    }
    import difflib  # on the first unknown path, not at start-up

    return difflib.get_close_matches(path, sorted(candidates), n=MAX_SUGGESTIONS, cutoff=CUTOFF)


def _filled(template: str, segments: list[str]) -> str:
    parts = template.split("/")
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}") and index < len(segments):
            parts[index] = segments[index] or part
    return "/".join(parts)


def did_you_mean(suggestions: list[str]) -> str:
    return ("did you mean " + " or ".join(suggestions) + "?") if suggestions else ""


async def answer_unknown(request: Request, response: Response) -> Response:
    """`response` (the owner's 404) with the suggestion header, after journaling the request."""
    path: str = request.scope.get("path", "")
    with contextlib.suppress(Exception):  # the body, for the journal (the middleware caps it)
        await request.body()
    state = request.app.state
    known: list[str] | None = getattr(state, "known_paths", None)
    if known is None:
        known = sorted(set(known_paths(request.app.routes)))
        state.known_paths = known
    served: Sequence[FaultEnvelopes] = getattr(state, "faults", ())
    suggestions = nearest_paths(path, known, served)
    if suggestions:
        response.headers[HEADER] = ", ".join(suggestions)
    faults = fault_envelopes_for(served, path)
    sandbox = getattr(state, "sandbox", None)
    if sandbox is not None:
        log_request(
            sandbox.journal,
            request,
            gateway=faults.gateway if faults is not None else "",
            operation="unknown",
            merchant="",
            status=response.status_code,
            signature="not-checked",
            note="; ".join(filter(None, ["404 unknown path", did_you_mean(suggestions)])),
            response=response,
            events=sandbox.events,
        )
    return response
