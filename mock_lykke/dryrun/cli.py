"""`mock-lykke dryrun` and `mock-lykke explain`: their argparse sub-commands.

mock_lykke/cli.py adds them with add_dryrun_parser(sub) / add_explain_parser(sub); each sets
`handler` (args -> exit code). Until then: `python -m mock_lykke.dryrun.cli dryrun|explain ...`.
"""
from __future__ import annotations

import argparse
import sys


def add_dryrun_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dryrun", help="run a bot against a scenario and report (docs/dryrun.md)",
        description="Serve the scenario, run BOT COMMAND with the endpoints and API key "
                    "substituted ({grpc} {rest} {apiKey} {account} {caFile} {control}; also "
                    "in its environment: LYKKE_GRPC, LYKKE_REST, LYKKE_API_KEY, ...), stop at "
                    "the scenario's end or --until, and write the journal and the report.")
    p.add_argument("--scenario", required=True, metavar="FILE")
    p.add_argument("--until", metavar="TIME",
                   help="stop at this clock time: a duration from the start (1h) or ISO-8601 "
                        "(default: the scenario's clock.until, else when the bot exits)")
    p.add_argument("--report", metavar="DIR", help="write the report (and the journal) here")
    p.add_argument("--journal", metavar="FILE",
                   help="the journal (default DIR/journal.jsonl, else dryrun-journal.jsonl)")
    p.add_argument("--account", metavar="NAME", help="the bot's account (default: the first)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--clock", choices=["lockstep", "realtime"],
                   help="lockstep (default; as fast as the bot allows) or realtime")
    p.add_argument("--speed", type=float, help="realtime: clock speed (2 = twice as fast)")
    p.add_argument("--quiet", metavar="DURATION",
                   help="lockstep: quiet wall time before the clock moves on (default 5ms)")
    p.add_argument("--warmup", metavar="DURATION",
                   help="lockstep: quiet wall time before the first step (default 200ms)")
    p.add_argument("--tls", action="store_true", help="serve TLS ({caFile} is the CA to trust)")
    p.add_argument("--grace", type=float, default=5.0, metavar="SECONDS",
                   help="between SIGTERM and SIGKILL when stopping the bot (default 5)")
    p.add_argument("--bot-log", metavar="FILE", help="the bot's output (default: this terminal)")
    p.add_argument("--currency", metavar="ASSET",
                   help="value the trading PnL in this asset (default: the first pair's quote)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="the progress line (default: when stderr is a terminal)")
    p.add_argument("--no-cpu-probe", dest="cpu_probe", action="store_false",
                   help="lockstep: judge quiet by wall time only, not by the bot's CPU use")
    p.add_argument("--parquet", action="store_true",
                   help="with --report: the tables as Parquet too (needs pyarrow)")
    p.add_argument("--ui", action="store_true",
                   help="print the live dashboard's address (GET /_mock/ui) when serving")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="PATH=VALUE",
                   help="override a scenario value before it is validated, e.g. "
                        "market.0.spread=0.004 (YAML value; repeatable; docs/sweep.md)")
    p.add_argument("bot", nargs=argparse.REMAINDER, metavar="-- BOT COMMAND ...")
    p.set_defaults(handler=cmd_dryrun)
    return p


def add_explain_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "explain", help="why an order was filled or rejected, from a dry-run's journal")
    p.add_argument("journal", metavar="JOURNAL")
    p.add_argument("id", nargs="?", metavar="ID",
                   help="an order id (or a unique start of one), a trade id, or #N for API "
                        "call N; without it: list the orders and rejections")
    p.add_argument("--json", action="store_true", help="the journal entries, as JSON lines")
    p.set_defaults(handler=cmd_explain)
    return p


def add_sweep_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sweep", help="one bot against many seeded markets, on Dask (docs/sweep.md)",
        description="Run BOT COMMAND against every cell of seeds x --set values x --param "
                    "values, each cell one `mock-lykke dryrun` (the same journal as the "
                    "reproduce command the report prints), scheduled by Dask distributed; "
                    "write each cell's report and the sweep's report into --report DIR. "
                    "Besides the dry-run's placeholders, the command may hold {seed} and "
                    "{param:NAME} (NAME: a --set PATH or a --param NAME). Cells recorded in "
                    "DIR/cells.jsonl are not run again (resume).")
    p.add_argument("--scenario", required=True, metavar="FILE")
    p.add_argument("--seeds", metavar="LIST",
                   help="seeds: 1-200, 1,5,9 or 1-10,20 (default: the scenario's seed)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUES",
                   help="scenario values to sweep, comma-separated YAML: market.0.spread="
                        "0.001,0.002 (repeatable; one value: the same for every cell)")
    p.add_argument("--param", dest="params", action="append", default=[],
                   metavar="NAME=VALUES",
                   help="bot-only values to sweep, given to the bot as {param:NAME}")
    p.add_argument("--until", metavar="TIME", help="each cell stops here (as for dryrun)")
    p.add_argument("--report", metavar="DIR", required=True,
                   help="the sweep's folder: report, cells/, cells.jsonl (resume)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: the number of CPUs)")
    where.add_argument("--cluster", metavar="ADDRESS",
                       help="a Dask scheduler, e.g. tcp://scheduler:8786")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop a cell after this much wall time (recorded as timed out)")
    p.add_argument("--retry-failed", action="store_true",
                   help="run the cells recorded as failed or timed out again")
    p.add_argument("--account", metavar="NAME", help="the bot's account (default: the first)")
    p.add_argument("--currency", metavar="ASSET", help="PnL currency")
    p.add_argument("--quiet", metavar="DURATION", help="lockstep quiet window (as for dryrun)")
    p.add_argument("--warmup", metavar="DURATION", help="lockstep warm-up (as for dryrun)")
    p.add_argument("--grace", type=float, default=5.0, metavar="SECONDS",
                   help="between SIGTERM and SIGKILL when stopping a bot (default 5)")
    p.add_argument("--no-cpu-probe", dest="cpu_probe", action="store_false",
                   help="lockstep: judge quiet by wall time only")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar (default: when stderr is a terminal; else a line "
                        "per cell)")
    p.add_argument("bot", nargs=argparse.REMAINDER, metavar="-- BOT COMMAND ...")
    p.set_defaults(handler=cmd_sweep)
    return p


def cmd_sweep(args) -> int:
    from .run import DryRunError, EXIT_BAD
    from .sweep import Spec, parse_dimension, parse_seeds, sweep
    command = list(args.bot)
    if command[:1] == ["--"]:
        command = command[1:]
    try:
        if not command:
            raise DryRunError("give the bot's command after --")
        spec = Spec(scenario=args.scenario, command=command,
                    seeds=parse_seeds(args.seeds) if args.seeds else None,
                    sets=[parse_dimension(t, "--set") for t in args.sets],
                    params=[parse_dimension(t, "--param") for t in args.params],
                    until=args.until, account=args.account, currency=args.currency,
                    quiet=args.quiet, warmup=args.warmup, grace=args.grace,
                    cpu_probe=args.cpu_probe, timeout=args.timeout)
    except DryRunError as e:
        print(f"mock-lykke sweep: {e}", file=sys.stderr)
        return EXIT_BAD
    return sweep(spec, args.report, args.workers, args.cluster, args.retry_failed,
                 progress=args.progress)


def cmd_dryrun(args) -> int:
    from .run import Options, dry_run
    command = list(args.bot)
    if command[:1] == ["--"]:
        command = command[1:]
    opts = Options(scenario=args.scenario, command=command, until=args.until,
                   report=args.report, journal=args.journal, account=args.account,
                   seed=args.seed, clock=args.clock, speed=args.speed, quiet=args.quiet,
                   warmup=args.warmup, tls=args.tls, grace=args.grace, bot_log=args.bot_log,
                   currency=args.currency, progress=args.progress, cpu_probe=args.cpu_probe,
                   parquet=args.parquet, ui=args.ui, overrides=args.overrides)
    return dry_run(opts)


def cmd_explain(args) -> int:
    from .explain import explain_main
    return explain_main(args.journal, args.id, as_json=args.json)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mock-lykke")
    sub = parser.add_subparsers(dest="command", required=True)
    add_dryrun_parser(sub)
    add_explain_parser(sub)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
