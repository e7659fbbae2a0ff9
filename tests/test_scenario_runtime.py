"""The scenario runtime (Controller): timeline, operations as any account, reset, and
determinism (same scenario + seed + requests => the same bytes)."""
from decimal import Decimal

import pytest

from mock_lykke.engine.clock import ClockError
from mock_lykke.scenario import ControlError, snapshot_bytes
from test_scenario_support import START, example, world


def test_timeline_steps_run_at_their_clock_times_in_order():
    c = example("full.yaml")
    seen = []
    c.exchange.recorders.append(lambda name, args: seen.append((c.now(), name, args)))
    c.advance("29s")
    assert all(name == "place_bulk" for _, name, _ in seen)   # only the market maker so far
    seen.clear()
    c.advance("1s")
    limits = [(t, args) for t, name, args in seen if name == "place_limit"]
    assert limits == [(START + 30_000, {"account": "market", "pair_id": "BTCUSD", "side": "buy",
                                        "volume": Decimal("0.1"), "price": Decimal("10020")})]


def test_timeline_covers_every_action():
    c = world("""
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", levelVolume: "1",
     volatility: "0", every: 1h}
timeline:
  - {at: 0s, deposit: {account: trader, assetId: USD, amount: "100"}}
  - {at: 1s, placeOrder: {account: trader, assetPairId: BTCUSD, side: buy, price: "9000", volume: "1"}}
  - {at: 2s, placeBulk: {account: trader, assetPairId: BTCUSD, cancelPreviousOrders: true,
                         orders: [{side: buy, price: "9100", volume: "0.5"}]}}
  - {at: 3s, cancelAll: {account: trader, assetPairId: BTCUSD}}
  - {at: 4s, marketOrder: {account: trader, assetPairId: BTCUSD, side: buy, volume: "0.1"}}
  - {at: 5s, setBalance: {account: trader, assetId: BTC, amount: "7"}}
  - {at: 6s, setAccount: {account: trader, kycRequired: true}}
  - {at: 7s, setQuirks: {negative-ask-volumes: false}}
  - {at: 8s, setMid: {assetPairId: BTCUSD, mid: "12000"}}
  - {at: 9s, addFault: {method: GetBalances, grpcStatus: UNAVAILABLE}}
  - {at: 10s, clearFaults: true}
""")
    trader = c.exchange.account("trader")
    assert trader.balances["USD"].total == Decimal("50100")          # at 0s: at load
    c.advance("2s")
    assert [o.price for o in c.exchange.history.active_orders(trader.wallet_id)] == [
        Decimal("9100")]
    c.advance("3s")
    assert c.exchange.history.active_orders(trader.wallet_id) == []
    assert trader.balances["BTC"].total == Decimal("7")
    c.advance("4s")
    assert trader.kyc_required and not c.exchange.quirks["negative-ask-volumes"]
    assert c.exchange.books["BTCUSD"].best("sell") > Decimal("11000")
    assert c.mock.faults.check("GetBalances").grpc_status == "UNAVAILABLE"
    c.advance("1s")
    assert c.mock.faults.check("GetBalances") is None
    assert list(c.warnings) == []


def test_a_failing_timeline_step_is_a_warning_not_a_crash():
    c = world("""
timeline:
  - {at: 1s, placeOrder: {account: trader, assetPairId: BTCUSD, side: buy, price: "9000", volume: "100"}}
""")
    c.advance("1s")
    assert [w["message"] for w in c.warnings] == [
        "timeline[0] (placeOrder at 1s): Not enough funds"]


def test_operations_as_any_account_and_their_errors():
    c = world("""
orders:
  - {account: market, assetPairId: BTCUSD, side: sell, price: "10010", volume: "1.5"}
""")
    order_id = c.place_limit("trader", "BTCUSD", "buy", "0.5", "9000")
    assert c.exchange.history.orders[order_id].status == "Placed"
    oid, price = c.place_market("trader", "BTCUSD", "buy", "0.1")
    assert price == 10010.0
    c.cancel_order(order_id)                                  # account found from the order
    assert c.exchange.history.orders[order_id].status == "Cancelled"
    with pytest.raises(ControlError) as e:
        c.place_limit("nobody", "BTCUSD", "buy", "1", "1")
    assert e.value.status == 404
    with pytest.raises(ControlError) as e:
        c.place_limit("trader", "BTCUSD", "up", "1", "1")
    assert e.value.status == 400
    with pytest.raises(ControlError) as e:
        c.place_limit("trader", "BTCUSD", "buy", "100", "10000")
    assert (e.value.status, e.value.code, e.value.message) == (400, 2006, "Not enough funds")
    with pytest.raises(ControlError) as e:
        c.cancel_order("no-such-order")
    assert e.value.status == 404
    with pytest.raises(ControlError):
        c.set_quirks({"no-such-quirk": True})
    bulk = c.place_bulk("trader", "BTCUSD", [{"side": "sell", "price": "11000", "volume": "1"}],
                        True, "bothSides")
    assert [s.code for s in bulk.statuses] == [0]
    assert c.cancel_all("trader", "BTCUSD") == 1
    op = c.deposit("trader", "BTC", "1")
    assert c.exchange.history.operations(c.exchange.account("trader").wallet_id, 0, 10)[0].id == op


def test_advance_only_in_virtual_mode():
    c = world(clock_mode="realtime")
    with pytest.raises(ControlError, match="cannot be advanced"):
        c.advance("1s")
    v = world()
    assert v.advance(to="2026-01-01T00:01:00Z")["now"] == START + 60_000
    with pytest.raises(ControlError):
        v.advance(to="2026-01-01T00:00:30Z")
    with pytest.raises(ClockError):
        v.exchange.clock.advance(-5)


def test_reset_rebuilds_the_scenario_start_and_runs_the_hooks():
    c = example("market-maker.yaml")
    fresh = snapshot_bytes(c.exchange)
    old = c.exchange
    c.place_limit("trader", "BTCUSD", "buy", "1", "10100")
    c.set_quirks({"negative-ask-volumes": False})
    c.add_fault({"method": "GetBalances", "grpcStatus": "UNAVAILABLE"})
    c.advance("2m")
    old_participants = list(c.participants)
    calls = []
    c.mock.on_reset.append(lambda: calls.append(c.mock.exchange))
    c.reset()
    assert c.exchange is not old and calls == [c.exchange]
    assert snapshot_bytes(c.exchange) == fresh
    assert c.faults_list() == [] and c.mock.faults.check("GetBalances") is None
    c.advance("2m")                                           # participants run on the new clock
    assert c.market()[0]["commands"] == 1 + 120 + 1          # at load, each second, the shock
    assert all(p.timer is None for p in old_participants)


def _session(seed=None):
    c = example("market-maker.yaml", seed=seed)
    c.advance("3s")
    c.place_limit("trader", "BTCUSD", "buy", "0.3", "10050")
    c.advance("1m30s")
    c.place_market("trader", "BTCUSD", "sell", "0.2")
    c.advance("10s")
    return snapshot_bytes(c.exchange), [e for e in c.journal.read(0, 10_000)]


def test_same_scenario_seed_and_requests_give_the_same_bytes():
    a, journal_a = _session()
    b, journal_b = _session()
    assert a == b and journal_a == journal_b
    c, _ = _session(seed=43)
    assert c != a


async def test_start_and_stop_drive_a_realtime_clock():
    c = world("""
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", levelVolume: "1",
     every: 1ms}
""", clock_mode="realtime", speed=1000)
    assert c.exchange.clock.now() == START
    import asyncio
    refreshed = asyncio.Event()
    c.exchange.recorders.append(lambda name, args: refreshed.set())
    await c.start()
    try:
        await asyncio.wait_for(refreshed.wait(), 2)
    finally:
        await c.stop()
    assert c.exchange.clock.now() > START and not c.driver.running
