"""Reading request JSON the way Newtonsoft's reader does, keeping positions for its
messages (`Path 'x', line 1, position 12.`); the binder (json_binding) works on its nodes.

A skimming reader (the binder's) leaves each container but the root object that reads well
(json_skim, in C) unread until `items` asks for it: a large value the binder only steps over
costs no Python. Inside one that does not read well it steps over whole runs of members that
do, and reads the rest as before, so that its error is the same to the byte."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from json.decoder import scanstring

from .json_skim import skim_run, skim_value

MAX_DEPTH = 32          # ASP.NET's Newtonsoft reader limit
# .NET parses ASCII digits and white space only (Python's \d and \s take any Unicode one)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SPECIAL = set(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")     # a pair is one code point in Python
_WS = re.compile("[ \t\n\r]*")


def dotnet_text(text: str) -> str:
    """A string as .NET holds it after reading: each lone UTF-16 surrogate (only a `\\uD800`
    escape can make one) becomes U+FFFD, as Newtonsoft's reader writes it. Nothing that
    cannot be encoded as UTF-8 goes further (engine, journal, answers)."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


@dataclass(slots=True)
class Node:
    kind: str          # object, array, string, number, true, false, null
    value: object      # object: [(name, index after ':', Node)], array: [Node], scalar: text;
    start: int         # None: a container not read yet (`_Reader.items` reads it)
    end: int           # index after the token (containers: after the closing bracket)
    depth: int = 0     # containers: the depth of their members
    size: int = 0      # containers: how many members


class BindError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def join_path(path: str, name) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    if any(c in _SPECIAL for c in name):
        escaped = name.replace("'", "\\'")
        return f"{path}['{escaped}']"
    return f"{path}.{name}" if path else name


class _Reader:
    def __init__(self, text: str, skim: bool = True):
        self.text = text
        self.skim = skim
        self._newlines: list[int] | None = None     # where each line ends, found once
        self._wheres = 0

    def where(self, index: int, path: str) -> str:
        self._wheres += 1
        if self._newlines is None and self._wheres <= 16:   # a few errors: counted in C
            line = self.text.count("\n", 0, index)
            pos = index - (self.text.rfind("\n", 0, index) + 1)
            return f" Path '{path}', line {line + 1}, position {pos}."
        if self._newlines is None:          # (counting per error was quadratic in errors)
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect_left(self._newlines, index)
        pos = index - (self._newlines[line - 1] + 1 if line else 0)
        return f" Path '{path}', line {line + 1}, position {pos}."

    def fail(self, message: str, index: int, path: str) -> BindError:
        return BindError(path, message + self.where(index, path))

    def skip_ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()

    def items(self, node: Node, path: str) -> list:
        """A container's members (items), read now if the skimming reader left it."""
        if node.value is None:
            node.value = self.container(node.start, path, node.depth, False).value
        return node.value

    def value(self, i: int, path: str, depth: int) -> Node:
        t = self.text
        i = self.skip_ws(i)
        if i >= len(t):
            raise self.fail("Unexpected end when reading JSON.", i, path)
        c = t[i]
        if c in "{[":
            if depth >= MAX_DEPTH:
                raise self.fail(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.",
                                i + 1, path)
            # (not the root object: the binder reads it, and skimming it was one more pass)
            if self.skim and (depth or c == "["):
                skimmed = skim_value(t, i, MAX_DEPTH - depth)
                if skimmed is not None:
                    return Node("object" if c == "{" else "array", None, i, skimmed[0],
                                depth + 1, skimmed[1])
                return self.container(i, path, depth + 1, True)
            return self.container(i, path, depth + 1, False)
        if c == '"':
            s, end = self.string(i, path)
            return Node("string", s, i, end)
        m = _NUMBER.match(t, i)
        if m:
            return Node("number", m.group(), i, m.end())
        for lit in ("true", "false", "null"):
            if t.startswith(lit, i):
                return Node(lit, lit, i, i + len(lit))
        raise self.fail(f"Unexpected character encountered while parsing value: {c}.", i + 1,
                        path)

    def string(self, i: int, path: str) -> tuple[str, int]:
        try:
            value, end = scanstring(self.text, i + 1, True)
        except ValueError:
            raise self.fail("Unterminated string. Expected delimiter: \".", len(self.text),
                            path) from None
        return dotnet_text(value), end

    def container(self, start: int, path: str, depth: int, skim: bool) -> Node:
        """Reads a container; `skim`: one known not to read well, only its error matters."""
        t = self.text
        is_obj = t[start] == "{"
        kind = "object" if is_obj else "array"
        close = "}" if is_obj else "]"
        items: list = []
        i = self.skip_ws(start + 1)
        if i < len(t) and t[i] == close:
            return Node(kind, items, start, i + 1, depth, 0)
        child = path            # the reader's path stays on the last member until the next
        skipped = 0             # members stepped over unread (skim)
        while True:
            i = self.skip_ws(i)
            if skim:
                i, n, name = self._skip_run(i, is_obj, MAX_DEPTH - depth)
                if n:
                    skipped += n
                    if is_obj:
                        child = join_path(path, dotnet_text(name))
                    i = self.skip_ws(i)
            if is_obj:
                if i >= len(t):
                    raise self.fail("Unexpected end when reading JSON.", i, child)
                if t[i] != '"':
                    raise self.fail(f"Invalid property identifier character: {t[i]}.", i + 1,
                                    child)
                name, i = self.string(i, path)
                child = join_path(path, name)
                i = self.skip_ws(i)
                if i >= len(t) or t[i] != ":":
                    got = t[i] if i < len(t) else "end"
                    raise self.fail("Invalid character after parsing property name. "
                                    f"Expected ':' but got: {got}.", min(i + 1, len(t)), child)
                node = self.value(i + 1, child, depth)
                items.append((name, i + 1, node))
            else:
                child = join_path(path, skipped + len(items))
                node = self.value(i, child, depth)
                items.append(node)
            i = self.skip_ws(node.end)
            if i >= len(t):
                raise self.fail("Unexpected end when reading JSON.", i, child)
            if t[i] == ",":
                i += 1
                continue
            if t[i] == close:          # (skim: members were skipped; `items` reads it again)
                return Node(kind, None if skipped else items, start, i + 1, depth,
                            skipped + len(items))
            raise self.fail("After parsing a value an unexpected character was encountered: "
                            f"{t[i]}.", i + 1, child)

    def _skip_run(self, i: int, is_obj: bool, limit: int) -> tuple[int, int, str | None]:
        """Steps over runs of members from i that read well, in chunks ending before a comma
        that grow while they do: (index after the last comma stepped over, how many, the
        last one's name)."""
        t, step, count, name = self.text, 1024, 0, None
        while step >= 16:
            comma = t.rfind(",", i, i + step)
            run = skim_run(t, i, comma, is_obj, limit) if comma > i else None
            if run is None:
                step //= 2
                continue
            count += run[0]
            name = run[1]
            i = comma + 1
            step = min(step * 2, 1 << 22)
        return i, count, name
