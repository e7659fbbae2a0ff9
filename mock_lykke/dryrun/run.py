"""The dry-run runner: serve a scenario, run the bot as a subprocess against it, stop at the
scenario's end (or `until`, or when the bot exits), stop the bot, write the report.

The bot's command line may contain {grpc} (host:port), {rest} (http://host:port), {apiKey},
{account}, {caFile} and {control} (the control API's URL); the same values are in its
environment as LYKKE_GRPC, LYKKE_REST, LYKKE_API_KEY, LYKKE_ACCOUNT, LYKKE_CA_FILE (TLS only),
LYKKE_TLS (1 or 0) and MOCK_LYKKE_CONTROL.
"""
from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..engine.clock import ClockError
from ..journal import ReplayError
from ..scenario.values import dec, duration_ms, parse_at
from ..probe import make_probe
from .progress import Progress, line, pnl

EXIT_OK, EXIT_FAIL, EXIT_BAD = 0, 1, 2


class DryRunError(Exception):
    """A dry-run that cannot start (bad options, bad scenario...): exit code 2."""


@dataclass
class Options:
    scenario: str
    command: list[str]
    until: str | None = None            # a duration from the start, or an ISO-8601 time
    report: str | None = None           # folder for the report (and the journal)
    journal: str | None = None
    account: str | None = None          # the bot's account (default: the first)
    seed: int | None = None
    clock: str | None = None            # lockstep (default) or realtime
    speed: float | None = None
    quiet: str | None = None            # lockstep quiet window (duration)
    warmup: str | None = None
    tls: bool = False
    grace: float = 5.0                  # seconds between SIGTERM and SIGKILL
    bot_log: str | None = None          # the bot's stdout+stderr (default: inherited)
    currency: str | None = None         # PnL currency (default: the first pair's quote)
    progress: bool | None = None        # None: when stderr is a terminal
    cpu_probe: bool = True
    parquet: bool = False               # the report's tables as Parquet too
    ui: bool = False                    # print the dashboard's address
    overrides: list[str] = field(default_factory=list)   # "PATH=VALUE" (--set), in order


@dataclass
class Result:
    reason: str                         # "end", "bot exited", "interrupted"
    bot_exit: int | None
    journal: Path
    report: Path | None
    start: int
    now: int
    wall_s: float
    fills: int                          # the bot's fills (a self-trade counts two, as fills.csv)
    rejections: int
    pnl: Decimal | None                 # live estimate of the trading PnL (progress.pnl)
    currency: str
    notes: list[str] = field(default_factory=list)
    summary: dict | None = None         # the report's summary (summary.json), when written
    headline: str | None = None         # report.headline(summary): the end line's figures

    @property
    def exit_code(self) -> int:
        return EXIT_FAIL if self.reason == "bot exited" and self.bot_exit else EXIT_OK


def _ms(text: str, what: str) -> float:
    try:
        return float(duration_ms(text))
    except ValueError:
        raise DryRunError(f"{what}: {text!r} is not a duration (e.g. 5ms)") from None


def _overrides(texts: list[str]) -> list[tuple[str, object]]:
    """--set PATH=VALUE texts -> (PATH, value) pairs."""
    from ..scenario.overrides import OverrideError, parse_value, split
    out = []
    for text in texts:
        try:
            path, value = split(text)
            out.append((path, parse_value(value)))
        except OverrideError as e:
            raise DryRunError(f"--set {e}") from None
    return out


def load_scenario(path: str, overrides: list[tuple[str, object]]):
    """The scenario file with its overrides; DryRunError names what is wrong (also for a
    sweep, which checks every combination of its overrides before running)."""
    from ..scenario import ScenarioError, load_file
    try:
        return load_file(path, overrides)
    except ScenarioError as e:
        raise DryRunError("\n".join(str(p) for p in e.problems)) from None
    except OSError as e:
        raise DryRunError(str(e)) from None


def substitute(argv: list[str], values: dict[str, str]) -> list[str]:
    """{name} placeholders replaced (unknown ones are left as they are)."""
    out = []
    for arg in argv:
        for key, value in values.items():
            arg = arg.replace("{" + key + "}", value)
        out.append(arg)
    return out


class DryRun:
    def __init__(self, opts: Options, out=None):
        self.opts = opts
        self.out = out or sys.stderr
        self.done = asyncio.Event()
        self.stop_requested = asyncio.Event()

    # --- set-up -------------------------------------------------------------------------
    def build(self):
        from ..scenario import build_mock
        opts = self.opts
        if not opts.command:
            raise DryRunError("give the bot's command after --")
        scenario = load_scenario(opts.scenario, _overrides(opts.overrides))
        mode = opts.clock or (scenario.clock_mode if scenario.clock_mode != "virtual"
                              else "lockstep")
        if mode == "virtual":
            raise DryRunError("a dry-run needs a clock that moves by itself: lockstep or realtime")
        names = [a["name"] for a in scenario.accounts()]
        self.account = opts.account or names[0]
        if self.account not in names:
            raise DryRunError(f"unknown account {self.account!r} (one of: {', '.join(names)})")
        spec = next(a for a in scenario.data["accounts"] if a["name"] == self.account)
        self.initial = {k: dec(v) for k, v in (spec.get("balances") or {}).items()}
        pairs = scenario.data["assetPairs"]
        self.currency = opts.currency or (pairs[0]["quoteAssetId"] if pairs else "USD")
        start = scenario.start_ms(mode)
        try:
            self.until = (parse_at(opts.until, start) if opts.until
                          else scenario.until_ms(start))
        except ValueError as e:
            raise DryRunError(f"--until: {e}") from None
        clock_options = {}
        if opts.quiet is not None:
            clock_options["quiet"] = _ms(opts.quiet, "--quiet")
        if opts.warmup is not None:
            clock_options["warmup"] = _ms(opts.warmup, "--warmup")
        self.journal_path = Path(opts.journal) if opts.journal else (
            Path(opts.report) / "journal.jsonl" if opts.report else Path("dryrun-journal.jsonl"))
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mock = build_mock(scenario, seed=opts.seed, clock_mode=mode, speed=opts.speed,
                              journal_path=self.journal_path, clock_options=clock_options,
                              track=[self.account],
                              header={"dryrun": self._header()})
        except (ClockError, ValueError) as e:
            raise DryRunError(str(e)) from None
        self.mock = mock
        clock = mock.exchange.clock
        if clock.tracks_activity:
            clock.limit = self.until
            clock.on_limit = self.done.set
        elif self.until is not None:
            clock.call_at(self.until, self.done.set)
        return mock

    def _header(self) -> dict:
        out = {"account": self.account, "until": self.until}
        if self.opts.overrides:
            out["set"] = list(self.opts.overrides)
        return out

    def _tls(self):
        if not self.opts.tls:
            return None
        from ..tls import make_tls
        return make_tls(directory=tempfile.mkdtemp(prefix="mock-lykke-dryrun-"))

    # --- the run ------------------------------------------------------------------------
    async def run(self) -> Result:
        from ..server import MockServer
        mock = self.build()
        tls = self._tls()
        server = MockServer(mock, tls=tls)
        await server.start()
        if self.opts.ui:
            print(f"mock-lykke dryrun: dashboard {server.rest_url}/_mock/ui", file=self.out,
                  flush=True)
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop_requested.set)
                handled.append(sig)
            except (NotImplementedError, RuntimeError):
                pass
        wall0 = time.monotonic()
        start = mock.exchange.clock.start_ms
        progress = Progress(self.out, self.opts.progress)
        log = None
        try:
            key = mock.exchange.account(self.account).api_key
            values = {"grpc": server.grpc_target, "rest": server.rest_url, "apiKey": key,
                      "account": self.account, "control": server.rest_url + "/_mock",
                      "caFile": str(tls.ca_file) if tls is not None and tls.ca_file else ""}
            env = {**os.environ, "LYKKE_GRPC": values["grpc"], "LYKKE_REST": values["rest"],
                   "LYKKE_API_KEY": key, "LYKKE_ACCOUNT": self.account,
                   "LYKKE_TLS": "1" if tls is not None else "0",
                   "MOCK_LYKKE_CONTROL": values["control"]}
            if values["caFile"]:
                env["LYKKE_CA_FILE"] = values["caFile"]
            if self.opts.bot_log:
                log = open(self.opts.bot_log, "wb")
            try:
                bot = await asyncio.create_subprocess_exec(
                    *substitute(self.opts.command, values), env=env,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log, stderr=asyncio.subprocess.STDOUT if log else None,
                    start_new_session=True)
            except OSError as e:
                raise DryRunError(f"cannot start the bot: {e}") from None
            clock = mock.exchange.clock
            if clock.tracks_activity and self.opts.cpu_probe:
                clock.probe = make_probe(bot.pid)
            reason = await self._wait(bot, progress, wall0, start)
            progress.close()
            bot_exit = await self._stop_bot(bot)
        finally:
            progress.close()
            for sig in handled:
                loop.remove_signal_handler(sig)
            mock.exchange.clock.probe = None
            await server.stop()
            if log is not None:
                log.close()
        ex = mock.exchange
        tracker = mock.controller.tracker
        now = self.until if reason == "end" and self.until is not None else ex.clock.now()
        result = Result(reason, bot_exit, self.journal_path, None, start, now,
                        time.monotonic() - wall0, tracker.fill_rows.get(self.account, 0),
                        tracker.rejections,
                        pnl(ex, self.account, self.initial, self.currency), self.currency)
        self._report(result)
        return result

    async def _wait(self, bot, progress: Progress, wall0: float, start: int) -> str:
        ctl = self.mock.controller
        waits = {asyncio.ensure_future(self.done.wait()): "end",
                 asyncio.ensure_future(bot.wait()): "bot exited",
                 asyncio.ensure_future(self.stop_requested.wait()): "interrupted"}
        last_count, last_wall = ctl.journal.count, time.monotonic()
        rate = 0.0
        try:
            while True:
                finished, _ = await asyncio.wait(waits, timeout=0.25,
                                                 return_when=asyncio.FIRST_COMPLETED)
                for task in waits:                  # in priority order: end, bot, interrupt
                    if task in finished:
                        return waits[task]
                ex = self.mock.exchange
                now_wall = time.monotonic()
                rate = (ctl.journal.count - last_count) / max(now_wall - last_wall, 1e-9)
                last_count, last_wall = ctl.journal.count, now_wall
                clock = ex.clock
                waiting = clock.tracks_activity and clock.busy > 0
                progress.update(line(clock.now(), start, self.until, now_wall - wall0, rate,
                                     ctl.tracker.fill_rows.get(self.account, 0),
                                     pnl(ex, self.account, self.initial, self.currency),
                                     self.currency, waiting))
        finally:
            for task in waits:
                task.cancel()

    async def _stop_bot(self, bot) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; the bot's exit code."""
        if bot.returncode is not None:
            return bot.returncode
        for sig, wait in ((signal.SIGTERM, self.opts.grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(bot.pid, sig)
            except ProcessLookupError:
                break
            try:
                return await asyncio.wait_for(bot.wait(), wait)
            except TimeoutError:
                continue
        return await bot.wait()

    def _report(self, result: Result) -> None:
        if not self.opts.report:
            self._headline(result)
            return
        try:
            from . import report
        except ImportError:
            result.notes.append("no report module yet: wrote the journal only")
            return
        out = Path(self.opts.report)
        out.mkdir(parents=True, exist_ok=True)
        accepted = inspect.signature(report.write_report).parameters
        parquet = self.opts.parquet
        if parquet:
            from .tables import PARQUET_HINT, parquet_available
            if not parquet_available():
                result.notes.append(f"no Parquet tables: they need pyarrow: {PARQUET_HINT}")
                parquet = False
        extra = {k: v for k, v in (("account", self.account), ("valuation", self.currency),
                                   ("parquet", parquet)) if k in accepted}
        try:
            result.summary = report.write_report(str(result.journal), str(out), **extra)
        except getattr(report, "ReportError", ()) as e:
            if "html" not in accepted:
                raise
            result.notes.append(f"no HTML report: {e}")
            result.summary = report.write_report(str(result.journal), str(out), html=False,
                                                 **extra)
        result.report = out
        self._headline(result)

    def _headline(self, result: Result) -> None:
        """The end line's figures from the journal, by the report's own definitions (the
        summary just written, or measured now): one number, one name, in both places."""
        from .metrics import collect
        from .reading import read_header
        from .report import headline
        try:
            summary = result.summary or collect(result.journal, self.account,
                                                self.currency).summary()
            result.headline = headline(summary, read_header(result.journal))
        except (ReplayError, OSError, ValueError, KeyError, ArithmeticError) as e:
            result.notes.append(f"no figures from the journal: {e}")


def summary(result: Result) -> str:
    from .progress import duration_text
    elapsed = result.now - result.start
    speed = elapsed / 1000 / result.wall_s if result.wall_s > 0 else 0
    money = f"{result.pnl:+.2f} {result.currency}" if result.pnl is not None else "-"
    figures = result.headline or f"trading PnL {money}, fills {result.fills}"
    bot = "" if result.bot_exit is None else f", bot exit code {result.bot_exit}"
    lines = [f"dryrun: {result.reason} at {duration_text(elapsed)} of clock time in "
             f"{result.wall_s:.1f}s (x{speed:,.0f}); {figures}, rejections "
             f"{result.rejections}{bot}",
             f"dryrun: journal {result.journal}"]
    if result.report is not None:
        lines.append(f"dryrun: report {result.report}")
    lines += [f"dryrun: {n}" for n in result.notes]
    return "\n".join(lines)


def dry_run(opts: Options, out=None) -> int:
    """Run it; prints the summary; returns the exit code."""
    out = out or sys.stderr
    try:
        result = asyncio.run(DryRun(opts, out).run())
    except DryRunError as e:
        print(f"mock-lykke dryrun: {e}", file=out)
        return EXIT_BAD
    print(summary(result), file=out, flush=True)
    return result.exit_code
