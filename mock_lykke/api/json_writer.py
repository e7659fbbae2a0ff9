"""The JSON writer of the REST front: compact JSON as Newtonsoft writes it (BEHAVIOUR.md §3.1).

Decimals are written as JSON number text with their stored scale and `.0` on integers
(`fmt_json`); values the real server converts from doubles to C# decimals go through
`from_double` (15 significant digits). Dict order is kept: the models' declaration order.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..engine.numbers import fmt_double_json, fmt_json


class Raw(str):
    """JSON text written as is (a preformatted number)."""


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\u0085\u2028\u2029]')


def _string(s: str) -> str:
    if _NEEDS_ESCAPE.search(s) is None:
        return f'"{s}"'
    return '"' + _NEEDS_ESCAPE.sub(
        lambda m: _ESCAPES.get(m.group()) or f"\\u{ord(m.group()):04x}", s) + '"'


def dumps(value) -> str:
    """Compact JSON as Newtonsoft writes it: dict order kept, Decimal via fmt_json."""
    out: list[str] = []
    _write(value, out.append)
    return "".join(out)


def _write(v, w) -> None:
    t = type(v)                        # the common exact types first
    if t is str:
        w(_string(v))
    elif t is Decimal:
        w(fmt_json(v))
    elif isinstance(v, dict):
        w("{")
        first = True
        for k, item in v.items():
            if not first:
                w(",")
            first = False
            w(_string(k))
            w(":")
            _write(item, w)
        w("}")
    elif v is None:
        w("null")
    elif v is True:
        w("true")
    elif v is False:
        w("false")
    elif isinstance(v, Raw):
        w(v)
    elif isinstance(v, str):
        w(_string(v))
    elif isinstance(v, Decimal):
        w(fmt_json(v))
    elif isinstance(v, int):
        w(str(v))
    elif isinstance(v, float):
        w(fmt_double_json(v))
    elif isinstance(v, (list, tuple)):
        w("[")
        for i, item in enumerate(v):
            if i:
                w(",")
            _write(item, w)
        w("]")
    else:
        raise TypeError(f"not JSON-writable: {type(v).__name__}")


def from_double(x: float) -> Decimal:
    """C#'s `(decimal)double`: rounded to 15 significant digits, no trailing zeros."""
    return Decimal(format(x, ".15g"))


def camel(s: str) -> str:
    """Newtonsoft's camel-casing of a name (dictionary keys of the error envelope)."""
    if not s or not s[0].isupper():
        return s
    chars = list(s)
    for i in range(len(chars)):
        if i == 1 and not chars[i].isupper():
            break
        if i > 0 and i + 1 < len(chars) and not chars[i + 1].isupper():
            if chars[i + 1].isspace():
                chars[i] = chars[i].lower()
            break
        chars[i] = chars[i].lower()
    return "".join(chars)
