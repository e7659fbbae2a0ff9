"""Skimming well-formed JSON with the C decoder, so that the reader (json_reader) walks in
Python only what the binder looks at and the way to a syntax error, not a large value it
skips (30 MB of an unknown member's array took 25 s in Python, holding every client).

The C scanner reads the same language as the reader: JSON numbers, the three literals,
strict strings (the same `scanstring`), white space " \\t\\n\\r"; NaN and Infinity are
refused here as the reader refuses them. Depth is not its business: `nests_within` checks
the reader's MaxDepth on what it took.
"""
from __future__ import annotations

import json
import re

from ..gc_pause import no_gc


def _refuse(_text):
    raise ValueError("not JSON")


# bool: a C callable that allocates nothing per number (the values are not kept)
_VALUES = json.JSONDecoder(parse_float=bool, parse_int=bool, parse_constant=_refuse)
_PAIRS = json.JSONDecoder(object_pairs_hook=list, parse_float=bool, parse_int=bool,
                          parse_constant=_refuse)
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')
_BRACKETS = bytes.maketrans(b"{}", b"[]")          # one kind: a pass takes one level away
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
_NOT_BRACKET_OR_QUOTE = bytes(c for c in range(256) if c not in b'[]{}"')


def nests_within(text: str, start: int, end: int, limit: int) -> bool:
    """Whether the well-formed JSON in text[start:end] nests at most `limit` containers
    deep (each pass takes away the innermost ones)."""
    if text.count("[", start, end) + text.count("{", start, end) <= limit:
        return True
    part = text[start:end].encode("utf-8", "surrogatepass")
    brackets = b'"'
    if b"\\" not in part:          # each string is two quotes once its characters are gone,
        brackets = part.translate(None, _NOT_BRACKET_OR_QUOTE).replace(b'""', b"")
    if b'"' in brackets:           # unless it has a bracket in it, or an escape
        brackets = _STRING.sub("", part.decode("utf-8", "surrogatepass")).encode(
            "utf-8", "surrogatepass").translate(None, _NOT_BRACKET)
    brackets = brackets.translate(_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"")
    return not brackets


def skim_value(text: str, i: int, limit: int) -> tuple[int, int] | None:
    """(end, number of items) of the container at text[i] when it reads well and nests at
    most `limit` deep; None otherwise (the reader then finds the error)."""
    with no_gc():                  # (what the decoder made is gone before the collector is back)
        try:
            value, end = _VALUES.scan_once(text, i)
        except (StopIteration, ValueError, RecursionError):
            return None
        size = len(value)
        del value
    if not nests_within(text, i, end, limit):
        return None
    return end, size


def skim_run(text: str, i: int, comma: int, is_obj: bool, limit: int
             ) -> tuple[int, str | None] | None:
    """Members (or items) text[i:comma] of an object (array), when they read well: (how
    many, the last member's name as decoded); None otherwise."""
    chunk = ("{" if is_obj else "[") + text[i:comma] + ("}" if is_obj else "]")
    with no_gc():
        try:
            value, end = (_PAIRS if is_obj else _VALUES).scan_once(chunk, 0)
        except (StopIteration, ValueError, RecursionError):
            return None
        size, name = len(value), value[-1][0] if is_obj and value else None
        del value
    if end != len(chunk) or not size or not nests_within(chunk, 0, end, limit + 1):
        return None
    return size, name
