"""Recorded market data for the replay participant: trades and order-book snapshots.

CSV: a header row with `t,side,price,volume` (trades). JSONL: one object per line, either a
trade `{"t", "side", "price", "volume"}` or a book snapshot `{"t", "bids": [[p, v], ...],
"asks": [[p, v], ...]}`. `t` is a number (ms, any origin: epoch ms are fine), an ISO-8601 time
or a duration; rows play relative to the first one and must not go back in time. Empty lines and
lines starting with `#` are skipped. Side = the aggressor's side.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..engine.clock import parse_time
from ..scenario.source import Problem, ScenarioError
from ..scenario.values import dec, parse_duration


@dataclass(frozen=True)
class Row:
    line: int
    t: int                                        # ms after the first row
    side: str | None = None                       # a trade: aggressor side, price, volume
    price: Decimal | None = None
    volume: Decimal | None = None
    bids: tuple = ()                              # a book snapshot: ((price, volume), ...)
    asks: tuple = ()

    @property
    def is_trade(self) -> bool:
        return self.side is not None


def _time(value) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, (int, Decimal)):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return parse_duration(text)
    except ValueError:
        pass
    try:
        return parse_time(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a time (ms, ISO-8601 or a duration)") from None


def _positive(value, what: str) -> Decimal:
    d = dec(value if not isinstance(value, str) else value.strip())
    if d <= 0:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return d


def _levels(value, what: str) -> tuple:
    if not isinstance(value, list):
        raise ValueError(f"`{what}` must be a list of [price, volume]")
    out = []
    for level in value:
        if not (isinstance(level, list) and len(level) == 2):
            raise ValueError(f"`{what}` entries must be [price, volume]")
        out.append((_positive(level[0], "a price"), abs(dec(level[1]))))
    return tuple(out)


def _row(line: int, obj: dict) -> tuple[int, Row]:
    if not isinstance(obj, dict) or "t" not in obj:
        raise ValueError("each row needs a time `t`")
    t = _time(obj["t"])
    if "bids" in obj or "asks" in obj:
        extra = set(obj) - {"t", "bids", "asks"}
        if extra:
            raise ValueError(f"unknown key(s) in a book snapshot: {', '.join(sorted(extra))}")
        return t, Row(line, 0, bids=_levels(obj.get("bids", []), "bids"),
                      asks=_levels(obj.get("asks", []), "asks"))
    extra = set(obj) - {"t", "side", "price", "volume", "id"}
    if extra:
        raise ValueError(f"unknown key(s) in a trade: {', '.join(sorted(extra))}")
    side = str(obj.get("side", "")).strip().lower()
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be buy or sell, got {obj.get('side')!r}")
    return t, Row(line, 0, side, _positive(obj.get("price"), "price"),
                  _positive(obj.get("volume"), "volume"))


def _records(path: Path, text: str):
    """(line, object or error message) per data row."""
    if path.suffix.lower() == ".csv":
        lines = [(n, s) for n, s in enumerate(text.splitlines(), 1)
                 if s.strip() and not s.lstrip().startswith("#")]
        if not lines:
            return
        header_line, header = lines[0]
        names = [h.strip() for h in next(csv.reader([header]))]
        missing = {"t", "side", "price", "volume"} - set(names)
        if missing:
            yield header_line, f"the CSV header needs columns t,side,price,volume " \
                               f"(missing: {', '.join(sorted(missing))})"
            return
        for n, s in lines[1:]:
            cells = next(csv.reader(io.StringIO(s)))
            if len(cells) != len(names):
                yield n, f"expected {len(names)} columns, got {len(cells)}"
                continue
            yield n, dict(zip(names, (c.strip() for c in cells)))
    else:
        for n, s in enumerate(text.splitlines(), 1):
            if not s.strip() or s.lstrip().startswith("#"):
                continue
            try:
                yield n, json.loads(s, parse_float=Decimal)
            except json.JSONDecodeError as e:
                yield n, f"not JSON: {e.msg}"


def load_rows(path: str | Path) -> list[Row]:
    """The rows of a data file, times relative to the first; ScenarioError lists every bad
    line (file:line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([Problem(str(path), 0, (), f"cannot read the data file: {e}")])
    rows, problems = [], []
    first = prev = None
    for line, obj in _records(path, text):
        if isinstance(obj, str):
            problems.append(Problem(str(path), line, (), obj))
            continue
        try:
            t, row = _row(line, obj)
        except (ValueError, ArithmeticError, TypeError) as e:
            problems.append(Problem(str(path), line, (), str(e)))
            continue
        if first is None:
            first = t
        elif t < prev:
            problems.append(Problem(str(path), line, (), "time goes back"))
            continue
        prev = t
        rows.append(Row(row.line, t - first, row.side, row.price, row.volume, row.bids,
                        row.asks))
    if not rows and not problems:
        problems.append(Problem(str(path), 1, (), "the data file has no rows"))
    if problems:
        raise ScenarioError(problems)
    return rows
