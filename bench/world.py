"""The benchmarks' world, built with the engine API: BTCUSD, ETHUSD and `n` funded accounts
whose API keys are `bench-key-<i>`; virtual clock, no market participants."""
from __future__ import annotations

from decimal import Decimal

from mock_lykke.engine import Exchange
from mock_lykke.engine.clock import VirtualClock
from mock_lykke.engine.reference import Asset, AssetPair

PAIR = "BTCUSD"


def key(i: int) -> str:
    return f"bench-key-{i}"


def world(accounts: int = 4, seed: int = 1) -> Exchange:
    ex = Exchange(clock=VirtualClock(), seed=seed)
    ex.add_asset(Asset("BTC", "Bitcoin", "BTC", 8))
    ex.add_asset(Asset("ETH", "Ethereum", "ETH", 8))
    ex.add_asset(Asset("USD", "US Dollar", "USD", 2))
    ex.add_pair(AssetPair("BTCUSD", "BTC", "USD", "BTC/USD", 3, Decimal("0.0001"), Decimal("1")))
    ex.add_pair(AssetPair("ETHUSD", "ETH", "USD", "ETH/USD", 2, Decimal("0.001"), Decimal("1")))
    for i in range(accounts):
        ex.add_account(f"a{i}", key(i), {"BTC": Decimal("1000000"), "ETH": Decimal("1000000"),
                                         "USD": Decimal("10000000000")})
    return ex
