"""A small exchange for engine tests: BTCUSD (price accuracy 3) and ETHBTC, two traders."""
from decimal import Decimal as D

from mock_lykke.engine import Exchange
from mock_lykke.engine.clock import VirtualClock
from mock_lykke.engine.reference import Asset, AssetPair


def make_exchange(seed: int = 1, **fees) -> Exchange:
    ex = Exchange(clock=VirtualClock(1_767_225_600_000), seed=seed)
    ex.add_asset(Asset("BTC", "Bitcoin", "BTC", 8))
    ex.add_asset(Asset("USD", "US Dollar", "USD", 2))
    ex.add_asset(Asset("ETH", "Ethereum", "ETH", 6))
    ex.add_pair(AssetPair("BTCUSD", "BTC", "USD", "BTC/USD", 3, D("0.0001"), D("1")))
    ex.add_pair(AssetPair("ETHBTC", "ETH", "BTC", "ETH/BTC", 5, D("0.001"), D("0.0001")))
    ex.add_account("alice", "key-alice", {"BTC": D("10"), "USD": D("100000"), "ETH": D("50")},
                   maker_fee=fees.get("maker", D(0)), taker_fee=fees.get("taker", D(0)))
    ex.add_account("bob", "key-bob", {"BTC": D("10"), "USD": D("100000"), "ETH": D("50")})
    return ex


def bal(ex, name, asset):
    b = ex.account(name).balances[asset]
    return b.total, b.reserved
