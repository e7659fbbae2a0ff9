"""Draw docs/img/sweep.png: the report of an 18-cell sweep of the test world (spread x
volatility x 2 seeds, the price bot, --until 2m), for docs/sweep.md.

    .venv/bin/python docs/img/sweep.py         (from the checkout: the report shows its paths)

Needs the `sweep` and `report` extras and a headless chromium (the screenshot); ~1 min on 2
cores."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from regimes import OUT, ROOT, screenshot


def main() -> None:
    python = os.path.relpath(sys.executable, ROOT)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        subprocess.run([sys.executable, "-m", "mock_lykke.cli", "sweep",
                        "--scenario", "tests/dryrun_bots/world.yaml", "--seeds", "1-2",
                        "--set", "market.0.spread=0.001,0.002,0.004",
                        "--set", "market.0.volatility=0.001,0.002,0.004", "--until", "2m",
                        "--workers", "2", "--no-progress", "--report", str(tmp / "sweep"), "--",
                        python, "tests/dryrun_bots/price_bot.py", "--grpc", "{grpc}",
                        "--key", "{apiKey}"], cwd=ROOT, check=True, timeout=900)
        print(screenshot(tmp / "sweep" / "index.html", OUT / "sweep.png", (1100, 1500), tmp))


if __name__ == "__main__":
    main()
