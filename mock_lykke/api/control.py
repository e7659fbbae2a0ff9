"""The control API under /_mock (filled in by the scenarios issue)."""
from __future__ import annotations


def add_control_routes(app, mock) -> None:
    """Add the /_mock/... routes to the REST application."""
