"""The grid bot against mock-lykke: each test gets a fresh exchange (world.yaml, virtual clock)
from the `lykke` fixture, starts the bot on it, acts as the other side and waits for what the
bot must do. No sleeps: the waits end on the exchange's own events."""
from decimal import Decimal as D

import pytest

from mock_lykke.testing import ACTIVE, MATCHED, PARTIAL

pytestmark = [pytest.mark.lykke(scenario="world.yaml"),
              pytest.mark.asyncio]      # without asyncio_mode = auto too
PAIR = "BTCUSD"


def prices(orders):
    return sorted((o.side, o.price) for o in orders)


async def test_quotes_the_grid_around_the_mid(lykke, bot):
    orders = lykke.orders("bot", status=ACTIVE)
    assert prices(orders) == [("buy", D(9970)), ("buy", D(9980)), ("buy", D(9990)),
                              ("sell", D(10010)), ("sell", D(10020)), ("sell", D(10030))]
    assert {o.volume for o in orders} == {D("0.01")}


async def test_a_filled_buy_becomes_a_sell_one_step_up(lykke, bot):
    lykke.place_limit("taker", PAIR, "sell", "0.01", "9990")      # hits the bot's best bid

    sell = await lykke.wait_for_order(account="bot", side="sell", price="10000")
    assert sell.volume == D("0.01") and bot.round_trips == 1
    assert lykke.balance("bot", "BTC") == D("1.01")
    assert len(lykke.orders("bot", status=ACTIVE)) == 6


async def test_a_sweep_fills_two_levels(lykke, bot):
    lykke.place_market("taker", PAIR, "buy", "0.02")              # lifts 10010 and 10020
    grid = [("buy", D(9970)), ("buy", D(9980)), ("buy", D(9990)), ("buy", D(10000)),
            ("buy", D(10010)), ("sell", D(10030))]

    await lykke.wait_for(lambda: prices(lykke.orders("bot", status=ACTIVE)) == grid)
    assert bot.round_trips == 2


async def test_a_partial_fill_waits_for_the_rest(lykke, bot):
    best_bid = lykke.orders("bot", side="buy", price="9990")[0]
    lykke.place_limit("taker", PAIR, "sell", "0.004", "9990")
    assert lykke.order(best_bid.id).status == PARTIAL

    lykke.place_limit("taker", PAIR, "sell", "0.006", "9990")
    sell = await lykke.wait_for_order(account="bot", side="sell", price="10000")
    # one counter order, for the whole volume: nothing was placed after the first part
    assert sell.volume == D("0.01")
    assert len(lykke.orders("bot", side="sell", price="10000")) == 1
    assert lykke.order(best_bid.id).status == MATCHED
    assert len(lykke.trades("bot", best_bid.id)) == 2


async def test_retries_an_unavailable_exchange(lykke, bots, new_bot):
    lykke.add_fault(method="PlaceLimitOrder", grpcStatus="UNAVAILABLE", times=2)

    bot = await bots.start(new_bot())
    assert len(lykke.orders("bot", status=ACTIVE)) == 6
    assert bot.retries == 2 and bot.rejected == 0
    assert lykke.faults()[0]["fired"] == 2


async def test_skips_a_level_the_exchange_refuses(lykke, bots, new_bot):
    lykke.add_fault(method="PlaceLimitOrder", error="meNotEnoughFunds", nth=2)

    bot = await bots.start(new_bot())
    assert bot.rejected == 1
    assert prices(lykke.orders("bot", status=ACTIVE)) == [
        ("buy", D(9970)), ("buy", D(9980)), ("buy", D(9990)),
        ("sell", D(10020)), ("sell", D(10030))]


async def test_catches_up_after_the_trade_stream_drops(lykke, bot):
    # the next trade message is lost and the stream ends with UNAVAILABLE
    lykke.add_fault(method="GetTradeUpdates", on="message", grpcStatus="UNAVAILABLE", times=1)
    lykke.place_limit("taker", PAIR, "sell", "0.01", "9990")

    sell = await lykke.wait_for_order(account="bot", side="sell", price="10000")
    assert sell.volume == D("0.01")
    assert bot.reconnects == 1 and bot.round_trips == 1
    assert lykke.faults()[0]["fired"] == 1


@pytest.mark.lykke(tls=True)
async def test_trades_over_tls_as_on_the_exchange(lykke, bot):
    lykke.place_limit("taker", PAIR, "sell", "0.01", "9990")
    assert await lykke.wait_for_order(account="bot", side="sell", price="10000")
