"""Draw docs/img/regime-*.png: each shipped regime's best bid, best ask and mid over time
(scenarios/regimes/*.yaml, on a virtual clock, with no bot), for docs/sweep.md.

    python docs/img/regimes.py [--seeds 3]

Needs the `report` extra (plotly) and a headless chromium (the screenshot)."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from mock_lykke.scenario import build_mock, load_file

ROOT = Path(__file__).resolve().parents[2]
REGIMES = ROOT / "scenarios" / "regimes"
OUT = Path(__file__).resolve().parent


def series(path: Path, seed: int) -> tuple[list, list, list]:
    """(times in minutes, bids, asks), sampled at every timer of the scenario."""
    scenario = load_file(path)
    mock = build_mock(scenario, seed=seed, clock_mode="virtual")
    clock, market = mock.exchange.clock, mock.exchange.markets["BTCUSD"]
    start = clock.start_ms
    end = scenario.until_ms(start)
    t, bids, asks = [], [], []
    while clock.now() < end:
        nxt = clock.next_due()
        mock.controller.advance(ms=(min(nxt, end) if nxt is not None else end) - clock.now())
        if market.bid and market.ask:
            t.append((clock.now() - start) / 60_000)
            bids.append(float(market.bid))
            asks.append(float(market.ask))
    return t, bids, asks


def draw(path: Path, seeds: int, tmp: Path) -> Path:
    import plotly.graph_objects as go
    fig = go.Figure()
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]
    seed0 = load_file(path).seed
    for i in range(seeds):
        t, bids, asks = series(path, seed0 + i)
        color = colors[i % len(colors)]
        mids = [(b + a) / 2 for b, a in zip(bids, asks)]
        fig.add_trace(go.Scatter(x=t, y=asks, line={"width": 0}, showlegend=False,
                                 line_shape="hv", hoverinfo="skip"))
        rgb = tuple(int(color[k:k + 2], 16) for k in (1, 3, 5))
        fig.add_trace(go.Scatter(x=t, y=bids, line={"width": 0}, fill="tonexty",
                                 fillcolor=f"rgba{rgb + (0.25,)}", showlegend=False,
                                 line_shape="hv", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=t, y=mids, name=f"seed {seed0 + i}", line_shape="hv",
                                 line={"color": color, "width": 1.5}))
    fig.update_layout(template="plotly_white", width=760, height=320,
                      title={"text": f"{path.stem}: mid (and bid-ask band), "
                                     f"{seeds} seeds", "font": {"size": 14}},
                      margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      xaxis_title="minutes", yaxis_title="BTCUSD",
                      legend={"orientation": "h", "y": -0.3})
    html = tmp / f"{path.stem}.html"
    fig.write_html(html, include_plotlyjs=True, full_html=True,
                   config={"displayModeBar": False})
    return screenshot(html, OUT / f"regime-{path.stem}.png", (760, 320), tmp)


def screenshot(html: Path, png: Path, size: tuple[int, int], tmp: Path) -> Path:
    """A headless chromium's picture of a page (also for docs/img/sweep.py)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}",
                    "--virtual-time-budget=5000", f"--screenshot={png}",
                    f"--window-size={size[0]},{size[1]}", html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=180)
    return png


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for path in sorted(REGIMES.glob("*.yaml")):
            print(draw(path, args.seeds, Path(d)))


if __name__ == "__main__":
    main()
