"""The docs' runnable examples run, and what they state about return values holds: each test
takes the code from the page itself, so the page cannot drift from the code."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def blocks(page: str, lang: str = "python") -> list[str]:
    """The fenced code blocks of a docs page (README.md, docs/x.md), in order."""
    found, current, kind = [], None, None
    for line in (ROOT / page).read_text(encoding="utf-8").splitlines(keepends=True):
        if current is None and line.startswith("```"):
            current, kind = [], line[3:].strip()
        elif current is not None and line.rstrip() == "```":
            if kind == lang:
                found.append("".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def block(page: str, marker: str, lang: str = "python") -> str:
    """The one block of `page` that contains `marker`."""
    found = [b for b in blocks(page, lang) if marker in b]
    assert len(found) == 1, f"{page}: {len(found)} {lang} blocks with {marker!r}"
    return found[0]


def test_the_readme_grpc_example_runs_as_written_outside_the_repo(lykke, tmp_path):
    code = block("README.md", "grpc.insecure_channel")
    key_line = re.search(r'^KEY = ".*"', code, re.M)
    assert key_line and '"127.0.0.1:5001"' in code
    code = code.replace(key_line.group(0), f'KEY = "{lykke.api_key("trader")}"')
    code = code.replace('"127.0.0.1:5001"', f'"{lykke.grpc_target}"')
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert 'assetId: "BTC"' in out.stdout
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        lines[-1])
    assert lykke.order(lines[-1]).status == "Placed"


def test_the_validate_example_prints_what_scenarios_md_shows(tmp_path):
    bad = block("docs/scenarios.md", "priceAcuracy: 3", "yaml")
    shown = block("docs/scenarios.md", "$ mock-lykke validate bad.yaml", "")
    runs = [part.splitlines()[1:] for part in shown.split("$ mock-lykke validate")[1:]]
    fixed = bad.replace("priceAcuracy", "priceAccuracy").replace('"1.123456789"', '"1"')
    for text, expected in ((bad, runs[0]), (fixed, runs[1])):
        (tmp_path / "bad.yaml").write_text(text)
        done = subprocess.run([sys.executable, "-m", "mock_lykke.cli", "validate", "bad.yaml"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert (done.stdout + done.stderr).splitlines() == expected


def test_an_http_status_fault_answers_as_scenarios_md_says(lykke):
    http = lykke.http("trader")
    lykke.add_fault(route="GET /api/balance", httpStatus=503, times=1)
    crash = http.get("/api/balance")
    assert crash.status_code == 503
    assert crash.json()["error"] == {"code": 1001, "message": "Runtime error", "fields": {}}
    lykke.add_fault(route="GET /api/balance", httpStatus=500, message="Down", times=1)
    assert http.get("/api/balance").json()["error"]["message"] == "Down"
    lykke.add_fault(route="GET /api/balance", httpStatus=429, times=1)
    limited = http.get("/api/balance")
    assert (limited.status_code, limited.text) == (429, "")


# --- docs/pytest.md: the fixture's return values ------------------------------------------
def _row(page: str, start: str) -> str:
    rows = [line for line in (ROOT / page).read_text().splitlines() if line.startswith(start)]
    assert len(rows) == 1, start
    return rows[0]


def _fields(*classes) -> set[str]:
    import dataclasses
    names = set()
    for cls in classes:
        names |= {f.name for f in dataclasses.fields(cls)}
        names |= {n for n, v in vars(cls).items() if isinstance(v, property)}
    return names


def test_pytest_md_lists_the_fields_of_what_the_reads_return():
    from mock_lykke.engine import events as ev
    from mock_lykke.engine.orders import BalanceView, OrderView, PublicTrade, Trade
    rows = {"| `order(id)`": (OrderView,), "| `trades(account": (Trade,),
            "| `OrdersChanged`": (ev.OrdersChanged,), "| `TradesExecuted`": (ev.TradesExecuted,),
            "| `BalancesChanged`": (ev.BalancesChanged, BalanceView),
            "| `PublicTradesAdded`": (ev.PublicTradesAdded, PublicTrade),
            "| `TickerChanged`": (ev.TickerChanged, ev.Ticker),
            "| `BookChanged`": (ev.BookChanged,), "| `PriceChanged`": (ev.PriceChanged,)}
    for start, classes in rows.items():
        row = _row("docs/pytest.md", start).split("|")[2]
        assert set(re.findall(r"`([a-z_]+)`", row)) == _fields(*classes), start
    listed = set(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs/pytest.md").read_text(), re.M))
    events = {n for n, v in vars(ev).items() if isinstance(v, type) and n.endswith(
        ("Changed", "Executed", "Added"))}
    assert events <= listed


@pytest.mark.lykke(clock="lockstep")
def test_pytest_md_states_what_now_time_and_account_return(lykke):
    row = _row("docs/pytest.md", "| `account(name)`")
    keys = re.findall(r'"(\w+)"', row.split("|")[2].split('"balances"')[0]) + ["balances"]
    account = lykke.account("trader")
    assert list(account) == keys
    assert account["balances"]["BTC"] == {"total": "2", "reserved": "0"}
    assert isinstance(lykke.now(), int) and lykke.now() == lykke.time()["now"]
    line = next(b for b in blocks("docs/pytest.md") if "lykke.time()" in b).split(
        "lykke.time()")[1].splitlines()[0].split(";")[0]        # up to the realtime extras
    assert list(lykke.time()) == re.findall(r'"(\w+)"', line)        # lockstep: with "until"


def test_the_example_without_pytest_runs_outside_the_repo(tmp_path):
    code = block("docs/pytest.md", "from mock_lykke.testing import Lykke")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("{'BTC': '2', 'ETH': '20', 'USD': '50000', 'EUR': '50000'} "
                                  "{'total': '2', 'reserved': '0'}")


def test_the_examples_run_outside_the_repo_in_strict_asyncio_mode(tmp_path):
    import shutil
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    out = subprocess.run([sys.executable, "-m", "pytest", "examples", "-q", "-p", "no:xdist",
                          "-p", "no:cacheprovider", "-o", "asyncio_mode=strict"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]
    assert re.search(r"\b[1-9][0-9]* passed\b", out.stdout), out.stdout[-500:]


# --- docs/dryrun.md -------------------------------------------------------------------------
def test_the_dryrun_example_runs_the_grid_bot_as_written(tmp_path):
    import shlex
    shown = block("docs/dryrun.md", "examples/grid_bot/grid_bot.py", "sh")
    command = shown.split("\nmock-lykke explain")[0].replace("\\\n", " ")
    argv = shlex.split(command)
    assert argv[:2] == ["mock-lykke", "dryrun"] and "--until" in argv and "python" in argv
    argv[argv.index("--until") + 1] = "1m"                 # a minute of the hour: fast
    argv[argv.index("--report") + 1] = str(tmp_path / "out")
    argv[argv.index("python")] = sys.executable
    done = subprocess.run([sys.executable, "-m", "mock_lykke.cli", *argv[1:]], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "dryrun: end at 0:01:00 of clock time" in done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["orders"] >= 6                           # the bot quoted its grid


def test_every_scenario_file_the_docs_name_exists():
    pages = [ROOT / "README.md", ROOT / "examples" / "README.md",
             *sorted((ROOT / "docs").glob("*.md"))]
    named = {m for page in pages
             for m in re.findall(r"(?<![\w/])scenarios/[\w.-]+\.ya?ml\b", page.read_text())}
    assert "scenarios/market-maker.yaml" in named
    assert [n for n in sorted(named) if not (ROOT / n).exists()] == []
