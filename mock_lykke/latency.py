"""Latency of the live endpoints: models, rules, and the legs of one call.

A rule selects gRPC methods (`method`) or REST routes (`route`), globs allowed, and gives a
model per leg: `request` (before the call reaches the engine), `response` (before the answer
leaves; not for streams), `message` (each message of a stream). For each leg the first rule
that matches and has that leg decides. Each rule's leg draws from its own seeded stream
(`latency-<i>-<leg>`), so the same calls in the same order get the same latencies.

On a virtual-time clock (virtual, lockstep) a latency is clock time in whole milliseconds: the
command is scheduled on the clock, and the call completes when it has run. On a realtime clock
it is wall time.

Models: `50ms` (constant), `{constant: 50ms}`, `{uniform: [1ms, 5ms]}`,
`{lognormal: {median: 20ms, sigma: 0.5, max: 1s}}`, `{empirical: FILE}` (one sample per line,
ms or a duration; `#` comments; drawn uniformly; relative to the scenario file).
"""
from __future__ import annotations

import asyncio
import math
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path
from random import Random
from typing import Callable

from .routes import GRPC_METHODS, REST_ROUTES
from .scenario.values import duration_ms, shown

LEGS = ("request", "response", "message")
MAX_MS = 86_400_000.0       # the longest latency a model may give: one day
MAX_SIGMA = 10.0            # lognormal: e^(ln median + 8.6 sigma) stays a finite float


class Constant:
    __slots__ = ("ms",)

    def __init__(self, ms: float):
        self.ms = ms

    def draw(self, rng: Random) -> float:
        return self.ms


class Uniform:
    __slots__ = ("lo", "hi")

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def draw(self, rng: Random) -> float:
        return rng.uniform(self.lo, self.hi)


class LogNormal:
    """exp(N(ln median, sigma)), capped at `cap` ms."""
    __slots__ = ("mu", "sigma", "cap")

    def __init__(self, median: float, sigma: float, cap: float | None = None):
        self.mu, self.sigma, self.cap = math.log(median), sigma, cap

    def draw(self, rng: Random) -> float:
        ms = rng.lognormvariate(self.mu, self.sigma)
        return ms if self.cap is None else min(ms, self.cap)


class Empirical:
    __slots__ = ("samples",)

    def __init__(self, samples: list[float]):
        self.samples = samples

    def draw(self, rng: Random) -> float:
        return self.samples[rng.randrange(len(self.samples))]


def _ms(value, what: str) -> float:
    try:
        ms = float(duration_ms(value))
    except (ValueError, TypeError, ArithmeticError):
        raise ValueError(f"{what}: {shown(value)} is not a duration (e.g. 5ms, 1.5ms, "
                         "1s)") from None
    if not ms <= MAX_MS:
        raise ValueError(f"{what}: {shown(value)} is over a day (at most 24h)")
    return ms


def read_samples(path: Path) -> list[float]:
    """An empirical model's samples: one per line (ms or a duration); `#` lines skipped."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if text:
            number = text.replace(".", "", 1).isdigit()
            out.append(_ms(Decimal(text) if number else text, f"{path.name}:{i}"))
    if not out:
        raise ValueError(f"{path.name}: no samples")
    return out


def parse_model(spec, base_dir: Path | None = None):
    """A model from its scenario form; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        return Constant(_ms(spec, "constant"))
    if len(spec) != 1:
        raise ValueError("a model is one of constant, uniform, lognormal, empirical")
    (kind, body), = spec.items()
    if kind == "constant":
        return Constant(_ms(body, "constant"))
    if kind == "uniform":
        if not (isinstance(body, list) and len(body) == 2):
            raise ValueError("uniform: give [min, max]")
        lo, hi = _ms(body[0], "uniform min"), _ms(body[1], "uniform max")
        if lo > hi:
            raise ValueError("uniform: min is above max")
        return Uniform(lo, hi)
    if kind == "lognormal":
        if not isinstance(body, dict) or "median" not in body:
            raise ValueError("lognormal: give {median, sigma}")
        median = _ms(body["median"], "lognormal median")
        sigma = body.get("sigma", 0.5)
        try:
            sigma = float(sigma) if not isinstance(sigma, (bool, str)) else None
        except (TypeError, ValueError, OverflowError):
            sigma = None
        if sigma is None or not 0 <= sigma <= MAX_SIGMA:
            raise ValueError(f"lognormal: sigma must be a number from 0 to {MAX_SIGMA:g}")
        if median <= 0:
            raise ValueError("lognormal: median must be positive")
        cap = _ms(body["max"], "lognormal max") if "max" in body else None
        return LogNormal(median, sigma, cap)
    if kind == "empirical":
        path = Path(str(body))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise ValueError(f"empirical: samples file not found: {path}")
        return Empirical(read_samples(path))
    raise ValueError(f"unknown model {kind!r} (constant, uniform, lognormal, empirical)")


def rule_problems(spec: dict, base_dir: Path | None = None) -> list[tuple[tuple, str]]:
    """What is wrong with a (schema-valid) rule: (key path, message)."""
    out: list[tuple[tuple, str]] = []
    method, route = spec.get("method"), spec.get("route")
    if (method is None) == (route is None):
        return [((), "a latency rule needs exactly one of `method` (gRPC) or `route` (REST)")]
    if method is not None:
        matched = [m for m in GRPC_METHODS if fnmatchcase(m, method)]
        if not matched:
            out.append((("method",), f"no gRPC method matches {method!r}"))
        elif "message" in spec and not any(GRPC_METHODS[m] for m in matched):
            out.append((("message",), f"`message` is for streams; {method!r} has none"))
    else:
        if not any(fnmatchcase(r, route) for r in REST_ROUTES):
            out.append((("route",), f"no REST route matches {route!r}"))
        if "message" in spec:
            out.append((("message",), "`message` is for gRPC streams"))
    if not any(leg in spec for leg in LEGS):
        out.append(((), "a latency rule needs a leg: request, response or message"))
    for leg in LEGS:
        if leg in spec:
            try:
                parse_model(spec[leg], base_dir)
            except ValueError as e:
                out.append(((leg,), str(e)))
    return out


class Leg:
    """A model and its own seeded stream of draws."""
    __slots__ = ("model", "rng")

    def __init__(self, model, rng: Random):
        self.model, self.rng = model, rng

    def draw(self) -> float:
        return min(MAX_MS, max(0.0, self.model.draw(self.rng)))


class LatencyPlan:
    """The rules in force; `leg(name, leg)` finds the Leg for a call name, or None."""

    def __init__(self, rules: list[dict], rng: Callable[[str], Random],
                 base_dir: Path | None = None):
        self.rules = [dict(r) for r in rules]
        self._rules = []
        for i, spec in enumerate(self.rules):
            pattern = spec.get("route") or spec["method"]
            legs = {leg: Leg(parse_model(spec[leg], base_dir), rng(f"latency-{i}-{leg}"))
                    for leg in LEGS if leg in spec}
            self._rules.append(("route" in spec, pattern, legs))
        self._cache: dict[tuple[str, str], Leg | None] = {}

    def leg(self, name: str, leg: str) -> Leg | None:
        key = (name, leg)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = None
        rest = " " in name
        for is_rest, pattern, legs in self._rules:
            if is_rest == rest and leg in legs and fnmatchcase(name, pattern):
                found = legs[leg]
                break
        self._cache[key] = found
        return found


def draw_ms(leg: Leg | None, clock) -> float:
    """One draw of a leg: whole ms on a virtual-time clock, else fractional wall ms."""
    if leg is None:
        return 0
    ms = leg.draw()
    return round(ms) if clock.virtual_time else ms


# --- one call's legs (used by the gRPC and REST fronts) ----------------------------------
class CallLegs:
    """One API call through its latency legs and the dry-run tracking.

    `await run(fn)` runs fn (the engine part, synchronous) after the request leg; `note(...)`
    records the outcome; `await finish()` waits the response leg and notes the call. On a
    virtual-time clock the legs are clock times: the engine part runs at arrival + request,
    the answer leaves at (engine time, or arrival) + response. The front has called
    clock.enter() for the call: while a leg waits on the clock the call is not in flight
    (leave), and it is again from the moment the leg's timer fires (enter)."""
    __slots__ = ("clock", "request_ms", "response_ms", "tracker", "info", "base")

    def __init__(self, clock, request_ms, response_ms, tracker, info):
        self.clock, self.request_ms, self.response_ms = clock, request_ms, response_ms
        self.tracker, self.info = tracker, info
        self.base = clock.now()             # arrival; then the time the engine part ran

    async def run(self, fn):
        if self.request_ms:
            return await self._after(self.request_ms, fn)
        return self._run(fn)

    def note(self, result: str, code: int | None = None, message: str | None = None) -> None:
        if self.info is not None:
            self.info.result, self.info.code, self.info.message = result, code, message

    def answered(self, status: int) -> None:
        """REST: the HTTP status of the answer."""
        if self.info is not None:
            self.info.status = status
            if self.info.result == "ok" and status >= 400:
                self.info.result = "status"

    async def finish(self) -> None:
        if self.response_ms:
            await self._after(self.response_ms, None)
        if self.tracker is not None:
            self.tracker.end_call(self.info)

    def _run(self, fn):
        self.base = self.clock.now()
        tracker = self.tracker
        if tracker is None:
            return fn()
        return tracker.run_call(self.info, fn)

    async def _after(self, ms, fn):
        clock = self.clock
        if not clock.virtual_time:
            await asyncio.sleep(ms / 1000)
            return self._run(fn) if fn is not None else None
        at = self.base + ms
        limit = getattr(clock, "limit", None)
        if limit is not None:               # a lockstep clock stops there: so does latency
            at = min(at, max(limit, clock.now()))
        if at <= clock.now():               # the clock is already past it (advanced by hand)
            return self._run(fn) if fn is not None else None
        future = asyncio.get_running_loop().create_future()
        fired = []

        def fire():
            if future.done():
                return
            fired.append(True)
            clock.enter()
            try:
                result = self._run(fn) if fn is not None else None
            except BaseException as e:      # handed to the awaiting call as is
                future.set_exception(e)
            else:
                future.set_result(result)

        timer = clock.call_at(at, fire)
        clock.leave()
        try:
            return await future
        except asyncio.CancelledError:
            timer.cancel()
            if not fired:
                clock.enter()               # the front's final leave() pairs with this
            raise


def begin_call(mock, via: str, name: str, account, stream: bool = False) -> CallLegs | None:
    """The legs of one call, or None when there is neither latency nor tracking (the fast
    path). Both legs are drawn now, in arrival order (a stream has no response leg)."""
    plan = mock.extras.get("latency")
    controller = mock.controller
    tracker = getattr(controller, "tracker", None) if controller is not None else None
    if plan is None and tracker is None:
        return None
    clock = mock.exchange.clock
    request_ms = response_ms = 0
    if plan is not None:
        request_ms = draw_ms(plan.leg(name, "request"), clock)
        if not stream:
            response_ms = draw_ms(plan.leg(name, "response"), clock)
        if not (request_ms or response_ms or tracker):
            return None
    info = tracker.begin_call(via, name, account, request_ms, response_ms) if tracker else None
    return CallLegs(clock, request_ms, response_ms, tracker, info)
