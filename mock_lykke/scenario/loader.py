"""Loading scenarios: a file (or text, or a dict) -> a validated Scenario; and the embedded
default used when no file is given."""
from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from ..engine import Exchange
from ..engine.clock import DEFAULT_START, RealtimeClock, VirtualClock, parse_time, wall_now_ms
from .build import place_resting, setup_exchange
from .source import Problem, ScenarioError, Source, parse_yaml, read_yaml
from .validate import check_source
from .values import duration_ms, parse_at

DEFAULT_NAME = "<default scenario>"


@dataclass
class Scenario:
    """A validated scenario: its data (as loaded), where it came from, and its settings.

    `data` is not changed in place once loaded (to_json() is computed once): to change a
    scenario, make a new one over a changed copy."""
    data: dict
    name: str = "<scenario>"
    base_dir: Path | None = None          # data files of replay participants are relative to it
    _json: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def seed(self) -> int:
        return int(self.data.get("seed", 0))

    @property
    def clock_mode(self) -> str:
        return (self.data.get("clock") or {}).get("mode", "virtual")

    @property
    def speed(self) -> float:
        return float((self.data.get("clock") or {}).get("speed", 1))

    @property
    def clock_options(self) -> dict:
        """Lockstep settings of `clock`: quiet / warmup in ms (as given)."""
        clock = self.data.get("clock") or {}
        return {key: float(duration_ms(clock[key])) for key in ("quiet", "warmup")
                if key in clock}

    def until_ms(self, start_ms: int) -> int | None:
        """`clock.until` (the scenario's end) as a clock time, or None."""
        until = (self.data.get("clock") or {}).get("until")
        return parse_at(until, start_ms) if until is not None else None

    @property
    def latency(self) -> list[dict]:
        return list(self.data.get("latency") or [])

    def start_ms(self, mode: str | None = None) -> int:
        """The clock's start: as given; else the wall clock for realtime; else the default."""
        start = (self.data.get("clock") or {}).get("start")
        if start is not None:
            return parse_time(start)
        return wall_now_ms() if (mode or self.clock_mode) == "realtime" else DEFAULT_START

    def accounts(self) -> list[dict]:
        return [{"name": a["name"], "apiKey": a["apiKey"]} for a in self.data["accounts"]]

    def to_json(self) -> dict:
        """The data with decimals as strings (JSON-safe); a fresh copy on every call."""
        if self._json is None:                 # made once, copied by a pickle round trip
            self._json = pickle.dumps(jsonable(self.data), pickle.HIGHEST_PROTOCOL)
        return pickle.loads(self._json)


NUMBER_KEYS = {"probability", "speed", "cashoutMinimalAmount", "lowVolumeAmount", "sigma"}


def jsonable(value, key=None):
    """Decimals become strings, except in the few fields the schema types as numbers."""
    if isinstance(value, Decimal):
        return float(value) if key in NUMBER_KEYS else str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v, key) for v in value]
    return value


def _from_source(src: Source, base_dir: Path | None) -> Scenario:
    problems = check_source(src, base_dir)
    if problems:
        raise ScenarioError(problems)
    return Scenario(src.data, src.name, base_dir)


def load_file(path: str | Path, overrides: list[tuple[str, object]] | None = None) -> Scenario:
    """Read and validate a scenario file; ScenarioError lists every problem (file:line).
    overrides: (PATH, value) pairs set before validation (scenario/overrides.py; their
    problems name the `--set`)."""
    path = Path(path)
    src = read_yaml(path)
    if not overrides or src.data is None or src.problems:
        return _from_source(src, path.resolve().parent)
    from .overrides import apply, blame
    data, problems = apply(src.data, overrides) if isinstance(src.data, dict) else (src.data, [])
    if problems:
        raise ScenarioError(problems)
    src = Source(src.name, data, src.lines)
    problems = blame(src, check_source(src, path.resolve().parent), overrides)
    if problems:
        raise ScenarioError(problems)
    return Scenario(data, src.name, path.resolve().parent)


def load_text(text: str, name: str = "<text>", base_dir: str | Path | None = None) -> Scenario:
    return _from_source(parse_yaml(text, name), Path(base_dir) if base_dir else None)


def from_dict(data: dict, name: str = "<dict>", base_dir: str | Path | None = None) -> Scenario:
    """Validate a scenario given as a Python mapping (problems point at line 1)."""
    return _from_source(Source(name, data), Path(base_dir) if base_dir else None)


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of a scenario file (empty: it is valid)."""
    path = Path(path)
    return check_source(read_yaml(path), path.resolve().parent)


_default: bytes | None = None           # the default scenario's validated data, pickled
_default_lock = threading.Lock()


def default_scenario() -> Scenario:
    """The embedded default, read and validated once per process; each call returns a fresh
    Scenario over its own copy of the data (a pickle round trip: a deep copy, in C)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                text = resources.files("mock_lykke").joinpath("scenarios/default.yaml")
                scenario = load_text(text.read_text(), DEFAULT_NAME)
                _default = pickle.dumps(scenario.data, pickle.HIGHEST_PROTOCOL)
    return Scenario(pickle.loads(_default), DEFAULT_NAME)


def build_exchange(scenario: Scenario | dict, seed: int | None = None,
                   clock_mode: str | None = None, speed: float = 1.0) -> Exchange:
    """An engine with the scenario's reference data, accounts and resting orders (no market
    participants, timeline or faults: see build_mock for the whole world)."""
    if not isinstance(scenario, Scenario):
        scenario = from_dict(scenario)
    mode = clock_mode or scenario.clock_mode
    start = scenario.start_ms(mode)
    clock = RealtimeClock(start, speed) if mode == "realtime" else VirtualClock(start)
    ex = setup_exchange(scenario.data, clock, scenario.seed if seed is None else seed)
    for spec in scenario.data.get("orders") or []:
        place_resting(ex, spec)
    return ex
