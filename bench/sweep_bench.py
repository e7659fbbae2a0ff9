"""Sweep figures: cells per minute with 1 and 2 local Dask workers, and a cell's overhead
against a lone `mock-lykke dryrun`.

    python -m bench.sweep_bench [--cells 8] [--until 2m]

The fixed cell: tests/dryrun_bots/world.yaml with the price bot, `--until` of clock time,
seeds 1..cells. Measures (wall time):
- lone: `mock-lykke dryrun ... --report` of seeds 1..3, one after the other (the command a
  sweep's report prints for a cell);
- sweep with --workers 1 and --workers 2 (a fresh report folder each, so nothing resumes):
  cells/min over the whole sweep (cluster start-up included) and the mean cell time the
  workers saw (a cell: its dry-run in a subprocess plus its report).
Prints one JSON object. The machine's load matters: say what else ran.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dryrun_support import WORLD, price_bot  # noqa: E402

from mock_lykke.dryrun.sweep import Spec, sweep  # noqa: E402


def lone(tmp: Path, seed: int, until: str) -> float:
    cmd = [sys.executable, "-m", "mock_lykke.cli", "dryrun", "--scenario", str(WORLD),
           "--seed", str(seed), "--until", until, "--report", str(tmp / f"lone-{seed}"),
           "--", *price_bot()]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.monotonic() - t0


def run_sweep(tmp: Path, workers: int, cells: int, until: str) -> dict:
    spec = Spec(scenario=str(WORLD), command=price_bot(), seeds=list(range(1, cells + 1)),
                until=until)
    root = tmp / f"sweep-{workers}"
    t0 = time.monotonic()
    code = sweep(spec, str(root), workers=workers, out=io.StringIO())
    wall = time.monotonic() - t0
    summary = json.loads((root / "sweep.json").read_text())
    walls = [r["wallSeconds"] for r in summary["rows"]]
    return {"exit": code, "wallSeconds": round(wall, 2),
            "cellsPerMinute": round(cells / wall * 60, 2),
            "meanCellSeconds": round(statistics.mean(walls), 2)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cells", type=int, default=8)
    p.add_argument("--until", default="2m")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lone_walls = [lone(tmp, seed, args.until) for seed in (1, 2, 3)]
        one = run_sweep(tmp, 1, args.cells, args.until)
        two = run_sweep(tmp, 2, args.cells, args.until)
    mean_lone = statistics.mean(lone_walls)
    print(json.dumps({
        "cpus": os.cpu_count(), "load": os.getloadavg(), "cells": args.cells,
        "until": args.until, "loneSeconds": [round(w, 2) for w in lone_walls],
        "loneMeanSeconds": round(mean_lone, 2),
        "lonePerMinute": round(60 / mean_lone, 2),
        "workers1": one, "workers2": two,
        "scaling": round(two["cellsPerMinute"] / one["cellsPerMinute"], 2),
        "cellOverheadSeconds": round(one["wallSeconds"] / args.cells - mean_lone, 2)},
        indent=2))


if __name__ == "__main__":
    main()
