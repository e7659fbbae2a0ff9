"""`mock-lykke dryrun`: the mock, the bot as a subprocess with the endpoints substituted, a stop
at the scenario's end, the bot stopped (SIGTERM, then SIGKILL), the journal and the report."""
import io
import json
import subprocess
import sys
from decimal import Decimal

from mock_lykke.dryrun.progress import Progress, line
from mock_lykke.dryrun.run import Options, dry_run
from mock_lykke.journal import read_journal

from dryrun_support import BOTS, START, WORLD as WORLD_PATH, price_bot

WORLD = str(WORLD_PATH)


def run(tmp_path, bot: list[str], **kw) -> tuple[int, str]:
    out = io.StringIO()
    opts = Options(scenario=WORLD, command=bot, journal=str(tmp_path / "j.jsonl"), **kw)
    return dry_run(opts, out), out.getvalue()


def test_end_to_end_through_the_command_line(tmp_path):
    report = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "mock_lykke.cli", "dryrun", "--scenario", WORLD,
         "--until", "5m", "--report", str(report), "--", *price_bot()],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "dryrun: end at 0:05:00 of clock time" in done.stderr
    header, entries = read_journal(report / "journal.jsonl")
    assert header["dryrun"] == {"account": "bot", "until": START + 300_000}
    steps = [e for e in entries if e["cmd"] == "clock"]
    assert steps[-1]["t"] == START + 300_000 == max(e["t"] for e in entries)
    assert any(e["cmd"] == "place_limit" and e.get("call") for e in entries)
    try:
        import mock_lykke.dryrun.report  # noqa: F401  (written by another part of the work)
    except ImportError:
        assert "wrote the journal only" in done.stderr
    else:
        summary = json.loads((report / "summary.json").read_text())
        assert summary and f"dryrun: report {report}" in done.stderr
        from mock_lykke.dryrun.report import headline      # the end line: summary's figures
        assert headline(summary, header) in done.stderr


def test_the_bot_gets_its_endpoints_and_is_killed_when_it_ignores_sigterm(tmp_path):
    seen = tmp_path / "seen.json"
    code, out = run(tmp_path, [sys.executable, str(BOTS / "stubborn_bot.py"), str(seen),
                               "{grpc}", "{rest}", "{apiKey}", "{account}", "{caFile}", "{x}"],
                    until="10m", account="market", grace=0.2)
    assert code == 0 and "dryrun: end at 0:10:00" in out and "bot exit code -9" in out
    given = json.loads(seen.read_text())
    grpc_target, rest, key, account, ca, unknown = given["argv"]
    assert (key, account, ca, unknown) == ("market-key", "market", "", "{x}")
    assert rest.startswith("http://127.0.0.1:") and grpc_target.startswith("127.0.0.1:")
    assert given["env"] == {"LYKKE_GRPC": grpc_target, "LYKKE_REST": rest,
                            "LYKKE_API_KEY": "market-key", "LYKKE_ACCOUNT": "market",
                            "LYKKE_TLS": "0", "MOCK_LYKKE_CONTROL": rest + "/_mock"}
    header, entries = read_journal(tmp_path / "j.jsonl")
    assert header["dryrun"]["account"] == "market"
    assert max(e["t"] for e in entries) == START + 600_000


def test_a_bot_that_fails_ends_the_run_with_exit_code_1(tmp_path):
    code, out = run(tmp_path, [sys.executable, "-c", "import sys; sys.exit(3)"])
    assert code == 1 and "dryrun: bot exited at 0:00:00" in out and "bot exit code 3" in out
    assert (tmp_path / "j.jsonl").exists()


def test_realtime_runs_follow_the_wall_clock_scaled(tmp_path):
    seen = tmp_path / "seen.json"
    code, out = run(tmp_path, [sys.executable, str(BOTS / "stubborn_bot.py"), str(seen)],
                    clock="realtime", speed=600, until="1m", grace=0.1)
    assert code == 0 and "dryrun: end at 0:01:00" in out
    header, _ = read_journal(tmp_path / "j.jsonl")
    assert header["clock"]["mode"] == "realtime" and header["clock"]["speed"] == 600


def test_bad_runs_exit_2(tmp_path):
    assert run(tmp_path, ["true"], account="nobody")[0] == 2
    assert run(tmp_path, [])[0] == 2
    code, out = run(tmp_path, ["true"], until="soon")
    assert code == 2 and "--until" in out


def test_the_progress_line():
    text = line(START + 754_000, START, START + 3_600_000, 2.0, 1234.5, 7, Decimal("-12.3449"),
                "USD", False)
    assert text == ("dryrun 0:12:34/1:00:00 (2026-01-01T00:12:34.000Z)  x377  1,234 ev/s  "
                    "fills 7  trading PnL -12.34 USD")
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)       # not a terminal: the plain \r line
    progress.update("abc")
    progress.update("a")
    progress.close()
    assert stream.getvalue() == "\rabc\ra  \r   \r"
    quiet = io.StringIO()
    Progress(quiet).update("x")                      # off when not a terminal
    assert quiet.getvalue() == ""
