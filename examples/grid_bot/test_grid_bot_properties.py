"""A property of the grid bot, for any sell the market throws at it (hypothesis draws valid
orders for the scenario's pair): every level filled in full is replaced by its counter order
one step up, and the grid keeps its size."""
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mock_lykke.strategies import limit_orders
from mock_lykke.testing import ACTIVE, MATCHED

WORLD = Path(__file__).with_name("world.yaml")
pytestmark = [pytest.mark.lykke(scenario=WORLD),
              pytest.mark.asyncio]      # without asyncio_mode = auto too
STEP = D("10")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sell=limit_orders(WORLD, pair_id="BTCUSD", side="sell", around="9980",
                         spread="0.002", max_volume="0.035"))
async def test_every_full_fill_is_replaced_one_step_up(lykke, bots, new_bot, sell):
    await bots.stop()                      # one mock for all examples: start each afresh
    lykke.reset()
    bot = await bots.start(new_bot())

    lykke.place_limit("taker", sell["assetPairId"], "sell", sell["volume"], sell["price"])
    filled = lykke.orders("bot", side="buy", status=MATCHED)

    def replaced():
        return all(lykke.orders("bot", side="sell", price=o.price + STEP) for o in filled)
    await lykke.wait_for(replaced)
    assert len(lykke.orders("bot", status=ACTIVE)) == 6
    assert bot.round_trips == len(filled)
    assert lykke.balance("bot", "BTC") == 1 + sum(o.filled for o in filled) + sum(
        o.filled for o in lykke.orders("bot", side="buy", status=ACTIVE))
