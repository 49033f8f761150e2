import contextlib
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.yamlsource import YamlError, format_path, load_yaml


def test_lines_of_nested_paths() -> None:
    doc = load_yaml("a:\n  b:\n    - x\n    - y: 1\n", "f.yaml")
    assert doc.data == {"a": {"b": ["x", {"y": 1}]}}
    assert doc.line_of(("a", "b", 1, "y")) == 4
    assert doc.line_of(("a", "b", 0)) == 3
    assert doc.line_of(("a", "missing")) == 1
    assert str(doc.error(("a", "b", 1), "bad")) == "f.yaml:4 a.b[1]: bad"


def test_floats_are_decimals_from_their_text() -> None:
    assert load_yaml("x: 10.50\n", "f").data == {"x": Decimal("10.50")}
    with pytest.raises(YamlError, match="not a finite number"):
        load_yaml("x: .inf\n", "f")


def test_duplicate_keys_and_syntax_errors_have_lines() -> None:
    with pytest.raises(YamlError, match=r"^f:3 a: duplicate key 'b'"):
        load_yaml("a:\n  b: 1\n  b: 2\n", "f")
    with pytest.raises(YamlError, match=r"^f:2: not valid YAML"):
        load_yaml("a: 1\nb: c: d\n", "f")


def test_format_path() -> None:
    assert format_path(("rules", 0, "respond", "error")) == "rules[0].respond.error"


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(YamlError):
        load_yaml(text, "fuzz.yaml")


@settings(max_examples=100)
@given(yaml_values)
def test_round_trip_of_dumped_documents(value: object) -> None:
    try:
        doc = load_yaml(yaml.safe_dump(value), "f")
    except YamlError:
        return  # e.g. keys that YAML reads back as non-strings
    assert doc.file == "f"
