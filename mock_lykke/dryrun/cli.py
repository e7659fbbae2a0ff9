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
                   parquet=args.parquet, ui=args.ui)
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
