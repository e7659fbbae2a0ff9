"""What the dry-run tests (and bench/dryrun_bench.py) share: the test world, its bots, and a
dry-run of the price bot through the command line."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

START = 1_767_225_600_000                   # the test world's clock start
BOTS = Path(__file__).resolve().parent / "dryrun_bots"
WORLD = BOTS / "world.yaml"


def price_bot(*extra: str) -> list[str]:
    """The price bot's command line, with the runner's placeholders."""
    return [sys.executable, str(BOTS / "price_bot.py"), "--grpc", "{grpc}", "--key", "{apiKey}",
            *extra]


def cli_dryrun(journal: Path, *args: str, until: str = "1h", bot: list[str] | None = None,
               timeout: float = 600) -> tuple[float, str]:
    """`mock-lykke dryrun` of the test world in a subprocess (exit 0 asserted); returns the
    wall seconds it took and its stderr."""
    cmd = [sys.executable, "-m", "mock_lykke.cli", "dryrun", "--scenario", str(WORLD),
           "--until", until, "--journal", str(journal), *args, "--", *(bot or price_bot())]
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    return wall, done.stderr

