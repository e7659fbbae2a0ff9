"""Reading a scenario file: YAML with the line of every key, and problems reported by line."""
from __future__ import annotations

from dataclasses import dataclass, field
import re
from decimal import Decimal
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: tuple
    message: str

    def __str__(self) -> str:
        where = f"{format_path(self.path)}: " if self.path else ""
        line = f":{self.line}" if self.line else ""
        return f"{self.file}{line}: {where}{self.message}"


class ScenarioError(Exception):
    """A scenario (or data file) that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Loader(yaml.SafeLoader):
    """Safe YAML where floats stay exact (Decimal from their text), timestamps stay strings
    (the scenario parses its own times) and only true/false are booleans (YAML 1.2: `on`,
    `no`, `yes` stay strings)."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _construct_float(loader: _Loader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        d = Decimal(text)
    except ArithmeticError:
        return yaml.SafeLoader.construct_yaml_float(loader, node)
    return d if d.is_finite() else float(d)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


@dataclass
class Source:
    """One parsed file: its data, and the line of each key path (1-based)."""
    name: str
    data: object
    lines: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)   # found while parsing

    def line(self, path) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path, message: str) -> Problem:
        return Problem(self.name, self.line(path), tuple(path), message)


def parse_yaml(text: str, name: str) -> Source:
    """Parse YAML text; syntax errors and duplicate keys come back as problems."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        msg = " ".join(x for x in (e.context, e.problem) if x)
        if e.context_mark is not None and e.context_mark.line + 1 != line:
            msg += f" (started at line {e.context_mark.line + 1})"
        return Source(name, None, problems=[Problem(name, line, (), f"YAML: {msg}")])
    except yaml.YAMLError as e:
        return Source(name, None, problems=[Problem(name, 1, (), f"YAML: {e}")])
    finally:
        loader.dispose()
    src = Source(name, data)
    if node is not None:
        _walk(node, (), src)
    if data is None:
        src.problems.append(Problem(name, 1, (), "the file is empty"))
    return src


def read_yaml(path: str | Path) -> Source:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        return Source(str(path), None, problems=[Problem(str(path), 0, (), e.strerror or str(e))])
    except UnicodeDecodeError:
        return Source(str(path), None, problems=[Problem(str(path), 0, (), "not UTF-8 text")])
    return parse_yaml(text, str(path))


def _walk(node, path: tuple, src: Source) -> None:
    src.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            if k in seen:
                src.problems.append(Problem(src.name, key.start_mark.line + 1, path + (k,),
                                            f"duplicate key {k!r}"))
            seen.add(k)
            src.lines[path + (k,)] = key.start_mark.line + 1
            _walk(value, path + (k,), src)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), src)
