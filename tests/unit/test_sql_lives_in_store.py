"""No module under sandbox/ outside sandbox/store/ holds SQL text: persistence has one seam."""

import ast
import re
from pathlib import Path

import sandbox

ROOT = Path(sandbox.__file__).parent
STORE = ROOT / "store"
# Statement openings as they start SQL text (prose rarely reads like these).
SQL = re.compile(
    r"\b(SELECT\s+(\*|[\w.]+(\s*,|\s+(AS|FROM)\b))|INSERT\s+(OR\s+\w+\s+)?INTO\b|"
    r"UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\b|"
    r"ALTER\s+TABLE\b|DROP\s+(TABLE|INDEX)\b|PRAGMA\s+\w+)",
    re.IGNORECASE,
)


def sql_strings(path: Path, root: Path = ROOT.parent) -> list[str]:
    """file:line of every string constant (f-string parts too) that reads as SQL."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL.search(node.value)
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_scanner_finds_sql_and_ignores_prose(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text(
        '"""Select a card from the list; update the order."""\n'
        'QUERY = "SELECT seq FROM timers WHERE subject = ?"\n'
        'OTHER = f"DELETE FROM {table}"\n'
        'PROSE = "select the merchant, then insert the card"\n',
        encoding="utf-8",
    )
    assert sql_strings(sample, tmp_path) == ["probe.py:2", "probe.py:3"]


def test_no_sql_outside_the_store() -> None:
    offenders = [
        hit
        for path in sorted(ROOT.rglob("*.py"))
        if STORE not in path.parents
        for hit in sql_strings(path)
    ]
    assert offenders == [], "SQL text outside sandbox/store/: " + ", ".join(offenders)
