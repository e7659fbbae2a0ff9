"""Scalar values of the scenario format: decimals, durations, clock times."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..engine.clock import parse_time

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def shown(value) -> str:
    """A value as an error message quotes it: repr, cut at 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def dec(value) -> Decimal:
    """A Decimal from a decimal string, an int, a Decimal (YAML floats load as Decimals) or a
    float (taken as its shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):            # from Python callers: the literal they wrote
        value = repr(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{shown(value)} is not a decimal")
    try:
        d = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{shown(value)} is not a decimal") from None
    if not d.is_finite():
        raise ValueError(f"{shown(value)} is not a decimal")
    return d


def parse_duration(value) -> int:
    """Milliseconds from `250ms`, `1s`, `1.5s`, `1m30s`, `2h`, `1d`, or an int (ms)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{shown(value)} is negative")
        return value
    return int(_text_ms(value))


def duration_ms(value) -> Decimal:
    """Exact milliseconds (fractions kept: `0.5ms`) from a duration or a number of ms."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ms = dec(value)
        if ms < 0:
            raise ValueError(f"{shown(value)} is negative")
        return ms
    return _text_ms(value)


def _text_ms(value) -> Decimal:
    text = str(value).strip()
    pos, total = 0, Decimal(0)
    while (m := _PART.match(text, pos)) is not None:     # (finditer would rescan: O(n²))
        total += Decimal(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"{shown(value)} is not a duration (e.g. 250ms, 1s, 1m30s)")
    return total


def parse_at(value, start_ms: int) -> int:
    """A clock time: a duration after start_ms (`30s`), or an absolute ISO-8601 time."""
    try:
        return start_ms + parse_duration(value)
    except ValueError:
        pass
    try:
        return parse_time(str(value))
    except ValueError:
        raise ValueError(f"{shown(value)} is neither a duration from the start (30s) "
                         "nor an ISO-8601 time") from None


def fmt_duration(ms: int) -> str:
    if ms % 1000:
        return f"{ms}ms"
    s = ms // 1000
    return f"{s}s"
