"""What a test asks for (scenario, seed, clock, quirks, TLS, wait timeout), and the per-process
caches that make asking cheap: a scenario is read and validated once, a TLS CA made once."""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from ..engine.clock import CLOCKS
from ..engine.quirks import QUIRKS
from ..scenario.loader import Scenario, default_scenario, from_dict, load_file

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Options:
    scenario: Any = None                    # a path, a dict, a Scenario, or None: the default
    seed: int | None = None                 # None: the scenario's seed
    clock: str = "virtual"                  # "virtual" (moves when advanced), "realtime", "lockstep"
    speed: float | None = None              # realtime: clock ms per wall ms
    quirks: Mapping[str, bool] | None = None  # switches over the scenario's own
    tls: bool = False                       # serve TLS with a throwaway CA
    timeout: float = DEFAULT_TIMEOUT        # default wait timeout, seconds
    base_dir: Path | None = None            # where relative scenario paths start

    @classmethod
    def of(cls, **kwargs) -> "Options":
        """Options from keyword arguments, each checked (unknown names are an error)."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise TypeError(f"unknown mock option(s) {', '.join(unknown)}; "
                            f"the options are: {', '.join(names)}")
        opts = cls(**kwargs)
        if opts.clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {opts.clock!r}")
        if opts.speed is not None and opts.speed <= 0:
            raise ValueError("speed must be positive")
        if opts.timeout <= 0:
            raise ValueError("timeout must be positive")
        check_quirks(opts.quirks)
        return opts

    def scenario_model(self) -> Scenario:
        return scenario_for(self.scenario, self.quirks, self.base_dir)


def check_quirks(quirks: Mapping | None) -> None:
    if not quirks:
        return
    if not isinstance(quirks, Mapping):
        raise TypeError("quirks is a mapping {quirk-id: True|False}")
    unknown = sorted(set(quirks) - set(QUIRKS))
    if unknown:
        raise ValueError(f"unknown quirk(s): {', '.join(unknown)}")
    if any(not isinstance(v, bool) for v in quirks.values()):
        raise ValueError("quirk values are True or False")


# --- scenarios, read once per process -----------------------------------------------------
_scenarios: dict = {}
_lock = threading.Lock()


def resolve_path(spec, base_dir: Path | None) -> Path:
    """A scenario path: absolute; else relative to base_dir (the test file's folder), else to
    the current directory."""
    path = Path(spec)
    if path.is_absolute():
        return path
    tried = [Path(base_dir) / path] if base_dir is not None else []
    tried.append(Path.cwd() / path)
    for candidate in tried:
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(f"scenario {str(spec)!r} not found (looked in "
                            f"{', '.join(str(t.parent) for t in tried)})")


def _key(spec, base_dir) -> tuple | None:
    if spec is None:
        return ("default",)
    if isinstance(spec, (str, Path)):
        return ("file", str(resolve_path(spec, base_dir)))
    if isinstance(spec, Mapping):
        return ("dict", json.dumps(spec, sort_keys=True, default=str), str(base_dir))
    return None


def _load(spec, base_dir) -> Scenario:
    if spec is None:
        return default_scenario()
    if isinstance(spec, Scenario):
        return spec
    if isinstance(spec, (str, Path)):
        return load_file(resolve_path(spec, base_dir))
    if isinstance(spec, Mapping):
        return from_dict(dict(spec), "<scenario dict>", base_dir)
    raise TypeError(f"a scenario is a path, a dict or a Scenario, got {type(spec).__name__}")


def _with_quirks(scenario: Scenario, quirks: Mapping) -> Scenario:
    data = dict(scenario.data)
    data["quirks"] = {**(data.get("quirks") or {}), **quirks}
    return Scenario(data, scenario.name, scenario.base_dir)


def scenario_for(spec=None, quirks: Mapping | None = None,
                 base_dir: Path | None = None) -> Scenario:
    """The validated Scenario for spec (a path, dict, Scenario or None for the default), with
    quirks switched over its own. Read and validated once per process; the same object after."""
    check_quirks(quirks)
    base = _key(spec, base_dir)
    if base is None:                              # a Scenario object: nothing to read
        return _with_quirks(spec, quirks) if quirks else _load(spec, base_dir)
    key = (base, tuple(sorted((quirks or {}).items())))
    found = _scenarios.get(key)
    if found is None:
        with _lock:
            found = _scenarios.get(key)
            if found is None:
                plain = _scenarios.get((base, ()))
                if plain is None:
                    plain = _scenarios[(base, ())] = _load(spec, base_dir)
                found = _with_quirks(plain, quirks) if quirks else plain
                _scenarios[key] = found
    return found


# --- TLS material, made once per process ----------------------------------------------------
_tls = None


def tls_material():
    """A throwaway CA and a certificate for localhost (mock_lykke.tls), made on first use; its
    CA file lives in a private temporary folder removed at exit."""
    global _tls
    if _tls is None:
        with _lock:
            if _tls is None:
                from ..tls import make_tls
                folder = tempfile.mkdtemp(prefix="mock-lykke-ca-")
                atexit.register(shutil.rmtree, folder, True)
                _tls = make_tls(directory=folder)
    return _tls
