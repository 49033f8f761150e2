"""Telling a supervisor the server is up: one `listening on <url>` log line and, with
`sandbox serve --ready-file PATH`, a JSON file `{"url", "port", "pid"}` written once the socket
accepts requests (and removed on exit), so CI never scrapes the banner."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from pathlib import Path

import uvicorn

from sandbox.serving import freeze_startup_heap

log = logging.getLogger("sandbox")


def write_ready_file(path: Path, url: str, port: int) -> None:
    """Write the file atomically: a reader sees the whole JSON object or no file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"url": url, "port": port, "pid": os.getpid()}) + "\n")
    partial.replace(path)


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that announces itself once its start-up (lifespan, socket) is done."""

    def __init__(self, config: uvicorn.Config, url: str, port: int, ready_file: Path | None):
        super().__init__(config)
        self.url = url
        self.port = port
        self.ready_file = ready_file

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then write the ready file and the log line."""
        await super().startup(sockets=sockets)
        if self.should_exit:
            return  # start-up failed; uvicorn says why
        if self.ready_file is not None:
            write_ready_file(self.ready_file, self.url, self.port)
        log.info("listening on %s", self.url)
        freeze_startup_heap()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Remove the ready file first, so no one connects to a stopping server."""
        if self.ready_file is not None:
            with contextlib.suppress(FileNotFoundError):
                self.ready_file.unlink()
        await super().shutdown(sockets=sockets)
