"""The dry-run report, from the journal alone: summary.json, orders.csv, fills.csv (and with
parquet=True orders.parquet, fills.parquet) and one self-contained report.html (plotly's JS
inline: it opens offline).

    summary = write_report("out/journal.jsonl", "out/", account="trader")

The HTML needs the `report` extra (`pip install 'mock-lykke[report]'`: plotly, jinja2,
tsdownsample), Parquet the `parquet` extra (pyarrow); the JSON and CSV files need neither.
Definitions of every number: docs/report.md.
"""
from __future__ import annotations

import json
import sys
from array import array
from decimal import Decimal
from pathlib import Path

from ..engine.clock import format_time
from ..engine.orders import BUY
from ..gc_pause import no_gc
from ..journal import ReplayError, warnings_printed
from .figures import accuracy, money, significant
from .metrics import Metrics, _fmt, collect
from .reading import read_header
from .tables import (FILL_COLUMNS, ORDER_COLUMNS, fill_row, order_row, slippage,  # noqa: F401
                     write_parquet, write_tables)

MAX_POINTS = 4000          # per plotted line, after downsampling
MAX_MARKERS = 4000         # fills marked per pair
TABLE_ROWS = 200           # rows of each table in the HTML (the CSV files have all)
EXTRA_HINT = "pip install 'mock-lykke[report]'"


class ReportError(Exception):
    """The report cannot be written (a missing extra, a bad journal)."""


def write_report(journal_path: str | Path, out_dir: str | Path, account: str | None = None,
                 *, valuation: str | None = None, html: bool = True,
                 source: str = "auto", parquet: bool = False,
                 plotly_src: str | None = None) -> dict:
    """Measure the journal (from its notes, or by replaying it: metrics.collect), write the
    report files into out_dir; returns the summary. parquet: the tables as Parquet too
    (ReportError without pyarrow, after the JSON and CSV files). plotly_src: load plotly.js
    from this URL (a sweep's cells share one copy) instead of inlining it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with no_gc():
        m = collect(journal_path, account, valuation, source)
        summary = m.summary()
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n",
                                          encoding="utf-8")
        orders = m.order_rows()
        write_tables(out, orders, m.fills)
        if parquet:
            try:
                write_parquet(out, orders, m.fills)
            except ImportError as e:
                raise ReportError(str(e)) from None
        if html:
            text = render_html(m, summary, Path(journal_path).name, plotly_src)
            (out / "report.html").write_text(text, encoding="utf-8")
    return summary


# --- HTML -------------------------------------------------------------------------------------
def _imports():
    try:
        import jinja2
        import numpy as np
        import plotly.graph_objects as go
        import plotly.io as pio
        from plotly.offline import get_plotlyjs
        from plotly.subplots import make_subplots
        from tsdownsample import MinMaxLTTBDownsampler
    except ImportError as e:
        raise ReportError(f"the HTML report needs the `report` extra ({e.name} is missing): "
                          f"{EXTRA_HINT}") from None
    return jinja2, np, go, pio, get_plotlyjs, make_subplots, MinMaxLTTBDownsampler


def render_html(m: Metrics, summary: dict, source: str, plotly_src: str | None = None) -> str:
    jinja2, np, go, pio, get_plotlyjs, make_subplots, Downsampler = _imports()
    downsampler = Downsampler()

    def thin(t, v):
        """(datetimes, values) with at most MAX_POINTS points (MinMaxLTTB)."""
        t = np.frombuffer(t, dtype=np.int64) if len(t) else np.zeros(0, np.int64)
        v = np.frombuffer(v, dtype=np.float64) if len(v) else np.zeros(0)
        if len(t) > MAX_POINTS:
            idx = np.sort(downsampler.downsample(t, v, n_out=MAX_POINTS).astype(np.int64))
            t, v = t[idx], v[idx]
        return t.astype("datetime64[ms]"), v

    def html(fig, name: str) -> str:
        fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 30, "b": 40},
                          legend={"orientation": "h", "y": 1.08})
        return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"fig-{name}",
                           config={"displaylogo": False, "responsive": True},
                           default_height=f"{fig.layout.height or 420}px")

    figures = []
    if len(m.eq_t):
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                            vertical_spacing=0.05)
        t, net = thin(m.eq_t, m.eq_net)
        tg, gross = thin(m.eq_t, m.eq_gross)
        dd_values = np.frombuffer(m.eq_net, dtype=np.float64)
        dd = np.maximum.accumulate(dd_values) - dd_values
        td, dd = thin(m.eq_t, np.ascontiguousarray(dd))
        fig.add_trace(go.Scatter(x=t, y=net, name="equity (after fees)", line_shape="hv"),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=tg, y=gross, name="equity before fees", line_shape="hv",
                                 line={"dash": "dot"}), row=1, col=1)
        fig.add_trace(go.Scatter(x=td, y=-dd, name="drawdown", line_shape="hv", fill="tozeroy",
                                 line={"color": "#b00020"}), row=2, col=1)
        fig.update_layout(height=520)
        figures.append({"title": f"Equity ({m.quote}) and drawdown", "html": html(fig, "equity"),
                        "note": None})
    for pair_id in _traded_pairs(m):
        fig = go.Figure()
        hist = m.mids.get(pair_id)
        if hist is not None and len(hist.times):
            scale = 10.0 ** hist.scale * 2
            mids = np.frombuffer(hist.doubled, dtype=np.int64) / scale
            t, v = thin(hist.times, np.ascontiguousarray(mids))
            fig.add_trace(go.Scatter(x=t, y=v, name="mid", line_shape="hv",
                                     line={"color": "#555"}))
        fills = [f for f in m.fills if f["pair"] == pair_id]
        note = None
        if len(fills) > MAX_MARKERS:
            step = len(fills) / MAX_MARKERS
            note = f"{MAX_MARKERS} of {len(fills)} fills marked (evenly spaced); fills.csv has all"
            fills = [fills[int(i * step)] for i in range(MAX_MARKERS)]
        for side, symbol, color in ((BUY, "triangle-up", "#00703c"),
                                    ("sell", "triangle-down", "#b00020")):
            these = [f for f in fills if f["side"] == side]
            if these:
                fig.add_trace(go.Scatter(
                    x=np.array([f["t"] for f in these], dtype="datetime64[ms]"),
                    y=np.array([float(f["price"]) for f in these]), mode="markers",
                    name=f"{side} fills", marker={"symbol": symbol, "color": color, "size": 8},
                    customdata=[[f["role"], _fmt(f["volume"])] for f in these],
                    hovertemplate="%{y} x %{customdata[1]} (%{customdata[0]})<extra></extra>"))
        figures.append({"title": f"{pair_id}: mid price and your fills",
                        "html": html(fig, f"price-{pair_id}"), "note": note})
    assets = [a for a in sorted(m.inv) if len(m.inv[a][0])]
    if assets:
        fig = make_subplots(rows=len(assets), cols=1, shared_xaxes=True, subplot_titles=assets,
                            vertical_spacing=0.08)
        for i, asset in enumerate(assets, 1):
            ts, vs = m.inv[asset]
            if m.start_t is not None and ts[0] > m.start_t:     # nothing changed before
                ts, vs = array("q", [m.start_t]) + ts, array("d", [0.0]) + vs
            t, v = thin(ts, vs)
            fig.add_trace(go.Scatter(x=t, y=v, name=asset, line_shape="hv"), row=i, col=1)
        fig.update_layout(height=180 * len(assets) + 60, showlegend=False)
        figures.append({"title": "Inventory (change from the start)",
                        "html": html(fig, "inventory"), "note": None})

    orders = m.order_rows()
    tables = [
        {"title": "Orders", "columns": ORDER_COLUMNS, "left": {"time", "id", "pair", "side",
                                                               "type", "status", "rejectReason"},
         "rows": [dict(zip(ORDER_COLUMNS, order_row(r))) for r in orders[:TABLE_ROWS]],
         "note": _shown(len(orders), "orders.csv")},
        {"title": "Fills", "columns": FILL_COLUMNS, "left": {"time", "trade", "order", "pair",
                                                             "side", "role", "feeAsset"},
         "rows": [dict(zip(FILL_COLUMNS, fill_row(f))) for f in m.fills[:TABLE_ROWS]],
         "note": _shown(len(m.fills), "fills.csv")},
    ]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=True, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    period = "no activity"
    if summary["from"] is not None:
        period = f"{format_time(summary['from'])} to {format_time(summary['to'])}"
    period += (" · from the journal's notes" if m.source == "notes"
               else " · by replaying the journal")
    places = accuracy(m.scenario, m.quote)
    return template.render(s=summary, source=source, period=period,
                           cards=_cards(summary, places),
                           figures=[{**f, "html": jinja2.utils.markupsafe.Markup(f["html"])}
                                    for f in figures],
                           tables=tables, plotly_src=plotly_src,
                           plotly_js=jinja2.utils.markupsafe.Markup(
                               "" if plotly_src else get_plotlyjs()))


def _traded_pairs(m: Metrics) -> list[str]:
    seen = dict.fromkeys(r["pair"] for r in m.orders.values())
    seen.update(dict.fromkeys(f["pair"] for f in m.fills))
    return list(seen)


def _shown(total: int, name: str) -> str:
    if total <= TABLE_ROWS:
        return f"{total} rows."
    return f"The first {TABLE_ROWS} of {total} rows; {name} has them all."


# (label, summary key, how shown) of the cards, the bot's own result first; docs/report.md
CARDS = (("trading PnL (after fees)", "tradingPnl", "signed"), ("fees", "fees", "money"),
         ("equity change (with the market's move of the starting balances)", "equityChange",
          "signed"),
         ("equity change before fees", "equityChangeBeforeFees", "signed"),
         ("turnover", "turnover", "money"), ("max drawdown of equity", "maxDrawdown", "money"),
         ("slippage", "slippage", "money"), ("slippage (bps)", "slippageBps", "ratio"),
         ("fill ratio", "fillRatio", "ratio"), ("maker share", "makerShare", "ratio"))


def _cards(s: dict, places: int = 2) -> list[tuple[str, str, str]]:
    """The summary's figures as shown: money at the valuation asset's accuracy (`places`),
    ratios to 3 significant digits."""
    out = []
    for label, key, how in CARDS:
        v = s.get(key)
        if how == "ratio":
            out.append((label, significant(v), ""))
            continue
        text = money(v, places, signed=how == "signed")
        cls = "" if how != "signed" or v is None or not Decimal(text) else (
            "neg" if text.startswith("-") else "pos")
        out.append((label, text, cls))
    out.append(("orders / rejected / fills", f"{s['orders']} / {s['rejected']} / {s['fills']}",
                ""))
    for asset, v in s["maxInventory"].items():
        out.append((f"max inventory {asset}", v, ""))
    return out


def headline(summary: dict, header: dict) -> str:
    """One line of the bot's results, as the runner's end line and `mock-lykke report` print
    them: "trading PnL -29.11 USD, fills 11 (equity change +1978.26 USD)"."""
    asset = summary["valuationAsset"]
    places = accuracy(header.get("scenario") or {}, asset)
    return (f"trading PnL {money(summary['tradingPnl'], places, True)} {asset}, fills "
            f"{summary['fills']} (equity change "
            f"{money(summary['equityChange'], places, True)} {asset})")


# --- command line -----------------------------------------------------------------------------
def add_report_parser(subparsers):
    p = subparsers.add_parser(
        "report", help="the report of a dry-run journal: HTML, JSON summary, CSV/Parquet tables",
        description="Replay a journal and write report.html (self-contained, works offline), "
                    "summary.json, orders.csv and fills.csv (--parquet: also .parquet) into "
                    "--out.")
    p.add_argument("journal", metavar="JOURNAL")
    p.add_argument("--out", metavar="DIR", required=True, help="the report's folder")
    p.add_argument("--account", metavar="NAME",
                   help="whose results (default: the dry-run's bot, see docs/report.md)")
    p.add_argument("--valuation", metavar="ASSET",
                   help="value everything in this asset (default: the most common quote asset)")
    p.add_argument("--no-html", action="store_true", help="only the JSON and CSV files")
    p.add_argument("--parquet", action="store_true",
                   help="the tables as Parquet too (orders.parquet, fills.parquet; needs the "
                        "`parquet` extra: pyarrow)")
    p.set_defaults(run=cmd_report)
    return p


def cmd_report(args) -> int:
    try:
        with warnings_printed("mock-lykke report"):
            summary = write_report(args.journal, args.out, args.account,
                                   valuation=args.valuation, html=not args.no_html,
                                   parquet=args.parquet)
    except (ReplayError, ReportError, OSError) as e:
        print(f"mock-lykke report: {e}", file=sys.stderr)
        return 2
    print(f"{headline(summary, read_header(args.journal))}; report in {args.out}")
    return 0

