from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_lykke.engine import ApiError
from mock_lykke.scenario import build_exchange, default_scenario
from mock_lykke.strategies import limit_orders, market_orders

EX = build_exchange(default_scenario(), clock_mode="virtual")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_drawn_limit_orders_pass_validation_except_funds(data):
    ex = build_exchange(default_scenario(), clock_mode="virtual")
    order = data.draw(limit_orders(EX, around="10000", spread="0.05", max_volume="0.5",
                                   pair_id="BTCUSD"))
    try:
        ex.place_limit(ex.account("market"), order["assetPairId"], order["side"],
                       D(order["volume"]), D(order["price"]))
    except ApiError as e:
        raise AssertionError(f"{order} rejected: {e!r}")


@settings(max_examples=50, deadline=None)
@given(order=market_orders(EX, max_volume="0.001"))
def test_drawn_market_orders_respect_min_volume_and_accuracy(order):
    pair = EX.reference.pair(order["assetPairId"])
    volume = D(order["volume"])
    assert volume >= pair.min_volume
    assert volume == volume.quantize(D(1).scaleb(-EX.reference.assets[pair.base].accuracy))
