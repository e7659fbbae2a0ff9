"""The report's tables: every order and fill of the account, as CSV (always) and Parquet (with
the `parquet` extra: pyarrow). Both have the same columns; docs/report.md defines them.

CSV cells are plain text (decimals without trailing zeros). In Parquet, times are
timestamp[ms, UTC], ids and names strings, counts int64, and decimals decimal128 columns with
the scale their values need (exact, never float; a column that does not fit 38 digits stays
text)."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from ..engine.clock import format_time
from ..engine.orders import BUY

ORDER_COLUMNS = ["time", "id", "pair", "side", "type", "price", "volume", "filled", "status",
                 "rejectReason", "queueAhead", "arrivalMid", "latencyRequestMs",
                 "latencyResponseMs", "call"]
FILL_COLUMNS = ["time", "trade", "order", "pair", "side", "role", "price", "volume",
                "quoteVolume", "fee", "feeAsset", "queueAhead", "arrivalMid", "slippage"]
ORDER_DECIMALS = {"price", "volume", "filled", "queueAhead", "arrivalMid"}
FILL_DECIMALS = {"price", "volume", "quoteVolume", "fee", "queueAhead", "arrivalMid",
                 "slippage"}
INTEGERS = {"latencyRequestMs", "latencyResponseMs", "call"}
PARQUET_HINT = "pip install 'mock-lykke[parquet]'"


def slippage(f: dict) -> Decimal | None:
    """What the fill cost against the mid when its order arrived (quote asset; < 0: better)."""
    mid = f["arrivalMid"]
    if mid is None:
        return None
    sign = 1 if f["side"] == BUY else -1
    return sign * (f["price"] - mid) * f["volume"]


def order_values(r: dict) -> list:
    """One order's values, in ORDER_COLUMNS order (time as epoch ms, decimals as Decimal)."""
    return [r["t"], r["id"], r["pair"], r["side"], r["type"], r["price"], r["volume"],
            r["filled"], r["status"], r["rejectReason"], r["queueAhead"], r["arrivalMid"],
            r.get("latencyRequest"), r.get("latencyResponse"), r["call"]]


def fill_values(f: dict) -> list:
    """One fill's values, in FILL_COLUMNS order."""
    return [f["t"], f["trade"], f["order"], f["pair"], f["side"], f["role"], f["price"],
            f["volume"], f["quoteVolume"], f["fee"], f["feeAsset"], f["queueAhead"],
            f["arrivalMid"], slippage(f)]


class Cells:
    """Rows as CSV text (None: empty; decimals without trailing zeros), with the texts of
    times and decimals remembered (many rows share a time or a price)."""

    def __init__(self):
        self.times: dict[int, str] = {}
        self.decimals: dict[Decimal, str] = {}

    def time(self, ms: int) -> str:
        text = self.times.get(ms)
        if text is None:
            text = self.times[ms] = format_time(ms)
        return text

    def decimal(self, value) -> str:
        if value is None:
            return ""
        text = self.decimals.get(value)                 # equal values print the same
        if text is None:
            text = self.decimals[value] = format(value.normalize(), "f") if value else "0"
        return text

    def order(self, r: dict) -> list:
        d = self.decimal
        return [self.time(r["t"]), _text(r["id"]), r["pair"], r["side"], r["type"],
                d(r["price"]), d(r["volume"]), d(r["filled"]), r["status"],
                _text(r["rejectReason"]), d(r["queueAhead"]), d(r["arrivalMid"]),
                _text(r.get("latencyRequest")), _text(r.get("latencyResponse")),
                _text(r["call"])]

    def fill(self, f: dict) -> list:
        d = self.decimal
        return [self.time(f["t"]), f["trade"], f["order"], f["pair"], f["side"], f["role"],
                d(f["price"]), d(f["volume"]), d(f["quoteVolume"]), d(f["fee"]),
                _text(f["feeAsset"]), d(f["queueAhead"]), d(f["arrivalMid"]),
                d(slippage(f))]


def _text(value):
    return "" if value is None else value


def order_row(r: dict, cells: Cells | None = None) -> list:
    """One orders.csv row, in ORDER_COLUMNS order."""
    return (cells or Cells()).order(r)


def fill_row(f: dict, cells: Cells | None = None) -> list:
    """One fills.csv row, in FILL_COLUMNS order."""
    return (cells or Cells()).fill(f)


def write_csv(path: Path, columns: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def write_tables(out: Path, orders: list[dict], fills: list[dict]) -> None:
    """orders.csv and fills.csv."""
    cells = Cells()
    write_csv(out / "orders.csv", ORDER_COLUMNS, map(cells.order, orders))
    write_csv(out / "fills.csv", FILL_COLUMNS, map(cells.fill, fills))


# --- Parquet ------------------------------------------------------------------------------
def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _decimal_column(pa, values: list):
    """decimal128 with the scale the values need, or text if they do not fit 38 digits."""
    scale, digits = 0, 1
    for v in values:
        if v is not None:
            _, ds, exp = v.as_tuple()
            n = len(ds)
            while exp < 0 and n > 1 and ds[n - 1] == 0:   # trailing zeros need no scale
                n, exp = n - 1, exp + 1
            scale = max(scale, -exp)
            digits = max(digits, n + exp)               # digits before the point
    if digits + scale > 38:
        return pa.array([None if v is None else format(v, "f") for v in values], pa.string())
    return pa.array(values, pa.decimal128(max(digits + scale, 1), scale))


def _table(pa, columns: list[str], decimals: set[str], rows: list[list]):
    arrays = []
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        if name == "time":
            arrays.append(pa.array(values, pa.timestamp("ms", tz="UTC")))
        elif name in decimals:
            arrays.append(_decimal_column(pa, values))
        elif name in INTEGERS:
            arrays.append(pa.array(values, pa.int64()))
        else:
            arrays.append(pa.array(values, pa.string()))
    return pa.table(arrays, names=columns)


def write_parquet(out: Path, orders: list[dict], fills: list[dict]) -> None:
    """orders.parquet and fills.parquet (needs pyarrow: the `parquet` extra)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(f"Parquet tables need pyarrow: {PARQUET_HINT}") from None
    for name, columns, decimals, rows in (
            ("orders", ORDER_COLUMNS, ORDER_DECIMALS, [order_values(r) for r in orders]),
            ("fills", FILL_COLUMNS, FILL_DECIMALS, [fill_values(f) for f in fills])):
        pq.write_table(_table(pa, columns, decimals, rows), out / f"{name}.parquet")
