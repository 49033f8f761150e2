"""QR codes for the hosted pages: a real, scannable code as an SVG response (segno, imported lazily:
only the pages that show a code need it)."""

from __future__ import annotations

import io

from starlette.responses import Response


def qr_svg_response(payload: str) -> Response:
    """`payload` encoded as a QR code (error correction M), as `image/svg+xml`."""
    import segno

    code = segno.make(payload, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=4, xmldecl=False, nl=False)
    return Response(out.getvalue(), media_type="image/svg+xml")
