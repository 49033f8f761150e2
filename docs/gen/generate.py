"""Write the generated parts of the reference from the code and the scenario library.

Three pages have a part that is generated, between the markers
`<!-- generated: NAME -->` and `<!-- end generated -->`; everything outside them is written by hand:

- `docs/settings.md`: `settings` — the settings table, from `OPTIONS` in `sandbox/settings.py`;
- `docs/admin-api.md`: `openapi` — every served path, from the OpenAPI document the app builds;
- `docs/scenario-library.md`: `scenario-library` — every file under `scenarios/`.

`make docs` runs this before building the site; `tests/unit/test_docs_generated.py` fails when a
committed page differs from what this writes (run `python docs/gen/generate.py` to update).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end generated -->)", re.DOTALL)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def settings_table() -> str:
    from sandbox.settings import OPTIONS

    rows = [
        "| flag | environment | config key | default | meaning |",
        "|---|---|---|---|---|",
        "| `--config` | `SANDBOX_CONFIG` | - | none | YAML config file: merchants and settings "
        "([Configuration file](configuration.md)) |",
    ]
    for option in OPTIONS:
        default = "none" if option.default in (None, ()) else f"`{option.default}`"
        meaning = option.details or option.help
        repeat = " (repeatable; comma-separated in the environment)" if option.repeatable else ""
        rows.append(
            f"| `{option.flag} {option.metavar}` | `{option.env}` | `{option.name}` | {default} "
            f"| {_cell(meaning)}{repeat} |"
        )
    return "\n".join(rows) + "\n"


def openapi_tables() -> str:
    from sandbox.admin.openapi import build_document
    from sandbox.app import create_app
    from sandbox.gateways.installed import BUILTIN
    from sandbox.settings import resolve_settings

    # The built-in gateways only: a plug installed in this environment is not the product's.
    app = create_app(resolve_settings({}, {}), gateways=BUILTIN)
    document = build_document(app.routes, BUILTIN)
    groups: dict[str, list[tuple[str, str, str, bool]]] = {}
    for path, operations in document["paths"].items():
        methods = sorted(m.upper() for m in operations)
        first: dict[str, Any] = next(iter(operations.values()))
        tag = first["tags"][0]
        if len(methods) > 3:  # gateway routes take every method to answer their own 405
            methods = ["POST"]
        guarded = "security" in first
        groups.setdefault(tag, []).append((" ".join(methods), path, first["summary"], guarded))
    out = [
        f"OpenAPI {document['openapi']}, sandbox {document['info']['version']}: "
        f"{sum(len(rows) for rows in groups.values())} paths.",
        "",
    ]
    titles = {
        "admin": "Admin API (`/_sandbox/`)",
        "hosted pages": "Hosted pages",
        "trustpay": "TrustPay",
        "ezpay": "EzPay",
        "goldenpay": "GoldenPay",
        "sandbox": "Other",
    }
    for tag in ("admin", "hosted pages", "trustpay", "ezpay", "goldenpay", "sandbox"):
        rows = groups.pop(tag, [])
        if not rows:
            continue
        out += [f"### {titles[tag]}", ""]
        if tag == "admin":
            out += ["| method | path | summary | admin token |", "|---|---|---|---|"]
            out += [
                f"| {m} | `{p}` | {_cell(s)} | {'yes, when set' if g else 'no'} |"
                for m, p, s, g in rows
            ]
        else:
            out += ["| method | path | summary |", "|---|---|---|"]
            out += [f"| {m} | `{p}` | {_cell(s)} |" for m, p, s, _ in rows]
        out.append("")
    assert not groups, f"untitled OpenAPI tags: {sorted(groups)}"
    return "\n".join(out)


def scenario_library() -> str:
    from sandbox.gateways.installed import BUILTIN
    from sandbox.runtime import scenario_terms
    from sandbox.scenarios.loader import load_scenario_file

    known = scenario_terms(BUILTIN)  # the packaged library is the built-in gateways'
    files = sorted((ROOT / "scenarios").glob("*/*.yaml"))
    scenarios = [(f, load_scenario_file(f, known, str(f.relative_to(ROOT)))) for f in files]
    out = ["| scenario | gateway | rules | what it does |", "|---|---|---|---|"]
    for _file, scenario in scenarios:
        summary = scenario.description.strip().split(". ")[0].rstrip(".")
        anchor = f"{scenario.gateway}-{scenario.name}".replace("*", "neutral")
        out.append(
            f"| [`{scenario.name}`](#{anchor}) | `{scenario.gateway}` | {len(scenario.rules)} "
            f"| {_cell(summary)} |"
        )
    out.append("")
    for file, scenario in scenarios:
        anchor = f"{scenario.gateway}-{scenario.name}".replace("*", "neutral")
        title = "any gateway" if scenario.gateway == "*" else scenario.gateway
        out += [
            f"### `{scenario.name}` ({title}) {{ #{anchor} }}",
            "",
            scenario.description.strip(),
            "",
            f"`{file.relative_to(ROOT)}`:",
            "",
            "```yaml",
            file.read_text(encoding="utf-8").rstrip(),
            "```",
            "",
        ]
    return "\n".join(out)


GENERATORS: dict[str, tuple[str, Callable[[], str]]] = {
    "settings": ("settings.md", settings_table),
    "openapi": ("admin-api.md", openapi_tables),
    "scenario-library": ("scenario-library.md", scenario_library),
}


def render(text: str, only: Iterable[str] | None = None) -> str:
    """`text` with every generated part rewritten."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if only is not None and name not in only:
            return match.group(0)
        return match.group(1) + GENERATORS[name][1]().rstrip("\n") + "\n" + match.group(4)

    return MARKER.sub(replace, text)


def expected_pages() -> dict[Path, str]:
    """Each page with generated parts, as this script would write it."""
    pages: dict[Path, str] = {}
    for name, (page, _) in GENERATORS.items():
        path = DOCS / page
        text = pages.get(path, path.read_text(encoding="utf-8"))
        if f"<!-- generated: {name} -->" not in text:
            raise SystemExit(f"{path}: no <!-- generated: {name} --> marker")
        pages[path] = render(text, only=[name])
    return pages


def main() -> int:
    for path, text in expected_pages().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
