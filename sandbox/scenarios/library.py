"""Finding and loading scenario files: the packaged library, extra paths, uploads.

The packaged library lives in `sandbox/_library` in an installed wheel and in `<repo>/scenarios`
in a source checkout. Each loaded file keeps a status (`ok` or `invalid` with its errors) for
`/_sandbox/ready`. Names are unique per gateway; a later file replaces an earlier scenario of the
same gateway and name (so extra files can override the library, uploads override both).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sandbox.scenarios.loader import (
    ScenarioError,
    check_scenario,
    load_scenario_file,
    parse_scenario_text,
)
from sandbox.scenarios.model import NEUTRAL, Scenario
from sandbox.scenarios.vocabulary import Vocabularies
from sandbox.yamlsource import YamlDocument, YamlError

Origin = Literal["library", "extra", "upload"]
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileStatus:
    file: str
    origin: Origin
    errors: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()  # "gateway/name"

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "origin": self.origin,
            "status": "ok" if self.ok else "invalid",
            "errors": list(self.errors),
            "scenarios": list(self.scenarios),
        }


@dataclass
class Library:
    scenarios: dict[tuple[str, str], Scenario] = field(default_factory=dict)
    files: list[FileStatus] = field(default_factory=list)
    file_of: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, scenario: Scenario) -> None:
        self.scenarios[scenario.key] = scenario

    def add_file(self, status: FileStatus, scenarios: list[Scenario]) -> None:
        self.files = [f for f in self.files if f.file != status.file or f.origin != status.origin]
        self.files.append(status)
        for scenario in scenarios:
            self.add(scenario)

    def resolve(self, name: str, gateway: str) -> Scenario | None:
        """The gateway's own scenario of that name, else the gateway-neutral one."""
        return self.scenarios.get((gateway, name)) or self.scenarios.get((NEUTRAL, name))

    def default(self, gateway: str) -> Scenario | None:
        return self.scenarios.get((gateway, "default"))

    def known(self, name: str) -> bool:
        return any(key[1] == name for key in self.scenarios)

    def all(self) -> Iterator[Scenario]:
        yield from sorted(self.scenarios.values(), key=lambda s: (s.gateway, s.name))


def library_dirs() -> list[Path]:
    """Where the packaged library may be: inside the installed package, then the checkout."""
    package = Path(__file__).resolve().parent.parent
    return [package / "_library", package.parent / "scenarios"]


def packaged_root() -> Path | None:
    for candidate in library_dirs():
        if candidate.is_dir():
            return candidate
    return None


def scenario_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())


@functools.lru_cache(maxsize=4)
def _packaged(root: str) -> tuple[tuple[str, YamlDocument | ScenarioError], ...]:
    # Library files never change while a process runs: every server start reuses one parse (the
    # checks, which depend on the gateways served, run for each library that is loaded).
    parsed: list[tuple[str, YamlDocument | ScenarioError]] = []
    for path in scenario_files(Path(root)):
        display = "scenarios/" + path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
            parsed.append((display, parse_scenario_text(text, display)))
        except ScenarioError as exc:
            parsed.append((display, exc))
        except (OSError, UnicodeDecodeError) as exc:
            unreadable = YamlError(display, None, "", f"cannot be read ({exc})")
            parsed.append((display, ScenarioError([unreadable])))
    return tuple(parsed)


def _packaged_file(
    display: str, parsed: YamlDocument | ScenarioError, known: Vocabularies
) -> tuple[FileStatus, tuple[Scenario, ...]] | None:
    """A packaged file checked against `known`; None for a file of a gateway not served (the
    library ships scenarios for every built-in gateway)."""
    if isinstance(parsed, ScenarioError):
        return FileStatus(display, "library", tuple(parsed.messages)), ()
    data = parsed.data
    gateway = data.get("gateway") if isinstance(data, dict) else None
    if isinstance(gateway, str) and gateway != NEUTRAL and known.get(gateway) is None:
        return None
    try:
        scenario = check_scenario(parsed, known, Path(display).stem)
    except ScenarioError as exc:
        return FileStatus(display, "library", tuple(exc.messages)), ()
    return _loaded(display, "library", scenario)


def _loaded(display: str, origin: Origin, scenario: Scenario) -> tuple[FileStatus, tuple[Scenario]]:
    status = FileStatus(display, origin, (), (f"{scenario.gateway}/{scenario.name}",))
    return status, (scenario,)


def _load_one(
    path: Path, display: str, origin: Origin, known: Vocabularies
) -> tuple[FileStatus, tuple[Scenario, ...]]:
    try:
        scenario = load_scenario_file(path, known, display)
    except ScenarioError as exc:
        return FileStatus(display, origin, tuple(exc.messages)), ()
    return _loaded(display, origin, scenario)


def load_library(known: Vocabularies, extra: tuple[str, ...] = ()) -> Library:
    """The packaged library's scenarios for the gateways `known` holds, plus extra files/folders
    (checked against `known`). An extra path that does not exist, or an invalid file named
    explicitly, raises `ScenarioError`; invalid files found in an extra folder are kept as
    `invalid` in the file list."""
    library = Library()
    root = packaged_root()
    if root is not None:
        for display, parsed in _packaged(str(root)):
            loaded = _packaged_file(display, parsed, known)
            if loaded is not None:
                library.add_file(loaded[0], list(loaded[1]))
    refused: list[YamlError] = []
    for given in extra:
        path = Path(given).expanduser()
        if path.is_dir():
            for file in scenario_files(path):
                status, scenarios = _load_one(file, str(file), "extra", known)
                library.add_file(status, list(scenarios))
        elif path.is_file():
            try:
                scenario = load_scenario_file(path, known, given)
            except ScenarioError as exc:
                refused.extend(exc.errors)
                continue
            status, scenarios = _loaded(given, "extra", scenario)
            library.add_file(status, list(scenarios))
        else:
            refused.append(YamlError(given, None, "", "no such scenario file or folder"))
    if refused:
        raise ScenarioError(refused)
    return library
