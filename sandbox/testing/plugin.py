"""The pytest plugin (entry point `sandbox` in `pytest11`): fixtures for testing a merchant's
integration against the sandbox.

- `sandbox_server` (session): a real server on a free loopback port, manual clock, memory DB; or
  the sandbox at `--sandbox-url` (a container, say). One per xdist worker.
- `sandbox` (function): resets the sandbox (and its clock) and yields a `SandboxClient`;
  `@pytest.mark.sandbox_scenario("name", ...)` selects scenarios for the test.
- `callback_receiver` (function): a real local HTTP server recording callbacks, acknowledging
  each the way its gateway expects unless told to fail, be slow or answer the wrong ack.

A failed test that used `sandbox` gets a report section with the sandbox's journal entries and
callbacks. Only pytest and the standard library are imported until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

if TYPE_CHECKING:
    from sandbox.client import SandboxClient
    from sandbox.testing.receiver import Receiver
    from sandbox.testing.server import RunningSandbox

CLOCK_START = "2026-03-12T08:30:00Z"
REPORT_LIMIT = 50
CLIENT_KEY = pytest.StashKey["SandboxClient"]()

OPTIONS = (
    # (ini name, command-line flag, help)
    ("sandbox_url", "--sandbox-url", "use the sandbox at this URL instead of starting one"),
    ("sandbox_admin_token", "--sandbox-admin-token", "admin token of the sandbox"),
    ("sandbox_clock", "--sandbox-clock", "clock of the started sandbox: manual (default) or real"),
    ("sandbox_gateways", "--sandbox-gateways", "gateways the started sandbox serves (comma list)"),
    ("sandbox_config", "--sandbox-config", "config file (merchants) of the started sandbox"),
    (
        "sandbox_receiver_bind",
        "--sandbox-receiver-bind",
        "address callback receivers listen on (default 127.0.0.1; 0.0.0.0 for a container)",
    ),
    (
        "sandbox_receiver_host",
        "--sandbox-receiver-host",
        "host name a containerised sandbox reaches receivers by (host.docker.internal)",
    ),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's command-line flags and their ini names."""
    group = parser.getgroup("sandbox", "Payment Gateway Sandbox")
    for ini, flag, text in OPTIONS:
        group.addoption(flag, dest=ini, default=None, help=text)
        parser.addini(ini, text, default=None)
    text = "scenario files or folders the started sandbox loads"
    group.addoption("--sandbox-scenarios", dest="sandbox_scenarios", action="append", help=text)
    parser.addini("sandbox_scenarios", text, type="linelist", default=[])


def pytest_configure(config: pytest.Config) -> None:
    """Register the `sandbox_scenario` marker."""
    config.addinivalue_line(
        "markers", "sandbox_scenario(*names): run the test with these sandbox scenarios active"
    )


def option(config: pytest.Config, name: str) -> Any:
    """A plugin setting: the command line wins over the ini file."""
    given = config.getoption(name, default=None)
    if given not in (None, []):
        return given
    return config.getini(name) or None


@dataclass
class SandboxServer:
    """Where the sandbox of this session is: `url`, `admin_token`, and `running` when this
    session started it (None for `--sandbox-url`)."""

    url: str
    admin_token: str | None = None
    running: RunningSandbox | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    receiver_bind: str = "127.0.0.1"
    receiver_host: str | None = None

    def client(self) -> SandboxClient:
        """A new `SandboxClient` on this sandbox."""
        from sandbox.client import SandboxClient

        return SandboxClient(self.url, self.admin_token)

    def reachable(self, local_url: str) -> str:
        """The URL the sandbox reaches a local server by (`receiver_host` put in its place)."""
        if not self.receiver_host:
            return local_url
        parts = urlsplit(local_url)
        return urlunsplit(parts._replace(netloc=f"{self.receiver_host}:{parts.port}"))


def server_flags(config: pytest.Config) -> dict[str, Any]:
    """The settings of the sandbox the session starts, from the plugin's options."""
    rootdir = config.rootpath
    flags: dict[str, Any] = {"clock": option(config, "sandbox_clock") or "manual", "db": ":memory:"}
    if flags["clock"] == "manual":
        flags["clock_start"] = CLOCK_START
    scenarios = option(config, "sandbox_scenarios")
    if scenarios:
        flags["scenarios"] = [str(rootdir / path) for path in scenarios]
    config_file = option(config, "sandbox_config")
    if config_file:
        flags["config"] = str(rootdir / config_file)
    gateways = option(config, "sandbox_gateways")
    if gateways:
        flags["gateways"] = gateways
    token = option(config, "sandbox_admin_token")
    if token:
        flags["admin_token"] = token
    return flags


@pytest.fixture(scope="session")
def sandbox_server(pytestconfig: pytest.Config) -> Iterator[SandboxServer]:
    """The sandbox of this test session (of this xdist worker)."""
    url = option(pytestconfig, "sandbox_url")
    token = option(pytestconfig, "sandbox_admin_token")
    receivers = {
        "receiver_bind": option(pytestconfig, "sandbox_receiver_bind") or "127.0.0.1",
        "receiver_host": option(pytestconfig, "sandbox_receiver_host"),
    }
    if url:
        server = SandboxServer(url=str(url).rstrip("/"), admin_token=token, **receivers)
        upload_scenarios(server, pytestconfig)
        yield server
        return
    from sandbox.testing.server import run_sandbox

    flags = server_flags(pytestconfig)
    with run_sandbox(flags) as running:
        yield SandboxServer(running.url, running.settings.admin_token, running, flags, **receivers)


def upload_scenarios(server: SandboxServer, config: pytest.Config) -> None:
    """Load the project's scenario files into a sandbox that was started elsewhere."""
    files: list[Path] = []
    for given in option(config, "sandbox_scenarios") or []:
        path = config.rootpath / given
        files += sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
    if not files:
        return
    with server.client() as client:
        for path in files:
            client.upload_scenario(path.read_text(encoding="utf-8"), file=path.name)


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A `SandboxClient` on a freshly reset sandbox (clock back at its start), with the
    scenarios of `@pytest.mark.sandbox_scenario(...)` active."""
    client = sandbox_server.client()
    client.reset(clock=True)
    names = [name for mark in request.node.iter_markers("sandbox_scenario") for name in mark.args]
    if names:
        client.activate(list(dict.fromkeys(names)))
    request.node.stash[CLIENT_KEY] = client
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def callback_receiver(sandbox_server: SandboxServer) -> Iterator[Receiver]:
    """A real HTTP server on a free port recording what it receives (`.url`, `.requests`); it
    acknowledges each callback as its gateway expects unless scripted with `.fail()`,
    `.slow()`, `.wrong_ack()` or `.reply(...)`."""
    from sandbox.testing.receiver import ACK, run_receiver

    with run_receiver(ACK, sandbox_server.receiver_bind) as receiver:
        receiver.url = sandbox_server.reachable(receiver.url)
        yield receiver


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Add the sandbox section to the report of a failed test that used `sandbox`."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    client = item.stash.get(CLIENT_KEY, None)
    if client is None or report.when != "call" or not report.failed:
        return
    report.sections.append(("sandbox journal and callbacks", sandbox_report(client)))


def sandbox_report(client: SandboxClient) -> str:
    """The journal entries and callbacks of the test (the sandbox was reset at its start)."""
    from sandbox.client.errors import describe_callback

    try:
        entries = client.requests(page_size=REPORT_LIMIT)
        callbacks = client.callbacks(page_size=REPORT_LIMIT)
    except Exception as exc:  # the report must never hide the test's own failure
        return f"(could not read the sandbox: {exc!r})"
    lines = [f"journal ({len(entries)} request(s), oldest first):"]
    for entry in reversed(entries):
        lines.append("  " + describe_entry(entry))
    lines.append(f"callbacks ({len(callbacks)}, oldest first):")
    for item in reversed(callbacks):
        lines.append("  " + describe_callback(item))
        for attempt in client.callback(item["id"]).get("attempts", []):
            lines.append("    " + describe_attempt(attempt))
    return "\n".join(lines)


def describe_entry(entry: dict[str, Any]) -> str:
    """One line for a journal entry."""
    keys = ("time", "gateway", "operation", "method", "path", "status", "scenario", "rule")
    shown = [f"{key}={entry[key]}" for key in keys if entry.get(key) not in (None, "")]
    signature = entry.get("signature")
    if signature:
        shown.append(f"signature={signature}")
    if entry.get("note"):
        shown.append(f"note={entry['note']}")
    return " ".join(shown) or str(entry)


def describe_attempt(attempt: dict[str, Any]) -> str:
    """One line for a delivery attempt."""
    keys = ("number", "started_at", "status", "error", "acked", "latency_ms")
    return "attempt " + " ".join(f"{key}={attempt.get(key)}" for key in keys if key in attempt)
