"""`mock-lykke sweep`: the grid, cells run as plain dry-runs on a 2-worker Dask LocalCluster,
failures recorded, the report, resume, and a cell that reproduces alone byte for byte."""
import io
import json
import shlex
import signal
import subprocess
import sys
from decimal import Decimal

import pytest

from mock_lykke.dryrun.run import DryRunError, Options, dry_run
from mock_lykke.dryrun.sweep import (Spec, cells, parse_dimension, parse_seeds, read_records,
                                     run_cell, sweep)
from mock_lykke.scenario import ScenarioError, load_file

from dryrun_support import BOTS, WORLD


@pytest.fixture
def dask():
    return pytest.importorskip("dask.distributed")

BOT = [sys.executable, str(BOTS / "sweep_bot.py"), "{param:mode}", "--grpc", "{grpc}", "--key",
       "{apiKey}"]


def spec(**kw) -> Spec:
    base = dict(scenario=str(WORLD), command=BOT, seeds=[1, 2],
                params=[parse_dimension("mode=run,crash", "--param")], until="1m")
    return Spec(**{**base, **kw})


def test_set_overrides_are_validated_and_name_the_set():
    s = load_file(WORLD, [("market.0.spread", Decimal("0.004")), ("clock.quiet", "20ms")])
    assert s.data["market"][0]["spread"] == Decimal("0.004")
    assert s.data["clock"]["quiet"] == "20ms"
    for path, value, message in (
            ("market.0.sprad", 1, "--set market.0.sprad=1: market[0].sprad: unknown key "
                                  "'sprad' (did you mean 'spread'?)"),
            ("market.5.spread", 1, "--set market.5.spread=1: market[5]: no item 5: market "
                                   "has 2"),
            ("clock.quiet", "soon", "--set clock.quiet=soon: clock.quiet: 'soon' is not a "
                                    "duration")):
        with pytest.raises(ScenarioError) as e:
            load_file(WORLD, [(path, value)])
        assert str(e.value).startswith(message)
    out = io.StringIO()
    code = dry_run(Options(scenario=str(WORLD), command=["true"], overrides=["market.0.x=1"]),
                   out)
    assert code == 2 and "--set market.0.x=1: market[0].x: unknown key 'x'" in out.getvalue()


def test_the_grid():
    assert parse_seeds("1-3,7,2") == [1, 2, 3, 7]
    assert parse_dimension("market.0.every=[10s, 20s],30s", "--set") == (
        "market.0.every", ["[10s, 20s]", "30s"])
    grid = cells(spec(sets=[parse_dimension("market.0.spread=0.002,0.004", "--set")]))
    assert [(c.seed, c.values["market.0.spread"], c.values["mode"]) for c in grid][:3] == [
        (1, "0.002", "run"), (2, "0.002", "run"), (1, "0.002", "crash")]
    assert len(grid) == 8 and len({c.id for c in grid}) == 8
    assert grid[0].sets == ["market.0.spread=0.002"] and grid[0].command[2] == "run"
    with pytest.raises(DryRunError, match="market.0.spread=-1"):
        cells(spec(sets=[parse_dimension("market.0.spread=-1", "--set")]))
    crash = cells(spec(sets=[parse_dimension("market.0.changes=[{at: 1m, mid: 9000}]", "--set"),
                             parse_dimension("market.0.changes.0.mid=9500,9000", "--set")]))
    assert crash[0].sets == ["market.0.changes=[{at: 1m, mid: 9000}]",
                             "market.0.changes.0.mid=9500"]
    with pytest.raises(DryRunError, match=r"\{param:nope\}"):
        cells(spec(command=[*BOT, "{param:nope}"]))


def test_the_core_does_not_import_dask():
    code = ("import sys, mock_lykke.cli, mock_lykke.dryrun.run, mock_lykke.dryrun.sweep; "
            "sys.exit(any(m.split('.')[0] in ('dask', 'distributed', 'rich') "
            "for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_a_two_worker_sweep_records_crashes_reproduces_cells_and_resumes(tmp_path, dask):
    root = tmp_path / "sweep"
    out = io.StringIO()
    assert sweep(spec(), str(root), workers=2, out=out) == 1      # a cell failed
    summary = json.loads((root / "sweep.json").read_text())
    assert (summary["cells"], summary["ok"], summary["failed"]) == (4, 2, 2)
    rows = {(r["seed"], r["param:mode"]): r for r in summary["rows"]}
    for seed in (1, 2):
        crashed = rows[(seed, "crash")]
        assert crashed["status"] == "failed" and "bot exit code 3" in crashed["error"]
        assert "sweep_bot: boom" in crashed["error"]
        fine = rows[(seed, "run")]
        assert fine["status"] == "ok" and fine["tradingPnl"] is not None
        assert (root / fine["report"]).exists()
    assert summary["worst"][0] in {r["id"] for r in summary["rows"] if r["status"] == "ok"}
    assert [p["value"] for p in summary["parameters"]["mode"]] == ["run", "crash"]
    assert summary["heatmap"]["x"] == "mode" and summary["heatmap"]["y"] == "seed"
    html = (root / "index.html").read_text()
    assert "Worst cells" in html and "Failed cells" in html and rows[(1, "run")]["report"] in html
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(root / "cells.parquet")
    assert table.num_rows == 4 and str(table.schema.field("tradingPnl").type).startswith("decimal")

    # a cell alone, with the command the report prints: the same journal, byte for byte
    cell = rows[(2, "run")]
    argv = shlex.split(cell["reproduce"])
    assert argv[:2] == ["mock-lykke", "dryrun"]
    done = subprocess.run([sys.executable, "-m", "mock_lykke.cli", *argv[1:]],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    alone = root / "cells" / cell["id"] / "alone"
    assert (alone / "journal.jsonl").read_bytes() == \
        (root / "cells" / cell["id"] / "journal.jsonl").read_bytes()

    # resume: nothing left to run; --retry-failed runs the failed cells again
    out = io.StringIO()
    assert sweep(spec(), str(root), workers=2, out=out) == 1
    assert "resuming: 4 of 4 cells recorded" in out.getvalue()
    assert len((root / "cells.jsonl").read_text().splitlines()) == 4
    out = io.StringIO()
    assert sweep(spec(params=[parse_dimension("mode=run", "--param")], seeds=[1, 2, 3]),
                 str(root), workers=2, out=out) == 0
    assert "resuming: 2 of 3 cells recorded" in out.getvalue()
    assert len(read_records(root / "cells.jsonl")) == 5


def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path, dask):
    root = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "mock_lykke.cli", "sweep", "--scenario", str(WORLD),
           "--seeds", "1-4", "--until", "1m", "--workers", "1", "--report", str(root),
           "--param", "mode=run", "--no-progress", "--", *BOT]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:                       # the first cell recorded: interrupt
        if line.startswith("sweep: 1/4"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    assert "run the same command again to resume" in rest
    first = read_records(root / "cells.jsonl")
    assert 1 <= len(first) < 4
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"resuming: {len(first)} of 4 cells recorded" in done.stderr
    records = read_records(root / "cells.jsonl")
    assert len(records) == 4 and all(r["status"] == "ok" for r in records.values())
    for cell_id, record in first.items():          # recorded cells were not run again
        assert records[cell_id] == record


def test_a_cell_over_its_timeout_is_stopped_and_recorded(tmp_path):
    busy = [sys.executable, "-c",
            "import os, urllib.request\n"
            "urllib.request.urlopen(os.environ['LYKKE_REST'] + '/api/isalive').close()\n"
            "while True: pass"]                       # always busy: the clock never moves on
    s = Spec(scenario=str(WORLD), command=busy, seeds=[1], until="1m", timeout=2, grace=0.5)
    cell = cells(s)[0]
    result = run_cell(s, cell, None)
    assert result["status"] == "timeout" and "timed out after 2 s" in result["error"]
    assert result["seed"] == 1 and b"interrupted" in result["files"]["dryrun.log"]
    assert result["files"]["journal.jsonl"].startswith(b'{"journal":1')


@pytest.fixture
def scheduler(tmp_path, dask):
    """A real Dask cluster on loopback, started as `dask scheduler` and `dask worker` are:
    a scheduler on a free port and two one-thread workers (in a folder of their own, not the
    checkout); it is ready when a client sees both workers."""
    cwd = tmp_path / "workers"
    cwd.mkdir()
    file = str(cwd / "scheduler.json")           # the scheduler writes its address there
    common = ["--scheduler-file", file, "--no-dashboard"]
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", "0",
                               "--dashboard-address", "127.0.0.1:0", *common],
                              cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--nworkers", "1",
                 "--nthreads", "1", "--host", "127.0.0.1", *common],
                cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with dask.Client(scheduler_file=file, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        yield address
    finally:
        for proc in reversed(procs):                  # workers first, then the scheduler
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_sweep_on_a_real_cluster_matches_a_local_one(tmp_path, scheduler, dask):
    s = spec(seeds=[1], until="30s")              # run and crash: 2 cells
    remote, local = tmp_path / "remote", tmp_path / "local"
    assert sweep(s, str(remote), cluster=scheduler, out=io.StringIO()) == 1   # crashes
    with dask.Client(scheduler, timeout=60) as client:      # the cells ran there
        finished = client.run_on_scheduler(      # (a lambda: sent by value, not by name)
            lambda dask_scheduler: [t[0] for t in dask_scheduler.transition_log
                                    if t[2] == "memory"])
    assert sorted(finished) == sorted(f"cell-{c.id}" for c in cells(s))
    assert sweep(s, str(local), workers=2, out=io.StringIO()) == 1
    records, alike = read_records(remote / "cells.jsonl"), read_records(local / "cells.jsonl")
    assert records.keys() == alike.keys() == {c.id for c in cells(s)}
    for cell_id, record in records.items():
        assert record["status"] == alike[cell_id]["status"] == \
            ("ok" if record["values"]["mode"] == "run" else "failed")
        assert record["summary"] == alike[cell_id]["summary"]
        there, here = remote / "cells" / cell_id, local / "cells" / cell_id
        assert (there / "journal.jsonl").read_bytes() == (here / "journal.jsonl").read_bytes()
        assert {p.name for p in there.iterdir()} == {p.name for p in here.iterdir()}
    summary = json.loads((remote / "sweep.json").read_text())
    assert (summary["cells"], summary["ok"], summary["failed"]) == (2, 1, 1)
    assert "Worst cells" in (remote / "index.html").read_text()


def test_a_cluster_address_without_a_scheduler_is_a_clear_error(tmp_path, dask):
    from dask import config
    out = io.StringIO()
    with config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert sweep(spec(), str(tmp_path / "s"), cluster="tcp://127.0.0.1:1", out=out) == 2
    assert out.getvalue().startswith("mock-lykke sweep: --cluster tcp://127.0.0.1:1: no "
                                     "scheduler there (Timed out trying to connect")
    out = io.StringIO()
    assert sweep(spec(), str(tmp_path / "s"), cluster="tpc://x:8786", out=out) == 2
    assert "--cluster tpc://x:8786: no scheduler there (unknown address scheme" in out.getvalue()


def test_a_worker_without_the_sweeps_scenario_file_does_not_run_the_cell(tmp_path):
    world = tmp_path / "world.yaml"
    world.write_bytes(WORLD.read_bytes())
    s = Spec(scenario=str(world), command=["true"], seeds=[1], until="1m")
    cell = cells(s)[0]
    world.write_bytes(WORLD.read_bytes() + b"\n# another file at the same path\n")
    result = run_cell(s, cell, None)
    assert result["status"] == "failed" and result["files"] == {}
    assert f"has another scenario file at {world}" in result["error"]
    world.unlink()
    assert f"has no scenario file at {world}" in run_cell(s, cell, None)["error"]
