"""Shared helpers for the scenario, market, journal, control and CLI tests (no tests here)."""
from __future__ import annotations

from pathlib import Path

from mock_lykke.scenario import build_mock, load_file, load_text

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
START = 1_767_225_600_000          # 2026-01-01T00:00:00Z

BASIC = """
version: 1
seed: 7
clock: {start: "2026-01-01T00:00:00Z", mode: virtual}
assets:
  - {assetId: BTC, name: Bitcoin, accuracy: 8}
  - {assetId: USD, name: US Dollar, accuracy: 2}
assetPairs:
  - {assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 3,
     minVolume: "0.0001", minOppositeVolume: "1"}
accounts:
  - {name: trader, apiKey: trader-key, balances: {BTC: "2", USD: "50000"}}
  - {name: market, apiKey: market-key, balances: {BTC: "100", USD: "1000000"}}
"""


def world(text: str = "", base_dir=None, **kwargs):
    """A controller over the BASIC world plus extra YAML sections."""
    mock = build_mock(load_text(BASIC + text, "<test>", base_dir), **kwargs)
    return mock.controller


def example(name: str, **kwargs):
    """A controller over one of the example scenarios in scenarios/."""
    return build_mock(load_file(SCENARIOS / name), **kwargs).controller
