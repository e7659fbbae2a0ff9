"""hypothesis strategies for property-testing a bot against the mock.

    from mock_lykke.strategies import limit_orders
    WORLD = Path(__file__).with_name("world.yaml")

    @given(order=limit_orders(WORLD, pair_id="BTCUSD"))
    def test_my_bot(lykke, order): ...

Every order drawn respects the pair's price accuracy, the base asset's accuracy and the
pair's minimum volume, so the mock accepts it unless funds or liquidity say otherwise. The
first argument says whose pairs: a scenario (a path, a dict, a Scenario; None: the embedded
default) or an engine Exchange. Orders are dicts in the API's field names, decimals as
strings: the REST body as is, and `privateService_pb2.LimitOrderRequest(**order)` for gRPC.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from .engine import Exchange
from .engine.numbers import quantum

SIDES = ("buy", "sell")
_exchanges: dict[int, tuple] = {}


def _exchange(source) -> Exchange:
    """The engine whose reference data (and resting orders) the strategies read."""
    if isinstance(source, Exchange):
        return source
    from .scenario.controller import build_mock
    from .testing.options import scenario_for
    scenario = scenario_for(source)                # read and validated once per process
    found = _exchanges.get(id(scenario))
    if found is None or found[0] is not scenario:  # the world at load, market makers' quotes too
        exchange = build_mock(scenario, clock_mode="virtual").exchange
        found = _exchanges[id(scenario)] = (scenario, exchange)
    return found[1]


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _pairs(exchange: Exchange, pair_id: str | None):
    pairs = exchange.reference.visible_pairs()
    if pair_id is not None:
        pairs = [p for p in pairs if p.pair_id == pair_id]
        if not pairs:
            raise ValueError(f"no listed pair {pair_id!r}")
    return pairs


def _mid(exchange: Exchange, pair_id: str) -> Decimal:
    """The pair's mid price at load (best bid and ask: resting orders, market makers' quotes),
    else the one side there is."""
    book = exchange.orderbook(pair_id, 1)
    best = [side[0][0] for side in (book.bids, book.asks) if side]
    if not best:
        raise ValueError(f"{pair_id} has no resting orders to take a price from: pass around=")
    return sum(best) / len(best)


def pair_ids(source=None) -> st.SearchStrategy[str]:
    """The ids of the listed pairs."""
    return st.sampled_from([p.pair_id for p in _pairs(_exchange(source), None)])


def volumes(source, pair_id: str, max_volume="10") -> st.SearchStrategy[Decimal]:
    """Volumes from the pair's minimum to max_volume, on the base asset's accuracy grid."""
    exchange = _exchange(source)
    pair = exchange.reference.pair(pair_id)
    step = quantum(exchange.reference.assets[pair.base].accuracy)
    low = max(1, int(-(-pair.min_volume // step)))
    high = max(low, int(Decimal(max_volume) / step))
    return st.integers(low, high).map(lambda n: n * step)


def prices(source, pair_id: str, around=None, spread="0.1") -> st.SearchStrategy[Decimal]:
    """Prices within ±spread (a fraction) of `around` (default: the pair's mid at load), on
    the pair's price accuracy grid."""
    exchange = _exchange(source)
    pair = exchange.reference.pair(pair_id)
    step = quantum(pair.price_accuracy)
    mid = Decimal(around) if around is not None else _mid(exchange, pair_id)
    width = mid * Decimal(spread)
    low = max(1, int((mid - width) / step))
    high = max(low, int((mid + width) / step))
    return st.integers(low, high).map(lambda n: n * step)


@st.composite
def limit_orders(draw, source=None, pair_id: str | None = None, around=None, spread="0.1",
                 max_volume="10", side: str | None = None):
    """A limit order: {"assetPairId", "side", "price", "volume"}."""
    exchange = _exchange(source)
    pair = draw(st.sampled_from(_pairs(exchange, pair_id)))
    return {"assetPairId": pair.pair_id, "side": side or draw(st.sampled_from(SIDES)),
            "price": _text(draw(prices(exchange, pair.pair_id, around, spread))),
            "volume": _text(draw(volumes(exchange, pair.pair_id, max_volume)))}


@st.composite
def market_orders(draw, source=None, pair_id: str | None = None, max_volume="10",
                  side: str | None = None):
    """A market order: {"assetPairId", "side", "volume"}."""
    exchange = _exchange(source)
    pair = draw(st.sampled_from(_pairs(exchange, pair_id)))
    return {"assetPairId": pair.pair_id, "side": side or draw(st.sampled_from(SIDES)),
            "volume": _text(draw(volumes(exchange, pair.pair_id, max_volume)))}


@st.composite
def bulk_orders(draw, source=None, pair_id: str | None = None, around=None, spread="0.1",
                max_volume="10", max_orders: int = 5):
    """A bulk request: {"assetPairId", "orders": [{"side", "price", "volume"}],
    "cancelPreviousOrders"} with 1..max_orders orders on one pair."""
    exchange = _exchange(source)
    pair = draw(st.sampled_from(_pairs(exchange, pair_id)))
    one = limit_orders(exchange, pair.pair_id, around, spread, max_volume)
    orders = draw(st.lists(one, min_size=1, max_size=max_orders))
    return {"assetPairId": pair.pair_id, "cancelPreviousOrders": draw(st.booleans()),
            "orders": [{k: o[k] for k in ("side", "price", "volume")} for o in orders]}
