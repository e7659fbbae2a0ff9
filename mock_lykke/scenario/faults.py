"""Injected failures for both fronts, behind the `check` / `check_stream` interface of
state.NoFaults.

A fault selects calls by gRPC method (`method`) or REST route template (`route`), globs
allowed, then narrows by time window (`after` / `until`, clock time), `nth` matching call,
`probability` (seeded) and `times` (most firings). Every matching fault is evaluated in order
(so their counters and random draws stay reproducible); delays add up, and the first fault
with an outcome (error, status, drop, end) decides it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from random import Random
from typing import Callable

from ..engine.errors import ME_MESSAGES, Code
from ..routes import GRPC_METHODS, REST_ROUTES
from ..state import FaultAction
from .values import parse_at, parse_duration


def rest_routes() -> list[str]:
    """The REST front's fault names, e.g. "DELETE /api/orders/{orderId}"."""
    return list(REST_ROUTES)


DEFAULT_MESSAGES = {Code.runtimeError: "Runtime error", Code.itemNotFound: "Item not found",
                    Code.invalidField: "Invalid field", Code.actionForbidden: "Action forbidden"}
CALL, MESSAGE = "call", "message"


def error_code(value) -> int:
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(Code(value))
        return int(Code[value])
    except (KeyError, ValueError):
        raise ValueError(f"unknown error code {value!r}") from None


MAX_DELAY_MS = 86_400_000


def fault_problems(spec: dict) -> list[tuple[tuple, str]]:
    """What is wrong with a (schema-valid) fault beyond its shape: (key path, message)."""
    out: list[tuple[tuple, str]] = []
    method, route = spec.get("method"), spec.get("route")
    if (method is None) == (route is None):
        out.append(((), "a fault needs exactly one of `method` (gRPC) or `route` (REST)"))
        return out
    if method is not None:
        matched = [m for m in GRPC_METHODS if fnmatchcase(m, method)]
        if not matched:
            out.append((("method",), f"no gRPC method matches {method!r}"))
        streams = [m for m in matched if GRPC_METHODS[m]]
        for key in ("drop", "endStream"):
            if spec.get(key) and matched and not streams:
                out.append(((key,), f"`{key}` needs a stream method; {method!r} has none"))
        if spec.get("on") == MESSAGE and matched and not streams:
            out.append((("on",), f"`on: message` needs a stream method; {method!r} has none"))
        if "httpStatus" in spec:
            out.append((("httpStatus",), "`httpStatus` is for REST routes; use `grpcStatus`"))
    else:
        if not any(fnmatchcase(r, route) for r in rest_routes()):
            out.append((("route",), f"no REST route matches {route!r} "
                                    "(routes are written like \"GET /api/orders/{orderId}\")"))
        for key in ("grpcStatus", "drop", "endStream", "on"):
            if key in spec:
                out.append(((key,), f"`{key}` is for gRPC methods"))
    if not any(spec.get(k) for k in ("error", "grpcStatus", "httpStatus", "delay", "drop",
                                      "endStream")):
        out.append(((), "a fault needs an outcome: error, grpcStatus, httpStatus, delay, "
                        "drop or endStream"))
    if "error" in spec:
        try:
            error_code(spec["error"])
        except ValueError as e:
            out.append((("error",), str(e)))
    for key in ("after", "until", "delay"):
        if key in spec:
            try:
                if key != "delay":
                    parse_at(spec[key], 0)
                elif parse_duration(spec[key]) > MAX_DELAY_MS:
                    out.append(((key,), "a delay is at most a day (24h)"))
            except ValueError as e:
                out.append(((key,), str(e)))
    return out


@dataclass
class Fault:
    id: int
    spec: dict
    pattern: str
    rest: bool
    stages: frozenset
    call_action: FaultAction | None
    message_action: FaultAction | None
    rng: Random
    after: int | None = None
    until: int | None = None
    nth: int | None = None
    probability: float = 1.0
    times: int | None = None
    counts: dict = field(default_factory=lambda: {CALL: 0, MESSAGE: 0})
    fired: int = 0

    def matches(self, name: str) -> bool:
        return (" " in name) == self.rest and fnmatchcase(name, self.pattern)

    def fire(self, stage: str, now: int) -> FaultAction | None:
        action = self.call_action if stage == CALL else self.message_action
        if action is None or stage not in self.stages:
            return None
        if (self.after is not None and now < self.after) or (
                self.until is not None and now >= self.until):
            return None
        self.counts[stage] += 1
        if self.nth is not None and self.counts[stage] != self.nth:
            return None
        if self.times is not None and self.fired >= self.times:
            return None
        if self.probability < 1 and not self.rng.random() < self.probability:
            return None
        self.fired += 1
        return replace(action)

    def describe(self) -> dict:
        return {"id": self.id, **self.spec, "fired": self.fired,
                "calls": self.counts[CALL], "messages": self.counts[MESSAGE]}


def make_fault(fault_id: int, spec: dict, start_ms: int, rng: Random) -> Fault:
    """A Fault from a spec that passed the schema and fault_problems."""
    rest = "route" in spec
    delay = parse_duration(spec["delay"]) if "delay" in spec else 0
    code = error_code(spec["error"]) if "error" in spec else None
    status = spec.get("grpcStatus")
    message = spec.get("message")
    if message is None and code is not None:
        message = ME_MESSAGES.get(code, DEFAULT_MESSAGES.get(code, "Injected fault"))
    elif message is None and status:
        message = "Injected fault"          # an httpStatus's default is the server's own text
    call = FaultAction(delay_ms=delay, error_code=code, grpc_status=status,
                       http_status=spec.get("httpStatus"), message=message)
    if not (delay or code is not None or status or call.http_status):
        call = None
    end = bool(spec.get("endStream")) or status is not None
    msg = FaultAction(delay_ms=delay, grpc_status=status, end_stream=end,
                      drop=bool(spec.get("drop")), message=message)
    if not (delay or end or msg.drop):
        msg = None
    on = spec.get("on")
    stages = frozenset({on}) if on else frozenset({CALL, MESSAGE})
    return Fault(fault_id, dict(spec), spec.get("route") or spec["method"], rest, stages, call,
                 msg, rng,
                 after=parse_at(spec["after"], start_ms) if "after" in spec else None,
                 until=parse_at(spec["until"], start_ms) if "until" in spec else None,
                 nth=spec.get("nth"), probability=float(spec.get("probability", 1)),
                 times=spec.get("times"))


class FaultInjector:
    """The fronts' fault hook (same interface as state.NoFaults)."""

    def __init__(self, now: Callable[[], int], rng: Callable[[str], Random], start_ms: int):
        self._now = now
        self._rng = rng
        self.start_ms = start_ms
        self.faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: dict) -> Fault:
        fault = make_fault(self._next_id, spec, self.start_ms, self._rng(f"fault-{self._next_id}"))
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        before = len(self.faults)
        self.faults = [f for f in self.faults if f.id != fault_id]
        return len(self.faults) != before

    def clear(self) -> None:
        self.faults = []

    def describe(self) -> list[dict]:
        return [f.describe() for f in self.faults]

    def _check(self, name: str, stage: str) -> FaultAction | None:
        if not self.faults:
            return None
        now = self._now()
        delay, outcome = 0, None
        for fault in self.faults:
            if not fault.matches(name):
                continue
            action = fault.fire(stage, now)
            if action is None:
                continue
            delay += action.delay_ms
            if outcome is None and (action.error_code is not None or action.grpc_status
                                    or action.http_status or action.end_stream or action.drop):
                outcome = action
        if outcome is None and not delay:
            return None
        outcome = outcome or FaultAction()
        outcome.delay_ms = delay
        return outcome

    def check(self, name: str) -> FaultAction | None:
        return self._check(name, CALL)

    def check_stream(self, name: str) -> FaultAction | None:
        return self._check(name, MESSAGE)
