"""Scenario files: YAML -> validated model -> an engine set up and driven by it.

The names below load lazily (market/ and journal.py use submodules of this package)."""
from importlib import import_module

_EXPORTS = {
    "Controller": "controller", "ControlError": "controller", "build_mock": "controller",
    "Scenario": "loader", "build_exchange": "loader", "check_file": "loader",
    "default_scenario": "loader", "from_dict": "loader", "load_file": "loader",
    "load_text": "loader", "snapshot_bytes": "snapshot",
    "Problem": "source", "ScenarioError": "source",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
