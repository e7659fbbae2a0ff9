"""Sweeps: one bot against the cross product of seeds and scenario overrides (docs/sweep.md).

Each cell is a plain `mock-lykke dryrun` (run as that command, in a subprocess, so the cell's
journal is the one the printed reproduce command writes); Dask distributed only schedules the
cells (a LocalCluster of processes by default, or `--cluster tcp://scheduler:8786`). The
client writes each cell's files under DIR/cells/<id>/ as it arrives and appends its record
to DIR/cells.jsonl, so an interrupted sweep resumes where it stopped (cells already recorded
are skipped). Needs the `sweep` extra (dask[distributed]; rich for the progress bar).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .run import EXIT_BAD, EXIT_FAIL, EXIT_OK, DryRunError, load_scenario, substitute

EXTRA_HINT = "pip install 'mock-lykke[sweep]'"
CELLS_FILE = "cells.jsonl"
EXIT_INTERRUPTED = 130
TAIL = 2000                     # characters of a failed cell's output kept in its record


@dataclass
class Spec:
    """What a sweep runs: the grid and the options every cell's dry-run gets."""
    scenario: str
    command: list[str]
    seeds: list[int] | None = None                              # None: the scenario's
    sets: list[tuple[str, list]] = field(default_factory=list)   # (PATH, values) overrides
    params: list[tuple[str, list]] = field(default_factory=list)  # bot-only parameters
    until: str | None = None
    account: str | None = None
    currency: str | None = None
    quiet: str | None = None
    warmup: str | None = None
    grace: float = 5.0
    cpu_probe: bool = True
    timeout: float | None = None        # wall seconds per cell (then it is stopped)


@dataclass
class Cell:
    id: str
    seed: int
    values: dict            # dimension name -> value text (each --set PATH and --param NAME)
    sets: list[str]         # "PATH=VALUE" for the cell's dry-run
    command: list[str]      # the bot's command, {seed} and {param:NAME} substituted
    scenario: str = ""      # sha256 of the scenario file as the sweep read it


# --- the grid ---------------------------------------------------------------------------------
def parse_seeds(text: str) -> list[int]:
    """`1-200`, `1,5,9`, `1-10,20-30`: in order, without repeats."""
    out: dict[int, None] = {}
    for part in text.split(","):
        part = part.strip()
        lo, dash, hi = part.partition("-")
        try:
            first, last = (int(lo), int(hi)) if dash else (int(part), int(part))
        except ValueError:
            raise DryRunError(f"--seeds: {part!r} is not a seed or a range (1-200)") from None
        if first < 0 or last < first:
            raise DryRunError(f"--seeds: {part!r} is not a range of seeds >= 0")
        out.update(dict.fromkeys(range(first, last + 1)))
    return list(out)


def parse_dimension(text: str, what: str) -> tuple[str, list]:
    """`PATH=v1,v2,...` -> (PATH, [value texts])."""
    from ..scenario.overrides import OverrideError, pair, parse_values, split, value_text
    try:
        name, values = split(text) if what == "--set" else \
            pair(text, "NAME=VALUES (e.g. size=0.01,0.02)")
        return name, [value_text(v) for v in parse_values(values)]
    except OverrideError as e:
        raise DryRunError(f"{what} {e}") from None


def _digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def cells(spec: Spec) -> list[Cell]:
    """Every cell of the grid (seeds vary fastest within each combination of values); the
    scenario is checked with each combination of overrides (DryRunError names the problem)."""
    from ..scenario.overrides import parse_value
    dims = [(name, values) for name, values in spec.sets] + \
           [(name, values) for name, values in spec.params]
    set_names = {name for name, _ in spec.sets}
    digest = _digest(spec.scenario)
    out = []
    for combo in itertools.product(*(values for _, values in dims)):
        values = {name: value for (name, _), value in zip(dims, combo)}
        sets = [f"{name}={value}" for name, value in values.items() if name in set_names]
        scenario = load_scenario(spec.scenario, [(n, parse_value(v)) for n, v in values.items()
                                                 if n in set_names])
        for seed in spec.seeds if spec.seeds is not None else [scenario.seed]:
            command = substitute(spec.command, {"seed": str(seed), **{
                f"param:{name}": value for name, value in values.items()}})
            unknown = [a for a in command if "{param:" in a]
            if unknown:
                raise DryRunError(f"the bot's command names a parameter the sweep does not "
                                  f"have: {unknown[0]} (parameters: "
                                  f"{', '.join(values) or 'none'})")
            key = json.dumps([spec.scenario, digest, seed, sets, command, spec.until,
                              spec.account, spec.currency, spec.quiet, spec.warmup,
                              spec.cpu_probe], sort_keys=True)
            cell_id = f"s{seed}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
            out.append(Cell(cell_id, seed, values, sets, command, digest))
    return out


def dryrun_args(spec: Spec, cell: Cell) -> list[str]:
    """The `mock-lykke dryrun` options of a cell (without the output options and the bot)."""
    args = ["--scenario", spec.scenario, "--seed", str(cell.seed)]
    for text in cell.sets:
        args += ["--set", text]
    for option, value in (("--until", spec.until), ("--account", spec.account),
                          ("--currency", spec.currency), ("--quiet", spec.quiet),
                          ("--warmup", spec.warmup)):
        if value is not None:
            args += [option, value]
    if spec.grace != 5.0:
        args += ["--grace", repr(spec.grace)]
    if not spec.cpu_probe:
        args.append("--no-cpu-probe")
    return args


def reproduce(spec: Spec, cell: Cell, report: str) -> str:
    """The shell command that runs this cell alone (the same journal, byte for byte)."""
    argv = ["mock-lykke", "dryrun", *dryrun_args(spec, cell), "--report", report, "--",
            *cell.command]
    return shlex.join(argv)


# --- one cell, on a worker --------------------------------------------------------------------
def run_cell(spec: Spec, cell: Cell, plotly_src: str | None) -> dict:
    """Run the cell's dry-run in a subprocess, in a scratch folder; write its report there;
    return its record and its files (bytes by name), for the client to store."""
    t0 = time.monotonic()
    if cell.scenario and _digest(spec.scenario) != cell.scenario:
        return _mismatch(spec, cell, time.monotonic() - t0)
    with tempfile.TemporaryDirectory(prefix="mock-lykke-cell-") as tmp:
        out = Path(tmp)
        argv = [sys.executable, "-m", "mock_lykke.cli", "dryrun", *dryrun_args(spec, cell),
                "--journal", str(out / "journal.jsonl"), "--bot-log", str(out / "bot.log"),
                "--no-progress", "--", *cell.command]
        status, error, code = "ok", None, None
        with open(out / "dryrun.log", "wb") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
            try:
                code = _wait(proc, spec.timeout)
            except subprocess.TimeoutExpired:
                status = "timeout"
                code = _stop(proc, spec.grace + 10)
            except BaseException:        # the worker is closing (_Closing), or worse
                _stop(proc, spec.grace + 10)
                raise
        wall = time.monotonic() - t0
        runner = (out / "dryrun.log").read_text(errors="replace")
        if status == "timeout":
            error = f"timed out after {spec.timeout:g} s (stopped; the journal is partial)"
        elif "\ndryrun: interrupted" in "\n" + runner:     # a Ctrl-C reached the runner
            status, error = "interrupted", "interrupted (not recorded: it runs again on resume)"
        elif code == EXIT_BAD:
            status, error = "failed", _last_line(runner) or f"dryrun exit code {code}"
        elif code != EXIT_OK:
            status = "failed"
            error = _bot_error(runner, out / "bot.log", code)
        summary = None
        if (out / "journal.jsonl").exists() and code != EXIT_BAD:
            summary, report_error = _report(out, plotly_src)
            if report_error and status == "ok":
                status, error = "failed", report_error
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
    return {"id": cell.id, "seed": cell.seed, "values": cell.values, "status": status,
            "error": error, "exit": code, "wall": round(wall, 3), "summary": summary,
            "files": files}


def _mismatch(spec: Spec, cell: Cell, wall: float) -> dict:
    """A worker (on another machine) without the sweep's scenario file, or with another one:
    the cell would not be the cell the sweep names, so it is not run."""
    import socket
    where = os.path.abspath(spec.scenario)
    what = "has another" if os.path.exists(where) else "has no"
    return _failed(cell, f"the worker on {socket.gethostname()} {what} scenario file at "
                         f"{where} (a worker needs the sweep's files at the same paths: "
                         f"docs/sweep.md)", round(wall, 3))


def _failed(cell: Cell, error: str, wall: float | None = None) -> dict:
    """The record of a cell that did not run (no files)."""
    return {"id": cell.id, "seed": cell.seed, "values": cell.values, "status": "failed",
            "error": error, "exit": None, "wall": wall, "summary": None, "files": {}}


class _Closing(Exception):
    """The Dask worker running the cell is closing: the cell is stopped, not recorded."""


def _wait(proc: subprocess.Popen, timeout: float | None) -> int:
    """The runner's exit code; TimeoutExpired after `timeout` wall seconds; _Closing when the
    worker closes (an interrupted sweep: its cells must not outlive it)."""
    try:
        from distributed import get_worker
        from distributed.core import Status
        worker = get_worker()
    except (ImportError, ValueError):
        worker = None
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
        try:
            return proc.wait(timeout=max(left, 0))
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise
            if worker is not None and worker.status not in (Status.running, Status.paused):
                raise _Closing(f"worker {worker.address} is closing") from None


def _stop(proc: subprocess.Popen, wait: float) -> int:
    """SIGTERM (the runner then stops its bot and writes what it has), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            break
        try:
            return proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


def _last_line(text: str) -> str:
    lines = [s for s in text.splitlines() if s.strip()]
    return lines[-1][-TAIL:] if lines else ""


def _bot_error(runner: str, bot_log: Path, code) -> str:
    summary = next((s for s in runner.splitlines() if s.startswith("dryrun: ")), "")
    try:
        tail = bot_log.read_text(errors="replace")[-TAIL:].strip()
    except OSError:
        tail = ""
    text = summary.removeprefix("dryrun: ") or f"dryrun exit code {code}"
    return f"{text}\n{tail}" if tail else text


def _report(out: Path, plotly_src: str | None) -> tuple[dict | None, str | None]:
    """The cell's report (as the dry-run writes it, with plotly.js shared); HTML only when the
    report extra is there."""
    from ..journal import ReplayError
    from .reading import read_header
    from .report import ReportError, write_report
    header = read_header(out / "journal.jsonl")
    pairs = header["scenario"].get("assetPairs") or []
    valuation = pairs[0]["quoteAssetId"] if pairs else None
    account = (header.get("dryrun") or {}).get("account")
    try:
        try:
            return write_report(out / "journal.jsonl", out, account, valuation=valuation,
                                plotly_src=plotly_src), None
        except ReportError:
            return write_report(out / "journal.jsonl", out, account, valuation=valuation,
                                html=False), None
    except (ReplayError, OSError, ValueError) as e:
        return None, f"no report: {e}"


# --- the client -------------------------------------------------------------------------------
def read_records(path: Path) -> dict[str, dict]:
    """The cells recorded so far, by id (the last record of an id wins; a line cut short by
    an interrupt is ignored)."""
    out: dict[str, dict] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "id" in record:
            out[record["id"]] = record
    return out


def _store(root: Path, result: dict) -> dict:
    """The cell's files into root/cells/<id>/, then its record (without the bytes)."""
    folder = root / "cells" / result["id"]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    for name, data in result.pop("files", {}).items():
        (folder / name).write_bytes(data)
    return result


class Sweep:
    def __init__(self, spec: Spec, report: str, workers: int | None = None,
                 cluster: str | None = None, retry_failed: bool = False, out=None,
                 progress: bool | None = None):
        self.spec = spec
        self.root = Path(report)
        self.workers = workers
        self.cluster = cluster
        self.retry_failed = retry_failed
        self.out = out or sys.stderr
        self.progress = progress

    def run(self) -> dict:
        """Run the cells not yet recorded; write the report; returns the sweep's summary."""
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise DryRunError(f"sweeps need the `sweep` extra (dask[distributed]): "
                              f"{EXTRA_HINT}") from None
        grid = cells(self.spec)
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.root / CELLS_FILE
        done = read_records(log)
        todo = [c for c in grid if c.id not in done or
                (self.retry_failed and done[c.id]["status"] != "ok")]
        if len(todo) < len(grid):
            self._say(f"sweep: resuming: {len(grid) - len(todo)} of {len(grid)} cells "
                      f"recorded in {log}, {len(todo)} to run")
        plotly_src = self._plotly()
        t0 = time.monotonic()
        if todo:
            cluster = None
            if self.cluster:
                client = self._connect(Client)
            else:
                n = self.workers or os.cpu_count() or 1
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=None,    # its HTTP server: any port
                                       scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
                client = Client(cluster)
            bar = _Bar(self.out, len(grid), len(grid) - len(todo), self.progress)
            try:
                futures = [client.submit(run_cell, self.spec, c, plotly_src, key=f"cell-{c.id}",
                                         pure=False) for c in todo]
                by_key = {f.key: c for f, c in zip(futures, todo)}
                with open(log, "a", encoding="utf-8") as f:
                    for future in as_completed(futures):
                        cell = by_key[future.key]
                        try:
                            result = future.result()
                            if result["status"] == "interrupted":
                                raise KeyboardInterrupt     # Ctrl-C reached the cells: stop
                        except Exception as e:        # the worker died, dask gave up...
                            result = _failed(cell, f"{type(e).__name__}: {e}")
                        record = _store(self.root, result)
                        f.write(json.dumps(record, sort_keys=True) + "\n")
                        f.flush()
                        done[cell.id] = record
                        bar.advance(cell, record)
            finally:
                bar.close()
                client.close()
                if cluster is not None:
                    cluster.close()
        from .sweep_report import write_sweep_report
        records = [done[c.id] for c in grid]
        commands = [reproduce(self.spec, c, str(self.root / "cells" / c.id / "alone"))
                    for c in grid]
        summary = write_sweep_report(self.root, self.spec, grid, records, commands,
                                     wall=time.monotonic() - t0, ran=len(todo))
        failed = sum(r["status"] != "ok" for r in records)
        self._say(f"sweep: {len(grid)} cells ({len(todo)} run now, {failed} failed) in "
                  f"{time.monotonic() - t0:.1f}s; report {self.root / 'index.html'}")
        return summary

    def _connect(self, Client):
        """A client of the --cluster scheduler (DryRunError when it cannot be reached)."""
        try:
            client = Client(self.cluster)
        except (OSError, ValueError) as e:
            raise DryRunError(f"--cluster {self.cluster}: no scheduler there ({e})") from None
        if not client.scheduler_info().get("workers"):
            self._say(f"sweep: the cluster at {self.cluster} has no workers yet: the cells "
                      f"wait for one (start `dask worker {self.cluster}`)")
        return client

    def _plotly(self) -> str | None:
        """plotly.js once for every cell's report (None without the report extra)."""
        try:
            from plotly.offline import get_plotlyjs
        except ImportError:
            return None
        path = self.root / "plotly.min.js"
        if not path.exists():
            path.write_text(get_plotlyjs(), encoding="utf-8")
        return "../../plotly.min.js"

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class _Bar:
    """Progress over cells: a rich bar on a terminal, else one line per finished cell."""

    def __init__(self, out, total: int, done: int, enabled: bool | None):
        self.out = out
        self.total, self.done = total, done
        tty = hasattr(out, "isatty") and out.isatty()
        self.rich = None
        if (enabled if enabled is not None else tty):
            try:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                           TimeElapsedColumn, TimeRemainingColumn)
            except ImportError:
                pass
            else:
                self.rich = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[failed]} failed"),
                                     TimeElapsedColumn(), TimeRemainingColumn(),
                                     console=Console(file=out))
                self.task = self.rich.add_task("cells", total=total, completed=done, failed=0)
                self.rich.start()
        self.failed = 0

    def advance(self, cell: Cell, record: dict) -> None:
        self.done += 1
        self.failed += record["status"] != "ok"
        if self.rich is not None:
            self.rich.update(self.task, advance=1, failed=self.failed)
            if record["status"] != "ok":
                self.rich.console.print(f"cell {cell.id} {record['status']}: "
                                        f"{(record['error'] or '').splitlines()[0]}")
            return
        pnl = (record.get("summary") or {}).get("tradingPnl")
        values = " ".join(f"{k}={v}" for k, v in cell.values.items())
        what = f"trading PnL {pnl}" if record["status"] == "ok" else \
            f"{record['status']}: {(record['error'] or '').splitlines()[0]}"
        print(f"sweep: {self.done}/{self.total} {cell.id} seed {cell.seed} {values} "
              f"{what} ({record['wall']}s)".replace("  ", " "), file=self.out, flush=True)

    def close(self) -> None:
        if self.rich is not None:
            self.rich.stop()
            self.rich = None


def sweep(spec: Spec, report: str, workers: int | None = None, cluster: str | None = None,
          retry_failed: bool = False, out=None, progress: bool | None = None) -> int:
    """Run it; prints where the report is; exit code 0 (every cell ran, whatever its
    result), 1 when a cell failed, 2 for a bad sweep."""
    out = out or sys.stderr
    try:
        summary = Sweep(spec, report, workers, cluster, retry_failed, out, progress).run()
    except DryRunError as e:
        print(f"mock-lykke sweep: {e}", file=out)
        return EXIT_BAD
    except KeyboardInterrupt:
        done = len(read_records(Path(report) / CELLS_FILE))
        print(f"sweep: interrupted with {done} cells recorded in {Path(report) / CELLS_FILE}; "
              f"run the same command again to resume", file=out, flush=True)
        return EXIT_INTERRUPTED
    return EXIT_FAIL if summary["failed"] else EXIT_OK
