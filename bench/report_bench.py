"""The report on a large journal: how long `write_report` takes, and how big the HTML is.

    python bench/report_bench.py                 # ~100 k journal lines, ~10 k fills
    python bench/report_bench.py --full          # ~1 M journal lines, ~100 k fills
    python bench/report_bench.py --steps 5000 --out /tmp/r   # any size, keep the report
    python bench/report_bench.py --replay        # replay the commands, not the notes
    python bench/report_bench.py --parquet       # the Parquet tables too (pyarrow)

The journal is generated once per size (cached in the temp folder): the market-maker scenario
on a virtual clock with a scripted bot (the scenario's trader: 2 BTC, 50000 USD, tracked as
in a dry-run) that requotes 0.01 on both sides inside the spread every 100 ms and crosses the
spread every other step. Generating it is not timed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STEPS = 10_000
FULL_STEPS = 100_000


def generate(path: Path, steps: int, seed: int = 3) -> dict:
    """Run the bot for `steps` steps of 100 ms; the journal, with the dry-run notes of the
    trader's account, goes to `path`."""
    from mock_lykke.engine import ApiError
    from mock_lykke.engine.orders import BulkItem
    from mock_lykke.scenario import build_mock, load_file
    from decimal import Decimal

    mock = build_mock(load_file(ROOT / "scenarios" / "market-maker.yaml"), seed=seed,
                      journal_path=path, track=["trader"])
    c = mock.controller
    ex = mock.exchange
    me = ex.account("trader")                   # 2 BTC, 50000 USD
    tick, size = Decimal("0.001"), Decimal("0.01")
    for i in range(steps):
        c.advance(100)
        ex = mock.exchange
        book = ex.books["BTCUSD"]
        bid, ask = book.best("buy"), book.best("sell")
        if bid is None or ask is None:
            continue
        try:
            ex.place_bulk(me, "BTCUSD", [BulkItem("buy", size, bid + tick),
                                         BulkItem("sell", size, ask - tick)],
                          cancel_previous=True, cancel_mode="bothSides")
            if i % 2:
                ex.place_market(me, "BTCUSD", "buy" if i % 4 == 1 else "sell", size)
        except ApiError:
            pass
    c.journal.close(c.now())
    return {"entries": c.journal.count}


def run(steps: int, out: Path | None, source: str = "auto", parquet: bool = False) -> dict:
    from mock_lykke.dryrun.report import write_report
    cache = Path(tempfile.gettempdir()) / f"mock-lykke-report-bench-{steps}.jsonl"
    if not cache.exists():
        t = time.perf_counter()
        tmp = cache.with_suffix(".part")
        info = generate(tmp, steps)
        os.replace(tmp, cache)
        print(f"generated {info['entries']} entries in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
    out = out or Path(tempfile.mkdtemp(prefix="report-bench-"))
    t, cpu = time.perf_counter(), time.process_time()
    summary = write_report(cache, out, "trader", source=source, parquet=parquet)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    lines = sum(1 for _ in open(cache, "rb")) - 1
    return {"steps": steps, "source": source, "lines": lines, "fills": summary["fills"],
            "orders": summary["orders"], "seconds": round(seconds, 2),
            "cpuSeconds": round(cpu, 2), "parquet": parquet,
            "linesPerSecond": round(lines / seconds),
            "journalBytes": cache.stat().st_size,
            "htmlBytes": (out / "report.html").stat().st_size,
            "fillsCsvBytes": (out / "fills.csv").stat().st_size, "out": str(out)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help=f"{FULL_STEPS} steps (~1 M lines)")
    p.add_argument("--steps", type=int, help=f"bot steps (default {DEFAULT_STEPS})")
    p.add_argument("--out", type=Path, help="keep the report here")
    p.add_argument("--replay", action="store_true",
                   help="replay the commands instead of reading the notes (plain journals)")
    p.add_argument("--parquet", action="store_true", help="write the Parquet tables too")
    args = p.parse_args(argv)
    steps = args.steps or (FULL_STEPS if args.full else DEFAULT_STEPS)
    print(json.dumps(run(steps, args.out, "replay" if args.replay else "auto", args.parquet),
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
