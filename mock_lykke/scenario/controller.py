"""The scenario runtime and the Python-level control API.

A Controller builds the world a scenario describes (engine, resting orders, market
participants, timeline, faults, journal) into a `Mock`, and offers every operation of the
control API as a plain method: the aiohttp routes of api/control.py and the pytest fixture are
thin wrappers over it. Every change goes through the engine's commands (or is journaled).
"""
from __future__ import annotations

import logging
from collections import deque
from decimal import Decimal
from functools import partial

from ..engine import ApiError, Exchange, ServerCrash
from ..engine.clock import ClockError, format_time, make_clock
from ..engine.numbers import DOTNET_DECIMAL_MAX
from ..engine.orders import BUY, SELL, BulkItem
from ..engine.quirks import QUIRKS
from ..journal import Journal
from ..market import PARTICIPANTS, Participant
from ..probe import make_probe
from ..state import Mock
from ..track import Tracker
from .build import ACCOUNT_FLAGS, place_resting, set_flags, setup_exchange
from .driver import ClockDriver
from .faults import FaultInjector, fault_problems
from .loader import Scenario, jsonable
from .schema import def_validator
from .snapshot import snapshot
from .timeline import run_step, step_action
from .values import dec, parse_at, parse_duration, shown

log = logging.getLogger("mock_lykke.scenario")
CANCEL_MODES = ("notEmptySide", "bothSides", "sellSide", "buySide")
PROBES = ("server", "in-process", None)


class ControlError(Exception):
    """A control request that cannot be done: status 400 (bad request) or 404 (unknown name).
    `code` is the engine's API error code when the engine rejected the command."""

    def __init__(self, message: str, status: int = 400, code: int | None = None):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


def _side(value) -> str:
    side = value.lower() if isinstance(value, str) else ""
    if side not in (BUY, SELL):
        raise ControlError(f"side must be buy or sell, got {shown(value)}")
    return side


def _dec(value, what: str) -> Decimal:
    """A decimal the engine can hold: within C#'s decimal range, at most 28 decimals."""
    try:
        d = dec(value)
    except (ValueError, TypeError):
        raise ControlError(f"{what} must be a decimal, got {shown(value)}") from None
    if d.copy_abs() > DOTNET_DECIMAL_MAX or d.as_tuple().exponent < -28:
        raise ControlError(f"{what} must be a decimal of at most 29 digits before the point "
                           f"(|{what}| <= {DOTNET_DECIMAL_MAX}) and 28 after, got {shown(value)}")
    return d


def _said(error) -> str:
    """A schema error's message, quoting the offending value cut short."""
    return error.message.replace(repr(error.instance), shown(error.instance))


def _text(value, what: str, optional: bool = False) -> str | None:
    if (value is None and optional) or isinstance(value, str):
        return value
    raise ControlError(f"{what} must be a string, got {shown(value)}")


class Controller:
    """`clock_options`: lockstep quiet / warmup (ms), over the scenario's. `track`: note why
    things happen in the journal (docs/dryrun.md) for these account names (True: all).
    `header`: extra keys for the journal's header. `probe`: what a lockstep clock's CPU probe
    looks at (mock_lykke.probe): "server" (this process's I/O threads; a dry-run adds
    the bot's processes), "in-process" (the clients run in this process too: the pytest
    fixture), None (the quiet window alone)."""

    def __init__(self, mock: Mock, scenario: Scenario | None = None, *, seed: int | None = None,
                 clock_mode: str | None = None, speed: float | None = None,
                 journal: Journal | None = None, clock_options: dict | None = None,
                 track=None, header: dict | None = None, probe: str | None = "server"):
        if probe not in PROBES:
            raise ValueError(f"probe must be one of {PROBES}, got {probe!r}")
        self.mock = mock
        self.probe = probe
        self.scenario = scenario
        self.seed = seed if seed is not None else (scenario.seed if scenario else 0)
        self.clock_mode = clock_mode or (scenario.clock_mode if scenario else "virtual")
        self.speed = speed if speed is not None else (scenario.speed if scenario else 1.0)
        self.clock_options = {**(scenario.clock_options if scenario else {}),
                              **(clock_options or {})}
        self.journal = journal or Journal()
        self.tracker = None
        if track:
            self.tracker = Tracker(self.journal, None if track is True else track)
        self.header = header or {}
        self.latency_rules: list[dict] = jsonable(scenario.latency) if scenario else []
        self.participants: list[Participant] = []
        self.warnings: deque = deque(maxlen=100)
        self.serving = False
        self.start_ms = 0
        self.driver = ClockDriver(lambda: self.exchange.clock)
        mock.controller = self
        if scenario is not None:
            self._build(first=True)
        else:
            self._attach(mock.exchange)
            self.faults = mock.faults if isinstance(mock.faults, FaultInjector) else None

    @property
    def exchange(self) -> Exchange:
        return self.mock.exchange

    # --- building ---------------------------------------------------------------------
    def _attach(self, ex: Exchange) -> None:
        tracker = self.tracker
        if tracker is None:
            ex.recorders.append(lambda name, args: self.journal.record(ex.clock.now(), name,
                                                                       args))
            return
        ex.recorders.append(lambda name, args: self.journal.record(
            ex.clock.now(), name, args, call=tracker.current_id()))
        tracker.attach(ex)

    def _build(self, first: bool) -> None:
        data = self.scenario.data
        self.start_ms = self.scenario.start_ms(self.clock_mode)
        clock = make_clock(self.clock_mode, self.start_ms, self.speed, **self.clock_options)
        if clock.tracks_activity:
            clock.limit = self.scenario.until_ms(self.start_ms)
            clock.on_step = self._on_step
            if self.probe is not None:      # (a dry-run adds the bot's processes)
                clock.probe = make_probe(in_process=self.probe == "in-process")
        ex = setup_exchange(data, clock, self.seed)
        if first:
            described = {"mode": self.clock_mode, "start": self.start_ms, "speed": self.speed}
            if clock.tracks_activity:
                described.update(quiet=clock.quiet_ms, warmup=clock.warmup_ms)
            header = {"seed": self.seed, "source": self.scenario.name, "clock": described,
                      "scenario": self.scenario.to_json()}
            if self.latency_rules:
                header["latency"] = self.latency_rules
            if self.tracker is not None:
                header["track"] = self.tracker.header()
            self.journal.write_header({**header, **self.header})
        else:
            self.journal.record(self.start_ms, "reset", {"startMs": self.start_ms})
        self._attach(ex)
        for spec in data.get("orders") or []:
            place_resting(ex, spec)
        self.mock.exchange = ex
        self.mock.started_at = self.start_ms
        self.faults = FaultInjector(ex.clock.now, ex.ids.rng, self.start_ms)
        for spec in data.get("faults") or []:
            self.faults.add(spec)
        self.mock.faults = self.faults
        self._set_plan(ex)
        base_dir = self.scenario.base_dir
        self.participants = [PARTICIPANTS[spec["kind"]](ex, spec, ex.ids.rng(f"market-{i}"),
                                                        base_dir)
                             for i, spec in enumerate(data.get("market") or [])]
        if self.tracker is not None:
            for i, p in enumerate(self.participants):
                p.acting = partial(self.tracker.acting, f"market[{i}] {p.name}")
        for p in self.participants:
            p.start()
        for i, step in enumerate(data.get("timeline") or []):
            at = parse_at(step["at"], self.start_ms)
            if at <= self.start_ms:
                self._run_step(i, step)
            else:
                ex.clock.call_at(at, lambda i=i, step=step: self._run_step(i, step))

    def _run_step(self, index: int, step: dict) -> None:
        name, body = step_action(step)
        source = f"timeline[{index}] {name}"
        try:
            if self.tracker is None:
                run_step(self, name, body)
            else:
                with self.tracker.acting(source):
                    run_step(self, name, body)
        except OSError as e:        # its journal line failed: not done, the clock goes on
            self.warn(f"timeline[{index}] ({name} at {step['at']}): {e}")
        except ControlError as e:
            self.warn(f"timeline[{index}] ({name} at {step['at']}): {e.message}")
            if self.tracker is not None and e.code is None:    # (the engine's are noted)
                fields = body if isinstance(body, dict) else {}
                self.tracker.refused(source, name, e.message, fields.get("account"),
                                     fields.get("assetPairId"))

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append({"t": self.exchange.clock.now(), "message": message})

    def reset(self) -> dict:
        """Back to the scenario's start: a new exchange (ids, clock, books, participants,
        faults, quirks as at load); then every mock.on_reset hook."""
        if self.scenario is None:
            raise ControlError("this mock has no scenario to reset to")
        for p in self.participants:
            p.stop()
        self.exchange.clock.wakeup = None
        self.latency_rules = jsonable(self.scenario.latency)
        self._build(first=False)
        if self.serving:
            self.exchange.clock.start()
            self.driver.kick()
        for hook in list(self.mock.on_reset):
            hook()
        return self.time()

    # --- serving (Mock.on_start / on_stop hooks) --------------------------------------
    async def start(self) -> None:
        self.serving = True
        self.exchange.clock.start()
        self.driver.start()

    async def stop(self) -> None:
        """The clock's timers stop; the fronts may still finish their calls (see close)."""
        self.serving = False
        await self.driver.stop()

    async def close(self) -> None:
        """The fronts are closed (Mock.on_closed): the journal ends at the clock's time."""
        self.journal.close(self.exchange.clock.now())

    def _on_step(self, from_ms: int, to_ms: int) -> None:
        """A lockstep step: noted with the stream counts of this moment."""
        stats = self.mock.extras.get("stream_stats")
        counts = stats.as_dict() if stats is not None else {}
        self.journal.record(to_ms, "clock", {"from": from_ms, **counts})

    # --- latency ------------------------------------------------------------------------
    def _set_plan(self, ex: Exchange) -> None:
        from ..latency import LatencyPlan
        base_dir = self.scenario.base_dir if self.scenario else None
        self.mock.extras["latency"] = (LatencyPlan(self.latency_rules, ex.ids.rng, base_dir)
                                       if self.latency_rules else None)

    def latency(self) -> list[dict]:
        """The latency rules in force (the scenario's `latency` shape)."""
        return [dict(r) for r in self.latency_rules]

    def set_latency(self, rules: list) -> list[dict]:
        """Replace the latency rules (a list of the scenario's `latency` entries; [] clears).
        Each rule's draws start again from its seed."""
        from ..latency import rule_problems
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            raise ControlError("latency rules are a list such as "
                               "[{method: PlaceLimitOrder, request: 50ms}]")
        base_dir = self.scenario.base_dir if self.scenario else None
        errors = []
        for i, spec in enumerate(rules):
            if not isinstance(spec, dict):
                errors.append(f"[{i}]: a rule is an object")
                continue
            errors += [f"[{i}].{'.'.join(map(str, e.absolute_path)) or 'rule'}: {_said(e)}"
                       for e in def_validator("latencyRule").iter_errors(spec)]
            if not errors:
                errors += [f"[{i}].{'.'.join(map(str, p)) or 'rule'}: {m}"
                           for p, m in rule_problems(spec, base_dir)]
        if errors:
            raise ControlError("; ".join(errors))
        latency_rules = [jsonable(r) for r in rules]
        self.journal.record(self.now(), "latency", {"rules": latency_rules})
        self.latency_rules = latency_rules
        self._set_plan(self.exchange)
        return self.latency()

    def clear_latency(self) -> list[dict]:
        return self.set_latency([])

    # --- time -------------------------------------------------------------------------
    def now(self) -> int:
        return self.exchange.clock.now()

    def time(self) -> dict:
        clock = self.exchange.clock
        now = clock.now()
        out = {"now": now, "iso": format_time(now), "mode": clock.mode,
               "start": clock.start_ms, "elapsed": now - clock.start_ms,
               "nextTimer": clock.next_due()}
        if clock.tracks_activity:
            out["until"] = clock.limit
        if clock.mode != "virtual":
            out["paused"] = clock.paused
        if hasattr(clock, "speed"):
            out["speed"] = clock.speed
        return out

    def advance(self, ms=None, to=None) -> dict:
        """Virtual time: move by ms (int or duration text) or to a clock time, running every
        timer due on the way, in order."""
        clock = self.exchange.clock
        try:
            if to is not None:
                ran = clock.advance_to(parse_at(to, clock.start_ms))
            else:
                ran = clock.advance(parse_duration(ms if ms is not None else 0))
        except ClockError as e:
            raise ControlError(str(e)) from None
        except (ValueError, TypeError) as e:
            raise ControlError(f"{'to' if to is not None else 'ms'}: {e}") from None
        self.journal.clock(self.exchange.clock.now())
        return {**self.time(), "timersRun": ran}

    def pause(self) -> dict:
        """Stop a realtime or lockstep clock where it is (journaled as a `clock` entry)."""
        return self._clock_change("pause", {"paused": True})

    def resume(self) -> dict:
        return self._clock_change("resume", {"paused": False})

    def set_speed(self, speed) -> dict:
        """A realtime clock's pace from now on (2 = twice as fast)."""
        try:
            value = float(speed)
        except (TypeError, ValueError):
            raise ControlError(f"speed must be a number, got {speed!r}") from None
        if not 0 < value < float("inf"):
            raise ControlError("speed must be positive")
        return self._clock_change("set_speed", {"speed": value}, value)

    def _clock_change(self, method: str, note: dict, *args) -> dict:
        clock = self.exchange.clock
        try:
            getattr(clock, method)(*args)
        except ClockError as e:
            raise ControlError(str(e)) from None
        self.journal.record(clock.now(), "clock", note)   # replay ignores a clock entry's args
        self.driver.kick()
        return self.time()

    # --- trading as any account -------------------------------------------------------
    def account(self, name: str):
        try:
            return self.exchange.account(_text(name, "account"))
        except KeyError:
            raise ControlError(f"unknown account {shown(name)}", 404) from None

    def _engine(self, fn, *args, **kwargs):
        try:
            if self.tracker is None:
                return fn(*args, **kwargs)
            with self.tracker.acting("control"):
                return fn(*args, **kwargs)
        except ApiError as e:
            raise ControlError(e.message, 400, int(e.code)) from None
        except ServerCrash as e:
            raise ControlError(f"the engine failed: {e}") from None
        except ValueError as e:
            raise ControlError(str(e)) from None

    def place_limit(self, account: str, pair_id: str, side, volume, price) -> str:
        pair_id = _text(pair_id, "assetPairId")
        return self._engine(self.exchange.place_limit, self.account(account), pair_id,
                            _side(side), _dec(volume, "volume"), _dec(price, "price"))

    def place_market(self, account: str, pair_id: str, side, volume) -> tuple[str, float]:
        pair_id = _text(pair_id, "assetPairId")
        return self._engine(self.exchange.place_market, self.account(account), pair_id,
                            _side(side), _dec(volume, "volume"))

    def place_bulk(self, account: str, pair_id: str, orders: list, cancel_previous=False,
                   cancel_mode=None):
        pair_id = _text(pair_id, "assetPairId")
        if not isinstance(orders, list):
            raise ControlError(f"orders must be a list, got {shown(orders)}")
        if cancel_previous is None:
            cancel_previous = False
        if not isinstance(cancel_previous, bool):
            raise ControlError(f"cancelPreviousOrders must be true or false, got "
                               f"{shown(cancel_previous)}")
        if cancel_mode is not None and cancel_mode not in CANCEL_MODES:
            raise ControlError(f"cancelMode must be one of {', '.join(CANCEL_MODES)}")
        items = []
        for o in orders or []:
            if not isinstance(o, dict):
                raise ControlError("each bulk order is an object {side, volume, price, oldId}")
            items.append(BulkItem(_side(o.get("side")), _dec(o.get("volume"), "volume"),
                                  _dec(o.get("price"), "price"),
                                  _text(o.get("oldId"), "oldId", optional=True)))
        return self._engine(self.exchange.place_bulk, self.account(account), pair_id, items,
                            cancel_previous, cancel_mode)

    def cancel_order(self, order_id: str, account: str | None = None) -> None:
        order = self.exchange.history.orders.get(order_id)
        if order is None:
            raise ControlError(f"unknown order {shown(order_id)}", 404)
        acc = (self.account(account) if account is not None
               else self.exchange.accounts[order.wallet_id])
        self._engine(self.exchange.cancel_order, acc, order_id)

    def cancel_all(self, account: str, pair_id: str | None = None, side=None) -> int:
        return self._engine(self.exchange.cancel_all, self.account(account), pair_id or None,
                            _side(side) if side is not None else None)

    def set_balance(self, account: str, asset_id: str, amount) -> None:
        self._asset(asset_id)
        self._engine(self.exchange.set_balance, self.account(account), asset_id,
                     _dec(amount, "amount"))

    def deposit(self, account: str, asset_id: str, amount) -> str:
        self._asset(asset_id)
        return self._engine(self.exchange.deposit, self.account(account), asset_id,
                            _dec(amount, "amount"))

    def _asset(self, asset_id: str) -> None:
        if _text(asset_id, "assetId") not in self.exchange.reference.assets:
            raise ControlError(f"unknown asset {shown(asset_id)}", 404)

    def set_account(self, account: str, flags: dict) -> dict:
        """Account flags: blocked, kycRequired, pendingDialogs (booleans), depositState."""
        acc = self.account(account)
        unknown = set(flags) - set(ACCOUNT_FLAGS) - {"depositState"}
        if unknown:
            raise ControlError(f"unknown account flag(s): {', '.join(sorted(unknown))}")
        for key, value in flags.items():
            if key != "depositState" and not isinstance(value, bool):
                raise ControlError(f"{key} must be true or false")
        state = flags.get("depositState", acc.deposit_state)
        if state not in (None, "Creating", "Active", "Blocked"):
            raise ControlError("depositState must be null, Creating, Active or Blocked")
        self.journal.record(self.now(), "set_account", {"account": account, "flags": flags})
        set_flags(acc, flags)       # (journaled first: a line that fails changes nothing)
        acc.deposit_state = state
        return self.describe_account(acc)

    def describe_account(self, acc) -> dict:
        return {"name": acc.name, "apiKey": acc.api_key, "walletId": acc.wallet_id,
                "clientId": acc.client_id, "blocked": acc.blocked,
                "kycRequired": acc.kyc_required, "pendingDialogs": acc.pending_dialogs,
                "depositState": acc.deposit_state,
                "balances": {b.asset_id: {"total": str(b.total), "reserved": str(b.reserved)}
                             for b in self.exchange.balances(acc, truncated=False)}}

    def accounts(self) -> list[dict]:
        return [self.describe_account(a) for a in self.exchange.accounts.values()
                if a.api_key]

    # --- the simulated market ---------------------------------------------------------
    def market(self) -> list[dict]:
        return [p.describe() for p in self.participants]

    def set_mid(self, pair_id: str, mid) -> list[dict]:
        makers = [p for p in self.participants
                  if p.kind == "marketMaker" and p.pair.pair_id == pair_id]
        if not makers:
            raise ControlError(f"no market maker quotes {pair_id!r}", 404)
        value = _dec(mid, "mid")
        if value <= 0:
            raise ControlError("mid must be positive")
        for maker in makers:
            maker.set_mid(value)
        return [m.describe() for m in makers]

    # --- faults -----------------------------------------------------------------------
    def _injector(self) -> FaultInjector:
        if self.faults is None:
            ex = self.exchange
            self.faults = FaultInjector(ex.clock.now, ex.ids.rng, ex.clock.start_ms)
            self.mock.faults = self.faults
        return self.faults

    def check_fault(self, spec: dict) -> None:
        """Raise ControlError if spec is not a valid fault (the scenario's `faults` shape)."""
        if not isinstance(spec, dict):
            raise ControlError("a fault is an object such as {method: ..., grpcStatus: ...}")
        errors = [f"{'.'.join(map(str, e.absolute_path)) or 'fault'}: {_said(e)}"
                  for e in def_validator("fault").iter_errors(spec)]
        if not errors:
            errors = [f"{'.'.join(map(str, p)) or 'fault'}: {m}" for p, m in fault_problems(spec)]
        if errors:
            raise ControlError("; ".join(errors))

    def add_fault(self, spec: dict) -> dict:
        """Add one fault (the scenario's `faults` entry shape); returns it with its id."""
        self.check_fault(spec)
        fault = self._injector().add(spec)
        self._fault_note({"op": "add", "id": fault.id, "fault": fault.spec})
        return fault.describe()

    def faults_list(self) -> list[dict]:
        return self._injector().describe()

    def remove_fault(self, fault_id: int) -> None:
        if not self._injector().remove(fault_id):
            raise ControlError(f"unknown fault {fault_id!r}", 404)
        self._fault_note({"op": "remove", "id": fault_id})

    def clear_faults(self) -> None:
        self._injector().clear()
        self._fault_note({"op": "clear"})

    def _fault_note(self, args: dict) -> None:
        """A `fault` entry, which replay skips: so a `clock` entry first if the clock moved
        since the last entry (else a replay could stop short of a time only the note shows)."""
        now = self.now()
        self.journal.clock(now)
        self.journal.record(now, "fault", args)

    # --- quirks -----------------------------------------------------------------------
    def quirks(self) -> dict:
        return self.exchange.quirks.as_dict()

    def set_quirks(self, overrides: dict) -> dict:
        if not isinstance(overrides, dict):
            raise ControlError("quirks are an object {quirk-id: true|false}")
        unknown = sorted(set(overrides) - set(QUIRKS))
        if unknown:
            raise ControlError(f"unknown quirk(s): {', '.join(unknown)}", 404)
        if any(not isinstance(v, bool) for v in overrides.values()):
            raise ControlError("quirk values are true or false")
        self.journal.record(self.now(), "set_quirks", {"quirks": overrides})
        self.exchange.quirks.update(overrides)
        return self.quirks()

    # --- records ----------------------------------------------------------------------
    def journal_entries(self, since: int = 0, limit: int = 1000) -> dict:
        entries = self.journal.read(since, limit)
        return {"header": self.journal.header, "entries": entries,
                "next": entries[-1]["n"] if entries else since}

    def snapshot(self) -> dict:
        return snapshot(self.exchange)

    def health(self) -> dict:
        clock = self.exchange.clock
        return {"status": "ok", "serving": self.serving, "scenario":
                self.scenario.name if self.scenario else None, "clock": clock.describe(),
                "participants": len(self.participants), "warnings": list(self.warnings)}


def build_mock(scenario: Scenario | None = None, *, seed: int | None = None,
               clock_mode: str | None = None, speed: float | None = None,
               journal_path=None, clock_options: dict | None = None, track=None,
               header: dict | None = None, probe: str | None = "server") -> Mock:
    """The whole world of a scenario (the embedded default if None) in a Mock, ready for
    MockServer: the controller is `mock.controller`, its start/stop/close are the on_start/
    on_stop/on_closed hooks (the clock starts and its driver runs while the server serves; the
    journal closes after the fronts). The keywords after
    journal_path are the Controller's."""
    from .loader import default_scenario
    mock = Mock(exchange=None)
    controller = Controller(mock, scenario or default_scenario(), seed=seed,
                            clock_mode=clock_mode, speed=speed, journal=Journal(journal_path),
                            clock_options=clock_options, track=track, header=header,
                            probe=probe)
    mock.on_start.append(controller.start)
    mock.on_stop.append(controller.stop)
    mock.on_closed.append(controller.close)
    return mock
