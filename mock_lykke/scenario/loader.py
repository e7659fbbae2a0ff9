"""Build an Exchange from a scenario mapping (minimal loader; validation comes with issue 5)."""
from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import yaml

from ..engine import Exchange
from ..engine.clock import DEFAULT_START, RealtimeClock, VirtualClock, parse_time
from ..engine.quirks import Quirks
from ..engine.reference import Asset, AssetPair


def default_scenario() -> dict:
    text = resources.files("mock_lykke").joinpath("scenarios/default.yaml").read_text()
    return yaml.safe_load(text)


def load_file(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text())


def build_exchange(scenario: dict, seed: int | None = None, clock_mode: str | None = None,
                   speed: float = 1.0) -> Exchange:
    clock_cfg = scenario.get("clock") or {}
    start = parse_time(clock_cfg.get("start", DEFAULT_START))
    mode = clock_mode or clock_cfg.get("mode", "virtual")
    clock = RealtimeClock(start, speed) if mode == "realtime" else VirtualClock(start)
    ex = Exchange(clock=clock, seed=scenario.get("seed", 0) if seed is None else seed,
                  quirks=Quirks(scenario.get("quirks") or {}))
    for a in scenario.get("assets", []):
        ex.add_asset(Asset(a["assetId"], a.get("name", a["assetId"]),
                           a.get("symbol", a["assetId"]), int(a["accuracy"])))
    for p in scenario.get("assetPairs", []):
        ex.add_pair(AssetPair(p["assetPairId"], p["baseAssetId"], p["quoteAssetId"],
                              p.get("name", p["assetPairId"]), int(p["priceAccuracy"]),
                              Decimal(str(p.get("minVolume", "0"))),
                              Decimal(str(p.get("minOppositeVolume", "0"))),
                              bool(p.get("disabled", False))))
    for acc in scenario.get("accounts", []):
        fees = acc.get("fees") or {}
        ex.add_account(acc["name"], acc["apiKey"],
                       {k: Decimal(str(v)) for k, v in (acc.get("balances") or {}).items()},
                       maker_fee=Decimal(str(fees.get("maker", "0"))),
                       taker_fee=Decimal(str(fees.get("taker", "0"))))
    for o in scenario.get("orders", []):
        ex.place_limit(ex.account(o["account"]), o["assetPairId"], o["side"],
                       Decimal(str(o["volume"])), Decimal(str(o["price"])))
    return ex
