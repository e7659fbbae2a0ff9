"""A sweep's report, from its cells' records: sweep.json, cells.csv, cells.parquet (with
pyarrow) and index.html (plotly + jinja2, like the dry-run report: the `report` extra).

The numbers of a cell are its dry-run summary's (docs/report.md); across cells: the
distribution of each, per-parameter tables, a heat map of the mean trading PnL over two
parameters, and the worst cells with the command that reproduces each alone. Exact decimals
throughout; floats only for the plots."""
from __future__ import annotations

import json
import statistics
from decimal import Decimal, localcontext
from pathlib import Path

from .metrics import CTX, _fmt
from .tables import write_csv

METRICS = [("tradingPnl", "trading PnL"), ("maxDrawdown", "max drawdown"), ("fillRatio", "fill ratio"),
           ("rejected", "rejections"), ("fills", "fills")]
WORST = 10


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def cell_row(spec, cell, record: dict, root: Path, command: str) -> dict:
    """One cell: its inputs, status, the numbers of its summary and `command`, which runs it
    alone."""
    s = record.get("summary") or {}
    folder = f"cells/{cell.id}"
    row = {"id": cell.id, "seed": cell.seed, **{f"param:{k}": v for k, v in cell.values.items()},
           "status": record["status"], "error": record.get("error"), "exit": record.get("exit"),
           "wallSeconds": record.get("wall")}
    for key in ("tradingPnl", "equityChange", "fees", "turnover", "maxDrawdown",
                "maxDrawdownFraction", "fillRatio", "orders", "rejected", "fills"):
        row[key] = s.get(key)
    for kind in ("maxInventory", "finalInventory"):
        for asset, value in (s.get(kind) or {}).items():
            row[f"{kind}.{asset}"] = value
    row["report"] = f"{folder}/report.html"
    row["reproduce"] = command
    return row


def stats(values: list) -> dict:
    """count, mean, median, min, max (exact) of the values that are not None."""
    vs = [_dec(v) for v in values if v is not None]
    if not vs:
        return {"count": 0, "mean": None, "median": None, "min": None, "max": None}
    with localcontext(CTX):
        mean = sum(vs, Decimal(0)) / len(vs)
        median = statistics.median(vs)
    q = Decimal("1e-8")
    return {"count": len(vs), "mean": _fmt(mean, q), "median": _fmt(Decimal(median), q),
            "min": _fmt(min(vs)), "max": _fmt(max(vs))}


def dimensions(spec) -> list[str]:
    """The swept dimensions (more than one value), in command-line order."""
    return [n for n, v in spec.sets if len(v) > 1] + [n for n, v in spec.params if len(v) > 1]


def per_parameter(rows: list[dict], name: str) -> list[dict]:
    out = []
    values = list(dict.fromkeys(r[f"param:{name}"] for r in rows))
    for value in values:
        these = [r for r in rows if r[f"param:{name}"] == value]
        ok = [r for r in these if r["status"] == "ok"]
        pnl = stats([r["tradingPnl"] for r in ok])
        out.append({"value": value, "cells": len(these), "failed": len(these) - len(ok),
                    "pnlMean": pnl["mean"], "pnlMedian": pnl["median"], "pnlMin": pnl["min"],
                    "maxDrawdownMean": stats([r["maxDrawdown"] for r in ok])["mean"],
                    "fillRatioMean": stats([r["fillRatio"] for r in ok])["mean"],
                    "rejectedMean": stats([r["rejected"] for r in ok])["mean"]})
    return out


def heat(rows: list[dict], x: str, y: str) -> dict:
    """Mean trading PnL per (x value, y value); x/y are parameter names or "seed"."""
    def key(r, name):
        return str(r["seed"]) if name == "seed" else r[f"param:{name}"]
    xs = list(dict.fromkeys(key(r, x) for r in rows))
    ys = list(dict.fromkeys(key(r, y) for r in rows))
    z = []
    for yv in ys:
        line = []
        for xv in xs:
            line.append(stats([r["tradingPnl"] for r in rows if r["status"] == "ok"
                               and key(r, x) == xv and key(r, y) == yv])["mean"])
        z.append(line)
    return {"x": x, "y": y, "xValues": xs, "yValues": ys, "pnlMean": z}


def write_sweep_report(root: Path, spec, grid, records: list[dict], commands: list[str],
                       wall: float, ran: int) -> dict:
    """The sweep's report; `commands[i]` runs cell i alone (sweep.reproduce)."""
    rows = [cell_row(spec, cell, record, root, command)
            for cell, record, command in zip(grid, records, commands)]
    ok = [r for r in rows if r["status"] == "ok"]
    assets = sorted({k.split(".", 1)[1] for r in rows for k in r if k.startswith("maxInventory.")})
    dist = {key: stats([r.get(key) for r in ok]) for key, _ in METRICS}
    for asset in assets:
        dist[f"maxInventory.{asset}"] = stats([r.get(f"maxInventory.{asset}") for r in ok])
    dims = dimensions(spec)
    params = {name: per_parameter(rows, name) for name in dims}
    heatmap = None
    if len(dims) >= 2:
        heatmap = heat(rows, dims[0], dims[1])
    elif len(dims) == 1 and len({r["seed"] for r in rows}) > 1:
        heatmap = heat(rows, dims[0], "seed")
    ranked = sorted(ok, key=lambda r: (_dec(r["tradingPnl"]) if r["tradingPnl"] is not None
                                       else Decimal("Infinity"), r["id"]))
    failed = [r for r in rows if r["status"] != "ok"]
    summary = {
        "sweep": 1, "scenario": spec.scenario, "command": spec.command,
        "seeds": spec.seeds, "set": {n: v for n, v in spec.sets},
        "params": {n: v for n, v in spec.params}, "until": spec.until,
        "cells": len(rows), "ok": len(ok), "failed": len(failed), "ranNow": ran,
        "wallSeconds": round(wall, 3), "distribution": dist, "parameters": params,
        "heatmap": heatmap, "worst": [r["id"] for r in ranked[:WORST]],
        "failedCells": [r["id"] for r in failed], "rows": rows}
    (root / "sweep.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    write_csv(root / "cells.csv", columns,
              ([_csv(r.get(c)) for c in columns] for r in rows))
    notes = []
    try:
        _parquet(root / "cells.parquet", columns, rows)
    except ImportError:
        notes.append("no cells.parquet: it needs pyarrow (pip install 'mock-lykke[parquet]')")
    try:
        html = render(root, summary, rows, ranked[:WORST], failed, dims, assets)
    except ImportError as e:
        notes.append(f"no index.html: it needs the `report` extra ({e.name} is missing)")
    else:
        (root / "index.html").write_text(html, encoding="utf-8")
    summary["notes"] = notes
    return summary


def _csv(value):
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else value


DECIMAL_COLUMNS = {"tradingPnl", "equityChange", "fees", "turnover", "maxDrawdown",
                   "maxDrawdownFraction", "fillRatio"}
INT_COLUMNS = {"seed", "exit", "orders", "rejected", "fills"}


def _parquet(path: Path, columns: list[str], rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from .tables import _decimal_column
    arrays = []
    for c in columns:
        values = [r.get(c) for r in rows]
        if c in DECIMAL_COLUMNS or c.startswith(("maxInventory.", "finalInventory.")):
            arrays.append(_decimal_column(pa, [_dec(v) for v in values]))
        elif c in INT_COLUMNS:
            arrays.append(pa.array(values, pa.int64()))
        elif c == "wallSeconds":
            arrays.append(pa.array(values, pa.float64()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in values],
                                   pa.string()))
    pq.write_table(pa.table(arrays, names=columns), path)


# --- HTML -------------------------------------------------------------------------------------
def render(root: Path, summary: dict, rows, worst, failed, dims, assets) -> str:
    import jinja2
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    def html(fig, name: str) -> str:
        fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 40, "b": 40})
        return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"fig-{name}",
                           config={"displaylogo": False, "responsive": True},
                           default_height=f"{fig.layout.height or 420}px")

    ok = [r for r in rows if r["status"] == "ok"]
    metrics = METRICS + [(f"maxInventory.{a}", f"max inventory {a}") for a in assets]
    figures = []
    if ok:
        cols = 3
        n_rows = (len(metrics) + cols - 1) // cols
        fig = make_subplots(rows=n_rows, cols=cols, subplot_titles=[t for _, t in metrics])
        for i, (key, title) in enumerate(metrics):
            values = [float(r[key]) for r in ok if r.get(key) is not None]
            fig.add_trace(go.Histogram(x=values, name=title, showlegend=False,
                                       nbinsx=max(5, min(40, len(values) // 2))),
                          row=i // cols + 1, col=i % cols + 1)
        fig.update_layout(height=280 * n_rows)
        figures.append({"title": f"Distribution across {len(ok)} cells",
                        "html": html(fig, "distribution")})
    hm = summary["heatmap"]
    if hm:
        z = [[None if v is None else float(v) for v in line] for line in hm["pnlMean"]]
        fig = go.Figure(go.Heatmap(x=hm["xValues"], y=hm["yValues"], z=z, colorscale="RdYlGn",
                                   zmid=0, colorbar={"title": "mean trading PnL"},
                                   hovertemplate=f"{hm['x']}=%{{x}}<br>{hm['y']}=%{{y}}"
                                                 f"<br>mean trading PnL %{{z}}<extra></extra>"))
        fig.update_xaxes(title=hm["x"], type="category")
        fig.update_yaxes(title=hm["y"], type="category")
        figures.append({"title": f"Mean trading PnL by {hm['x']} and {hm['y']}",
                        "html": html(fig, "heatmap")})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=True, keep_trailing_newline=True)
    if (root / "plotly.min.js").exists():
        plotly_src, plotly_js = "plotly.min.js", ""
    else:
        from plotly.offline import get_plotlyjs
        plotly_src, plotly_js = None, get_plotlyjs()
    dist_rows = [{"metric": title, **summary["distribution"][key]} for key, title in metrics]
    return env.get_template("sweep.html.j2").render(
        s=summary, dist=dist_rows, figures=[{**f, "html": jinja2.utils.markupsafe.Markup(
            f["html"])} for f in figures], params=summary["parameters"], worst=worst,
        failed=failed, rows=rows, dims=dims, plotly_src=plotly_src,
        plotly_js=jinja2.utils.markupsafe.Markup(plotly_js))
