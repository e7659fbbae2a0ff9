"""Sessions: one `mock-lykke serve` process, many isolated worlds.

A `SessionManager` owns several `MockServer`s on the one event loop, each with its own
world (exchange, clock, journal, faults, participants) and its own gRPC and REST ports.
The control API's `/_mock/sessions` routes (api/control_sessions.py) call it; nothing in
engine/ knows sessions exist. docs/sessions.md is the guide.

Ports come from a range (`--session-ports 6100-6199`, two per session) or are ephemeral.
A session ends when deleted, when its idle time-to-live runs out (any call on its ports, and
any gRPC stream still open, counts as use), or when the server stops. Limits: a session
count, the process's resident memory (optional) and the port range; over one, `create`
refuses with SessionError (503).
"""
from __future__ import annotations

import asyncio
import os
from decimal import Decimal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .engine.clock import CLOCKS
from .scenario.loader import Scenario, ScenarioError, default_scenario, from_dict, load_file
from .scenario.values import duration_ms

DEFAULT_MAX_SESSIONS = 100
DEFAULT_TTL = "10m"
PORTS_ENV = "MOCK_LYKKE_SESSION_PORTS"
SCENARIOS_ENV = "MOCK_LYKKE_SESSION_SCENARIOS"
MAX_MEMORY_ENV = "MOCK_LYKKE_MAX_MEMORY"


class SessionError(Exception):
    """A request the manager refuses: `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400, **details):
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details


# --- settings from the command line -----------------------------------------------------------
def parse_ports(text: str | None) -> range | None:
    """"6100-6199" -> range(6100, 6200); None or "" -> None (ephemeral ports)."""
    if not text:
        return None
    try:
        low, high = (int(p) for p in text.split("-", 1))
    except ValueError:
        raise ValueError(f"session ports {text!r}: expected FIRST-LAST, e.g. 6100-6199") from None
    if not (0 < low <= high < 65536) or high - low < 1:
        raise ValueError(f"session ports {text!r}: need at least two ports within 1-65535")
    return range(low, high + 1)


def parse_ttl(value) -> int:
    """A time-to-live in ms from a duration ("10m", "500ms") or a number of seconds."""
    try:
        if isinstance(value, bool):
            raise ValueError
        ms = int(value * 1000) if isinstance(value, (int, float, Decimal)) \
            else int(duration_ms(value))
    except (TypeError, ValueError):
        raise SessionError(f"ttl {value!r} is not a duration (e.g. \"10m\", \"30s\")") \
            from None
    if ms <= 0:
        raise SessionError("ttl must be positive")
    return ms


def add_session_args(p) -> None:
    """The serve command's session options."""
    g = p.add_argument_group("sessions: isolated worlds on demand (docs/sessions.md)")
    g.add_argument("--session-ports", metavar="FIRST-LAST", default=os.environ.get(PORTS_ENV),
                   help=f"ports for sessions, two each (default ${PORTS_ENV}, else any free "
                        "ports)")
    g.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                   help=f"at most N sessions at once (default {DEFAULT_MAX_SESSIONS}; 0 turns "
                        "sessions off)")
    g.add_argument("--session-ttl", default=DEFAULT_TTL, metavar="DURATION",
                   help=f"end a session idle this long (default {DEFAULT_TTL})")
    g.add_argument("--max-memory", type=int, metavar="MB",
                   default=os.environ.get(MAX_MEMORY_ENV) or None,
                   help=f"refuse new sessions while the process uses more than MB megabytes "
                        f"of memory (resident; default ${MAX_MEMORY_ENV}, else no limit)")
    g.add_argument("--session-scenarios", metavar="DIR", action="append",
                   default=[d for d in os.environ.get(SCENARIOS_ENV, "").split(os.pathsep) if d],
                   help="a folder of scenario files sessions may name (by file name without "
                        ".yaml); repeatable (default: the --scenario file's folder)")


# --- the scenarios a session may name ---------------------------------------------------------
class ScenarioSet:
    """"default" (the embedded demo), the served scenario (by its file stem), and
    every *.yaml in the given folders (by file stem). Files are read when named."""

    def __init__(self, served: Scenario | None, served_path: str | None, folders=()):
        self.served = served or default_scenario()
        self.served_name = Path(served_path).stem if served_path else "default"
        self.names: dict[str, Scenario | Path] = {}
        for folder in folders:
            for path in sorted(Path(folder).glob("*.yaml")):
                self.names.setdefault(path.stem, path)
        self.names["default"] = default_scenario()
        self.names[self.served_name] = self.served

    def get(self, spec) -> tuple[str, Scenario]:
        """(the name a session reports, the Scenario) for a body's `scenario`."""
        if spec is None:
            return self.served_name, self.served
        if isinstance(spec, dict):
            if _reads_files(spec):
                raise SessionError("an inline scenario may not read files on the server "
                                   "(market[].file, latency `empirical`); put it in a "
                                   "--session-scenarios folder and name it")
            try:
                return "inline", from_dict(spec, "<session scenario>")
            except ScenarioError as e:
                raise SessionError("the inline scenario is not valid",
                                   problems=[str(p) for p in e.problems]) from None
        if not isinstance(spec, str):
            raise SessionError("scenario is a name or a scenario mapping")
        found = self.names.get(spec)
        if found is None:
            raise SessionError(f"no scenario {spec!r}; this server has: "
                               f"{', '.join(sorted(self.names))}")
        if isinstance(found, Path):
            try:
                found = self.names[spec] = load_file(found)
            except ScenarioError as e:
                raise SessionError(f"scenario {spec!r} is not valid",
                                   problems=[str(p) for p in e.problems]) from None
        return spec, found


def _reads_files(data: dict) -> bool:
    """Whether a scenario names data files (replay participants, empirical latency)."""
    market = data.get("market")
    if isinstance(market, list) and any(isinstance(m, dict) and "file" in m for m in market):
        return True

    def walk(value) -> bool:
        if isinstance(value, dict):
            return "empirical" in value or any(walk(v) for v in value.values())
        return isinstance(value, list) and any(walk(v) for v in value)
    return walk(data.get("latency"))


# --- one session ------------------------------------------------------------------------------
@dataclass
class Session:
    id: str
    scenario: str
    seed: int
    ttl_ms: int
    server: object                              # its MockServer
    used: float = 0.0                           # monotonic seconds of the last call
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    timer: asyncio.TimerHandle | None = None

    def touch(self) -> None:
        self.used = time.monotonic()

    def describe(self, host: str, scheme: str) -> dict:
        s, mock = self.server, self.server.mock
        rest = f"{scheme}://{host}:{s.rest_port}"
        expires = time.time() + self.used + self.ttl_ms / 1000 - time.monotonic()
        return {"id": self.id, "scenario": self.scenario, "seed": self.seed,
                "grpc": f"{host}:{s.grpc_port}", "rest": rest,
                "grpcPort": s.grpc_port, "restPort": s.rest_port, "control": rest + "/_mock",
                "keys": {a.name: a.api_key for a in mock.exchange.accounts.values()
                         if a.api_key},
                "ttl": format_ttl(self.ttl_ms),
                "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires))
                + f".{int(expires * 1000) % 1000:03d}Z"}


def format_ttl(ms: int) -> str:
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def rss_mb() -> float | None:
    """The process's resident memory in MB (Linux), else None."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- the manager ------------------------------------------------------------------------------
class SessionManager:
    def __init__(self, scenarios: ScenarioSet, *, host: str = "127.0.0.1", tls=None,
                 ports: range | None = None, max_sessions: int = DEFAULT_MAX_SESSIONS,
                 ttl: str | int = DEFAULT_TTL, max_memory_mb: int | None = None,
                 defaults: dict | None = None, memory: Callable[[], float | None] = rss_mb,
                 server_options: dict | None = None):
        self.scenarios = scenarios
        self.host = host
        self.tls = tls
        self.ports = ports
        self.max_sessions = max_sessions
        self.ttl_ms = parse_ttl(ttl)
        self.max_memory_mb = max_memory_mb
        self.defaults = defaults or {}          # build_mock keywords (clock_mode, speed)
        self.memory = memory
        self.server_options = server_options or {}     # more MockServer keywords, as the server's
        self.sessions: dict[str, Session] = {}
        self._held: set[int] = set()            # ports of live (or starting) sessions
        self._count = 0
        self._starting = 0
        # called with each session's Mock before it serves: what a session must share with
        # the server (e.g. the control API's guards) is set there
        self.prepare: list[Callable] = []

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    # --- create ---------------------------------------------------------------------------
    def _check_limits(self) -> None:
        if self.max_sessions <= 0:
            raise SessionError("sessions are off on this server (--max-sessions 0)", 503,
                               limit="sessions")
        if len(self.sessions) + self._starting >= self.max_sessions:
            raise SessionError(f"the server has {len(self.sessions)} sessions, its limit "
                               f"(--max-sessions {self.max_sessions}); delete one first",
                               503, limit="sessions")
        if self.max_memory_mb:
            used = self.memory()
            if used is not None and used > self.max_memory_mb:
                raise SessionError(f"the server uses {used:.0f} MB of memory, over its limit "
                                   f"(--max-memory {self.max_memory_mb}); delete sessions "
                                   "first", 503, limit="memory")

    async def create(self, body: dict | None = None) -> Session:
        """A new session started and ready. body: {scenario, seed, ttl, clock, quirks}."""
        from .scenario.controller import build_mock
        body = body or {}
        unknown = sorted(set(body) - {"scenario", "seed", "ttl", "clock", "speed", "quirks"})
        if unknown:
            raise SessionError(f"unknown field(s) {', '.join(unknown)}; the fields are: "
                               "scenario, seed, ttl, clock, speed, quirks")
        name, scenario = self.scenarios.get(body.get("scenario"))
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise SessionError("seed must be an integer")
        ttl_ms = parse_ttl(body["ttl"]) if body.get("ttl") is not None else self.ttl_ms
        options = dict(self.defaults)
        clock, speed = body.get("clock"), body.get("speed")
        if clock is not None:
            if clock not in CLOCKS:
                raise SessionError(f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
            options["clock_mode"] = clock
        if speed is not None:
            if isinstance(speed, bool) or not isinstance(speed, (int, float, Decimal)) \
                    or speed <= 0:
                raise SessionError("speed must be a positive number")
            options["speed"] = float(speed)
        if body.get("quirks"):
            scenario = _with_quirks(scenario, body["quirks"])
        self._check_limits()
        try:
            mock = build_mock(scenario, seed=seed, **options)
        except (ValueError, TypeError) as e:
            raise SessionError(str(e)) from None
        for prepare in self.prepare:
            prepare(mock)
        self._count += 1
        sid = f"s{self._count}"
        session = Session(sid, name, mock.controller.seed, ttl_ms, None)
        self._starting += 1                     # counts against the limit while it starts
        try:
            session.server = await self._start(mock, session.touch)
        finally:
            self._starting -= 1
        session.touch()
        self.sessions[sid] = session
        self._arm(session)
        return session

    async def _start(self, mock, touch):
        from .server import MockServer
        if self.ports is None:
            server = MockServer(mock, self.host, 0, 0, tls=self.tls, quick_start=True,
                                on_call=touch, **self.server_options)
            try:
                await server.start()
            except OSError as e:
                raise SessionError(f"cannot start a session: {e}", 503, limit="ports") \
                    from None
            return server
        tried: set[int] = set()
        while True:
            free = [p for p in self.ports if p not in self._held and p not in tried]
            if len(free) < 2:
                raise SessionError(f"no two free ports left in {self.ports.start}-"
                                   f"{self.ports.stop - 1} (--session-ports)", 503,
                                   limit="ports")
            pair = free[:2]
            self._held.update(pair)
            server = MockServer(mock, self.host, pair[0], pair[1], tls=self.tls,
                                quick_start=True, on_call=touch, **self.server_options)
            try:
                await server.start()
                return server
            except OSError:                       # taken by another process: try the next
                self._held.difference_update(pair)
                tried.update(pair)
            except BaseException:
                self._held.difference_update(pair)
                raise

    # --- end ------------------------------------------------------------------------------
    def _arm(self, session: Session) -> None:
        due = session.used + session.ttl_ms / 1000
        loop = asyncio.get_running_loop()
        session.timer = loop.call_at(loop.time() + max(0.0, due - time.monotonic()),
                                     self._check_idle, session)

    def _check_idle(self, session: Session) -> None:
        if session.id not in self.sessions:
            return
        streams = session.server.streams
        if streams is not None and streams.count():     # an open stream is use too
            session.touch()
        if time.monotonic() - session.used >= session.ttl_ms / 1000:
            asyncio.ensure_future(self.delete(session.id))
        else:
            self._arm(session)

    def get(self, sid: str) -> Session:
        found = self.sessions.get(sid)
        if found is None:
            raise SessionError(f"no session {sid!r}", 404)
        return found

    async def delete(self, sid: str) -> None:
        session = self.get(sid)
        del self.sessions[sid]
        if session.timer is not None:
            session.timer.cancel()
        server = session.server
        try:
            await server.stop(0)
        finally:
            self._held.difference_update((server.grpc_port, server.rest_port))
            session.ended.set()

    async def close(self) -> None:
        """End every session (the server is stopping)."""
        for sid in list(self.sessions):
            await self.delete(sid)


def _with_quirks(scenario: Scenario, quirks) -> Scenario:
    from .testing.options import check_quirks
    try:
        check_quirks(quirks)
    except (TypeError, ValueError) as e:
        raise SessionError(str(e)) from None
    data = dict(scenario.data)
    data["quirks"] = {**(data.get("quirks") or {}), **quirks}
    return Scenario(data, scenario.name, scenario.base_dir)


def manager_from_args(args, scenario: Scenario | None, tls) -> SessionManager:
    """The serve command's SessionManager (raises ValueError / SessionError on bad options)."""
    folders = list(args.session_scenarios or [])
    if not folders and args.scenario:
        folders = [str(Path(args.scenario).resolve().parent)]
    defaults = {k: v for k, v in (("clock_mode", args.clock), ("speed", args.speed)) if v}
    return SessionManager(ScenarioSet(scenario, args.scenario, folders), host=args.host,
                          tls=tls, ports=parse_ports(args.session_ports),
                          max_sessions=args.max_sessions, ttl=args.session_ttl,
                          max_memory_mb=args.max_memory, defaults=defaults,
                          server_options={"allow_hosts": tuple(args.allow_host or ()),
                                          "control_token": args.control_token})
