"""Scenario files: YAML -> validated model -> an engine set up and driven by it."""
from .loader import build_exchange, default_scenario, load_file

__all__ = ["build_exchange", "default_scenario", "load_file"]
