"""hypothesis strategies for property-testing a bot against the mock.

    from mock_lykke.strategies import limit_orders
    @given(order=limit_orders(lykke.exchange, pair_id="BTCUSD", around="10000"))
    def test_my_bot(order): ...

Every order drawn respects the pair's price accuracy, the base asset's accuracy and the
pair's minimum volume, so the mock accepts it unless funds or liquidity say otherwise.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from .engine import Exchange
from .engine.numbers import quantum


def _pairs(exchange: Exchange, pair_id: str | None):
    pairs = exchange.reference.visible_pairs()
    if pair_id is not None:
        pairs = [p for p in pairs if p.pair_id == pair_id]
        if not pairs:
            raise ValueError(f"no listed pair {pair_id!r}")
    return pairs


def volumes(exchange: Exchange, pair_id: str, max_volume="10") -> st.SearchStrategy[Decimal]:
    """Volumes from the pair's minimum to max_volume, on the base asset's accuracy grid."""
    pair = exchange.reference.pair(pair_id)
    step = quantum(exchange.reference.assets[pair.base].accuracy)
    low = max(1, int(-(-pair.min_volume // step)))
    high = max(low, int(Decimal(max_volume) / step))
    return st.integers(low, high).map(lambda n: n * step)


def prices(exchange: Exchange, pair_id: str, around="1", spread="0.1") -> st.SearchStrategy[Decimal]:
    """Prices within ±spread (a fraction) of `around`, on the pair's price accuracy grid."""
    pair = exchange.reference.pair(pair_id)
    step = quantum(pair.price_accuracy)
    mid, width = Decimal(around), Decimal(around) * Decimal(spread)
    low = max(1, int((mid - width) / step))
    high = max(low, int((mid + width) / step))
    return st.integers(low, high).map(lambda n: n * step)


@st.composite
def limit_orders(draw, exchange: Exchange, pair_id: str | None = None, around="1",
                 spread="0.1", max_volume="10"):
    """A limit order as the REST body / gRPC request fields (decimals as strings)."""
    pair = draw(st.sampled_from(_pairs(exchange, pair_id)))
    return {"assetPairId": pair.pair_id, "side": draw(st.sampled_from(["buy", "sell"])),
            "price": str(draw(prices(exchange, pair.pair_id, around, spread))),
            "volume": str(draw(volumes(exchange, pair.pair_id, max_volume)))}


@st.composite
def market_orders(draw, exchange: Exchange, pair_id: str | None = None, max_volume="10"):
    pair = draw(st.sampled_from(_pairs(exchange, pair_id)))
    return {"assetPairId": pair.pair_id, "side": draw(st.sampled_from(["buy", "sell"])),
            "volume": str(draw(volumes(exchange, pair.pair_id, max_volume)))}
