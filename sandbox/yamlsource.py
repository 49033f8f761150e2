"""YAML documents that remember where each value came from.

Config files and scenario files both report errors as `file:line path: reason`, so loading keeps
the line of every mapping key and sequence item. Floats are read as `Decimal` from their text
(money is never a float), and duplicate mapping keys are errors rather than silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]

_FLOAT_TAG = "tag:yaml.org,2002:float"


class YamlError(ValueError):
    """A document that cannot be read at all, or a value that breaks a rule; printable as is."""

    def __init__(self, file: str, line: int | None, path: str, reason: str) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.reason = reason
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where} {path}: {reason}" if path else f"{where}: {reason}")


@dataclass
class YamlDocument:
    """Plain Python data plus the line (1-based) of each path into it."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(self, path: Path, reason: str) -> YamlError:
        return YamlError(self.file, self.line_of(path), format_path(path), reason)


def format_path(path: Path) -> str:
    """`("rules", 0, "respond", "error")` → `rules[0].respond.error`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raise `YamlError` with a line for any syntax problem."""
    import yaml  # only when a file is read: keeps start-up without a config file fast

    # libyaml's parser (bundled with PyYAML's wheels) is ~10x faster and gives the same nodes.
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loader = loader_class(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise YamlError(file, None, "", f"not valid YAML: {exc}") from None
    try:
        node = loader.get_single_node()
        document = YamlDocument(file=file, data=None)
        if node is not None:
            document.lines[()] = node.start_mark.line + 1
            document.data = _build(loader, node, (), document, _Budget())
        return document
    except RecursionError:  # an alias that contains itself, or absurd nesting
        raise YamlError(file, None, "", "not valid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise YamlError(file, line, "", f"not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise YamlError(file, None, "", f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


MAX_VALUES = 100_000  # far more than any config or scenario file; aliases count each time used


class _Budget:
    """Values built so far: aliases let a few hundred bytes expand to billions of values (the
    "billion laughs"), so building stops at `MAX_VALUES`."""

    def __init__(self) -> None:
        self.left = MAX_VALUES

    def spend(self, doc: YamlDocument, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlError(
                doc.file,
                node.start_mark.line + 1,
                "",
                f"the document expands to more than {MAX_VALUES} values "
                "(aliases repeating aliases?)",
            )


def _build(loader: Any, node: yaml.Node, path: Path, doc: YamlDocument, budget: _Budget) -> Any:
    import yaml

    budget.spend(doc, node)

    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, path, doc, budget)
            if not isinstance(key, str | int | bool) or key is None:
                raise doc.error(path, f"mapping keys must be plain scalars, not {key!r}")
            if key in result:
                raise YamlError(
                    doc.file,
                    key_node.start_mark.line + 1,
                    format_path(path),
                    f"duplicate key {key!r}",
                )
            child = (*path, str(key))
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, child, doc, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            doc.lines[child] = item_node.start_mark.line + 1
            items.append(_build(loader, item_node, child, doc, budget))
        return items
    if node.tag == _FLOAT_TAG:
        text = str(node.value).replace("_", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise doc.error(path, f"{node.value!r} is not a finite number") from None
        if not number.is_finite():
            raise doc.error(path, f"{node.value!r} is not a finite number")
        return number
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise doc.error(path, f"{str(node.value)[:40]!r} is not a usable value ({exc})") from None
