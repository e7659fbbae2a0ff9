"""`--set PATH=VALUE` overrides of a scenario's data, applied before validation.

PATH is dot-separated keys and list indices (`market.0.spread`, `clock.quiet`; `market[0]`
works too). VALUE is YAML, read as the scenario file would read it (`0.5` stays an exact
decimal, `[40s, 80s]` is a list). For sweeps, `parse_values` reads a comma-separated list of
values (`0.5,1,2`; brackets and quotes keep their commas): one flow sequence of YAML.

Problems (a path that does not exist, a value the schema refuses) name the `--set` they came
from (Problem.file = "--set PATH=VALUE")."""
from __future__ import annotations

import copy
import re

import yaml

from .source import Problem, Source, _Loader, format_path

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class OverrideError(ValueError):
    """A `--set` that cannot be read or applied."""


def parse_path(text: str) -> tuple:
    """`market.0.spread` or `market[0].spread` -> ("market", 0, "spread")."""
    text = text.strip()
    out: list = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and out:
            pos += 1
        m = _PART.match(text, pos)
        if m is None:
            raise OverrideError(f"{text!r} is not a path (keys and indices: market.0.spread)")
        key, index = m.groups()
        out.append(int(index) if index is not None else (int(key) if key.isdigit() else key))
        pos = m.end()
    if not out or not isinstance(out[0], str):
        raise OverrideError(f"{text!r} is not a path (keys and indices: market.0.spread)")
    return tuple(out)


def _yaml(text: str, what: str):
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        raise OverrideError(f"{what}: not YAML: {str(e).splitlines()[0]}") from None
    finally:
        loader.dispose()


def split(text: str) -> tuple[str, str]:
    """"PATH=VALUE" -> (PATH, VALUE)."""
    path, value = pair(text, "PATH=VALUE (e.g. market.0.spread=0.004)")
    parse_path(path)
    return path, value


def pair(text: str, form: str) -> tuple[str, str]:
    """"NAME=VALUE" -> (NAME, VALUE), stripped; `form` shows what to give instead."""
    name, eq, value = text.partition("=")
    if not eq or not name.strip():
        raise OverrideError(f"{text!r}: give {form}")
    return name.strip(), value.strip()


def parse_value(text: str):
    return _yaml(text, text) if text else ""


def parse_values(text: str) -> list:
    """`0.5,1,[40s, 80s]` -> [Decimal("0.5"), 1, ["40s", "80s"]]."""
    values = _yaml(f"[{text}]", text)
    if not values:
        raise OverrideError(f"{text!r}: no values")
    return values


def value_text(value) -> str:
    """A value as one YAML flow item (what parse_value reads back)."""
    return yaml.safe_dump(_plain(value), default_flow_style=True, width=10**9).strip() \
        .removesuffix("\n...").strip()


def _plain(value):
    from decimal import Decimal
    if isinstance(value, Decimal):
        return _Number(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Number(str):
    """A decimal dumped as a plain number."""


yaml.SafeDumper.add_representer(
    _Number, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", format(v)))


def apply(data: dict, overrides: list[tuple[str, object]]) -> tuple[dict, list[Problem]]:
    """A copy of `data` with each (PATH, value) set; problems for paths that cannot be set.
    A missing key is added (the schema then says whether it may be there); a list index must
    exist."""
    data = copy.deepcopy(data)
    problems = []
    for path_text, value in overrides:
        path = parse_path(path_text)
        where = f"--set {path_text}={value_text(value)}"
        node = data
        for depth, key in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(key, int):
                if not isinstance(node, list):
                    problems.append(Problem(where, 0, path[:depth + 1],
                                            f"{format_path(path[:depth]) or 'the scenario'} "
                                            f"is not a list"))
                    break
                if not key < len(node):
                    problems.append(Problem(where, 0, path[:depth + 1],
                                            f"no item {key}: {format_path(path[:depth])} has "
                                            f"{len(node)}"))
                    break
            elif not isinstance(node, dict):
                problems.append(Problem(where, 0, path[:depth + 1],
                                        f"{format_path(path[:depth])} is not a mapping"))
                break
            if last:
                node[key] = value
            else:
                if isinstance(node, dict) and key not in node:
                    node[key] = {} if isinstance(path[depth + 1], str) else []
                node = node[key]
    return data, problems


def blame(src: Source, problems: list[Problem], overrides: list[tuple[str, object]]) \
        -> list[Problem]:
    """Problems at or under an overridden path name that `--set` instead of a file line."""
    paths = [(parse_path(p), f"--set {p}={value_text(v)}") for p, v in overrides]
    out = []
    for p in problems:
        for path, where in reversed(paths):          # the last --set of a path wins
            if p.file == src.name and p.path[:len(path)] == path:
                p = Problem(where, 0, p.path, p.message)
                break
        out.append(p)
    return out
