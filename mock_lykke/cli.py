"""mock-lykke: serve | validate | replay | schema.

Exit codes: 0 success, 1 a failure while running, 2 a bad scenario, journal or command line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from .engine.clock import CLOCKS, format_time

EXIT_OK, EXIT_FAIL, EXIT_BAD = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mock-lykke",
                                description="A mock of the Lykke HFT API v2 (gRPC + REST).")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve a scenario (the embedded default if none)")
    s.add_argument("--scenario", metavar="FILE", default=os.environ.get("MOCK_LYKKE_SCENARIO"),
                   help="scenario YAML (default: $MOCK_LYKKE_SCENARIO, else the embedded demo)")
    _server_args(s)
    s.add_argument("--seed", type=int, help="override the scenario's seed")
    s.add_argument("--speed", type=float, help="realtime: clock speed (2 = twice as fast)")
    s.add_argument("--clock", choices=list(CLOCKS), help="override the scenario's clock mode")
    s.add_argument("--quiet", metavar="DURATION",
                   help="lockstep: quiet wall time before the clock moves on (default: the "
                        "scenario's clock.quiet, else 5ms)")
    s.add_argument("--warmup", metavar="DURATION",
                   help="lockstep: quiet wall time before the first step (default: the "
                        "scenario's clock.warmup, else 200ms)")
    s.add_argument("--journal", metavar="FILE", help="write every accepted command as JSONL")
    s.add_argument("--ui", action="store_true",
                   help="print the live dashboard's address (GET /_mock/ui; docs/dashboard.md)")
    from .sessions import add_session_args
    add_session_args(s)

    v = sub.add_parser("validate", help="check scenario files; print every problem")
    v.add_argument("files", nargs="+", metavar="FILE")

    r = sub.add_parser("replay", help="rebuild the state a journal records")
    r.add_argument("journal", metavar="FILE")
    r.add_argument("--out", metavar="FILE", help="write the state snapshot here (default stdout)")
    r.add_argument("--serve", action="store_true", help="serve the rebuilt state (virtual clock)")
    _server_args(r)

    sub.add_parser("schema", help="print the JSON Schema of the scenario format")

    from .dryrun.cli import add_dryrun_parser, add_explain_parser, add_sweep_parser
    from .dryrun.report import add_report_parser
    from .recorder import add_record_parser
    add_dryrun_parser(sub)        # these two set args.handler
    add_explain_parser(sub)
    add_sweep_parser(sub)         # sets args.handler too
    add_record_parser(sub)        # these two set args.run
    add_report_parser(sub)
    from .health import add_health_parser
    add_health_parser(sub)        # sets args.run
    return p


def port(text: str) -> int:
    """An argparse type: a TCP port, 0..65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0..65535)")
    return value


def _server_args(p: argparse.ArgumentParser) -> None:
    # the defaults come from the environment when set (the container image sets them)
    env = os.environ.get
    p.add_argument("--host", default=env("MOCK_LYKKE_HOST", "127.0.0.1"),
                   help="address to serve on (default $MOCK_LYKKE_HOST or 127.0.0.1; 0.0.0.0 = "
                        "every interface, which opens the control API to the network: see "
                        "--control-token)")
    p.add_argument("--grpc-port", type=port, default=env("MOCK_LYKKE_GRPC_PORT", "5001"),
                   help="0 = any free port (default $MOCK_LYKKE_GRPC_PORT or 5001)")
    p.add_argument("--rest-port", type=port, default=env("MOCK_LYKKE_REST_PORT", "5000"),
                   help="0 = any free port (default $MOCK_LYKKE_REST_PORT or 5000)")
    c = p.add_argument_group("the control API (/_mock), docs/control-api.md#security")
    c.add_argument("--allow-host", metavar="NAME", action="append",
                   default=[h.strip() for h in
                            env("MOCK_LYKKE_ALLOW_HOST", "").split(",") if h.strip()],
                   help="one more Host name the control API answers to (besides loopback "
                        "and the served address); '*' = any; repeatable (default: "
                        "$MOCK_LYKKE_ALLOW_HOST, comma-separated)")
    c.add_argument("--control-token", metavar="TOKEN",
                   default=env("MOCK_LYKKE_CONTROL_TOKEN") or None,
                   help="require 'Authorization: Bearer TOKEN' on /_mock (default: "
                        "$MOCK_LYKKE_CONTROL_TOKEN, else none)")
    p.add_argument("--ready-file", metavar="FILE", default=env("MOCK_LYKKE_READY_FILE"),
                   help="when ready, write the endpoints and API keys here as JSON "
                        "(default $MOCK_LYKKE_READY_FILE)")
    t = p.add_argument_group("TLS, as the real endpoints (docs/tls.md); any --tls-* implies --tls")
    t.add_argument("--tls", action="store_true",
                   help="gRPC over TLS and REST over HTTPS, with a certificate for localhost, "
                        "127.0.0.1 and ::1 issued by a throwaway CA")
    t.add_argument("--tls-name", metavar="NAME", action="append", default=[],
                   help="one more name (DNS or IP) for the certificate; repeatable")
    t.add_argument("--tls-cert", metavar="FILE", help="serve this certificate (PEM) instead")
    t.add_argument("--tls-key", metavar="FILE", help="the private key (PEM) of --tls-cert")
    t.add_argument("--tls-ca", metavar="FILE",
                   help="with --tls-cert: the CA clients trust (default: the certificate "
                        "itself if self-signed)")
    t.add_argument("--tls-dir", metavar="DIR",
                   help="write the CA certificate here (default: a temporary folder, removed "
                        "at exit)")


def write_atomic(path: str | Path, text: str) -> None:
    """Write text to path via a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def make_tls_from_args(args, stack: ExitStack):
    """The TlsMaterial the --tls* options ask for, or None. A temporary folder for the CA
    certificate is removed when `stack` closes. Raises mock_lykke.tls.TlsError."""
    names = getattr(args, "tls_name", None) or []
    cert, key = getattr(args, "tls_cert", None), getattr(args, "tls_key", None)
    ca, folder = getattr(args, "tls_ca", None), getattr(args, "tls_dir", None)
    if not (getattr(args, "tls", False) or names or cert or key or ca or folder):
        return None
    from .tls import TlsError, make_tls
    if ca and not cert:
        raise TlsError("--tls-ca goes with --tls-cert")
    if folder is None and cert is None:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="mock-lykke-tls-"))
    return make_tls(names, cert, key, ca, folder)


def ready_info(server, mock) -> dict:
    info = {"grpc": server.grpc_target, "rest": server.rest_url,
            "accounts": [{"name": a.name, "apiKey": a.api_key}
                         for a in mock.exchange.accounts.values() if a.api_key]}
    tls = getattr(server, "tls", None)
    if tls is not None:
        info["caFile"] = str(tls.ca_file) if tls.ca_file else None
    return info


def _tls_lines(ca_file: str | None) -> list[str]:
    from .tls import TRUST_VARIABLES
    if ca_file is None:
        return ["  TLS: clients must trust the issuer of --tls-cert (or give --tls-ca FILE)"]
    lines = ["  TLS: to trust the mock's CA, export in the bot's environment:"]
    exports = {f"export {name}={shlex.quote(ca_file)}": users
               for name, users in TRUST_VARIABLES.items()}
    width = max(map(len, exports))
    return lines + [f"    {line:<{width}}  # {users}" for line, users in exports.items()]


def _bound_lines(bound: dict, info: dict) -> tuple[str, str]:
    """The gRPC and REST lines' addresses: as bound; on every interface, with the local one."""
    grpc, rest = info["grpc"], info["rest"]
    if bound is None or bound["grpc"] == grpc:
        return grpc, rest
    scheme = rest.split("://")[0]
    return (f"{bound['grpc']}  (every interface; here {grpc})",
            f"{scheme}://{bound['rest']}  (every interface; here {rest})")


def host_warning(host: str, token: str | None) -> str | None:
    """The warning for a --host other than loopback, or None."""
    from .api.control_guard import is_loopback
    if is_loopback(host):
        return None
    if token:
        return (f"mock-lykke: note: --host {host} serves the mock to the network; the control "
                "API (/_mock) needs the --control-token")
    return (f"mock-lykke: warning: --host {host} opens the control API (/_mock: balances, "
            "orders, the clock, every API key) to anyone who can reach this address, with no "
            "credential; give --control-token to require one")


def _print_ready(info: dict, mock, out=None, bound: dict | None = None) -> None:
    clock = mock.exchange.clock
    speed = f" x{clock.speed:g}" if getattr(clock, "speed", 1) != 1 else ""
    ctl = mock.controller
    name = ctl.scenario.name if ctl is not None and ctl.scenario is not None else "-"
    tls = "caFile" in info
    if clock.tracks_activity:
        speed = f" (quiet {clock.quiet_ms:g}ms, warm-up {clock.warmup_ms:g}ms)"
    grpc, rest = _bound_lines(bound, info)
    lines = [f"mock-lykke ready: scenario {name}",
             f"  gRPC   {grpc}" + ("  (TLS)" if tls else ""),
             f"  REST   {rest}",
             f"  clock  {clock.mode}{speed}, at {format_time(clock.now())}",
             "  accounts (API keys, send as 'Authorization: Bearer <key>'):"]
    width = max((len(a["name"]) for a in info["accounts"]), default=0)
    lines += [f"    {a['name']:<{width}}  {a['apiKey']}" for a in info["accounts"]]
    if tls:
        lines += _tls_lines(info["caFile"])
    if info.get("ui"):
        lines.append(f"  dashboard  {info['ui']}")
    print("\n".join(lines), file=out or sys.stdout, flush=True)


async def run_server(mock, args, server_cls=None, tls=None) -> int:
    """Serve mock until SIGTERM / SIGINT; returns the exit code."""
    if server_cls is None:
        from .server import MockServer as server_cls
    extra = {"tls": tls} if tls is not None else {}
    if getattr(args, "allow_host", None):
        extra["allow_hosts"] = tuple(args.allow_host)
    token = getattr(args, "control_token", None)
    if token:
        extra["control_token"] = token
    server = server_cls(mock, host=args.host, grpc_port=args.grpc_port,
                        rest_port=args.rest_port, **extra)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        try:
            await server.start()
        except OSError as e:
            print(f"mock-lykke: cannot serve: {e}", file=sys.stderr)
            return EXIT_FAIL
        info = ready_info(server, mock)
        if getattr(args, "ui", False):
            info["ui"] = info["rest"] + "/_mock/ui"     # the live dashboard (docs/dashboard.md)
        if args.ready_file:            # before printing: once printed, the file is there
            write_atomic(args.ready_file, json.dumps(info, indent=2) + "\n")
        warning = host_warning(args.host, token)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        _print_ready(info, mock, bound=getattr(server, "bound", None))
        await stop.wait()
        print("mock-lykke: stopping", flush=True)
        await server.stop()
        return EXIT_OK
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def _print_problems(problems) -> None:
    for p in problems:
        print(str(p), file=sys.stderr)


def _clock_options(args) -> dict:
    """Lockstep's quiet / warmup (ms) from --quiet / --warmup durations."""
    from .scenario.values import duration_ms
    out = {}
    for name in ("quiet", "warmup"):
        text = getattr(args, name, None)
        if text is None:
            continue
        try:
            out[name] = float(duration_ms(text))
        except ValueError:
            raise ValueError(f"--{name}: {text!r} is not a duration (e.g. 5ms)") from None
    return out


def cmd_serve(args) -> int:
    from .scenario import ScenarioError, build_mock, load_file
    try:
        scenario = load_file(args.scenario) if args.scenario else None
    except ScenarioError as e:
        _print_problems(e.problems)
        return EXIT_BAD
    if args.speed is not None and args.speed <= 0:
        print("mock-lykke: --speed must be positive", file=sys.stderr)
        return EXIT_BAD
    mode = args.clock or (scenario.clock_mode if scenario else "realtime")
    if args.speed is not None and mode == "virtual":
        print("mock-lykke: note: --speed has no effect on the virtual clock", file=sys.stderr)
    try:
        clock_options = _clock_options(args)
    except ValueError as e:
        print(f"mock-lykke: {e}", file=sys.stderr)
        return EXIT_BAD
    if clock_options and mode != "lockstep":
        print(f"mock-lykke: note: --quiet / --warmup have no effect on the {mode} clock",
              file=sys.stderr)
    from .tls import TlsError
    with ExitStack() as stack:
        try:
            tls = make_tls_from_args(args, stack)
            mock = build_mock(scenario, seed=args.seed, clock_mode=args.clock, speed=args.speed,
                              journal_path=args.journal, clock_options=clock_options)
            _add_sessions(mock, args, scenario, tls)
        except (TlsError, ValueError) as e:
            print(f"mock-lykke: {e}", file=sys.stderr)
            return EXIT_BAD
        except OSError as e:
            print(f"mock-lykke: {e}", file=sys.stderr)
            return EXIT_FAIL
        return asyncio.run(run_server(mock, args, tls=tls))


def _add_sessions(mock, args, scenario, tls) -> None:
    """/_mock/sessions on this server (docs/sessions.md); ended before the server stops."""
    from .sessions import SessionError, manager_from_args
    try:
        manager = manager_from_args(args, scenario, tls)
    except SessionError as e:
        raise ValueError(f"--session-ttl: {e.message}") from None
    mock.extras["sessions"] = manager
    mock.on_stop.insert(0, manager.close)


def cmd_validate(args) -> int:
    from .scenario import check_file
    code = EXIT_OK
    for file in args.files:
        problems = check_file(file)
        if problems:
            _print_problems(problems)
            code = EXIT_BAD
        else:
            print(f"{file}: ok")
    return code


def cmd_replay(args) -> int:
    from .journal import ReplayError, replay_file, warnings_printed
    from .scenario.snapshot import snapshot
    try:
        with warnings_printed("mock-lykke replay"):
            header, exchange = replay_file(args.journal)
    except (OSError, ReplayError) as e:
        print(f"mock-lykke: {e}", file=sys.stderr)
        return EXIT_BAD
    if not args.serve:
        text = json.dumps(snapshot(exchange), indent=2, sort_keys=True) + "\n"
        if args.out:
            write_atomic(args.out, text)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    from .scenario.controller import Controller
    from .state import Mock
    from .tls import TlsError
    with ExitStack() as stack:
        try:
            tls = make_tls_from_args(args, stack)
        except TlsError as e:
            print(f"mock-lykke: {e}", file=sys.stderr)
            return EXIT_BAD
        mock = Mock(exchange=exchange, started_at=exchange.clock.start_ms)
        controller = Controller(mock)
        mock.on_start.append(controller.start)
        mock.on_stop.append(controller.stop)
        mock.on_closed.append(controller.close)
        return asyncio.run(run_server(mock, args, tls=tls))


def cmd_schema(args) -> int:
    from .scenario.schema import schema_text
    sys.stdout.write(schema_text())
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "run", None):
        return args.run(args)
    if getattr(args, "handler", None):
        return args.handler(args)
    handler = {"serve": cmd_serve, "validate": cmd_validate, "replay": cmd_replay,
               "schema": cmd_schema}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
