"""The `lykke` fixture in sync tests: a fresh mock per test on a background loop thread;
endpoints, clients, control powers and blocking waits."""
import concurrent.futures
from decimal import Decimal as D
from pathlib import Path

import pytest
import requests
from google.protobuf.empty_pb2 import Empty

from mock_lykke.engine import events as ev
from mock_lykke.proto import privateService_pb2 as pv, publicService_pb2 as pb
from mock_lykke.testing import ACTIVE, MATCHED, ControlError, Lykke, MockStopped

pytestmark = pytest.mark.lykke(scenario="../scenarios/basic.yaml")
START = 1767225600000          # basic.yaml's clock start
HERE = Path(__file__).parent


def test_endpoints_keys_and_ready_clients(lykke):
    assert lykke.api_key("trader") == "trader-key"
    assert lykke.api_keys == {"trader": "trader-key", "book": "book-key"}
    balances = lykke.private("trader").GetBalances(Empty()).payload
    assert {b.assetId: b.available for b in balances} == {"BTC": "2", "USD": "50000"}
    book = lykke.public().GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD")).payload[0]
    assert book.bids[0].p == "9990"
    rest = lykke.http("trader").get("/api/balance").json()
    assert {b["assetId"] for b in rest["payload"]} == {"BTC", "USD"}
    plain = requests.get(lykke.rest_url + "/api/balance", headers=lykke.rest_headers("book"))
    assert plain.json()["payload"][0]["available"] == 100.0
    assert lykke.grpc_target.startswith("127.0.0.1:") and "basic.yaml" in repr(lykke)
    with pytest.raises(KeyError, match="trader, book"):
        lykke.api_key("nobody")


def test_acting_as_accounts_and_reading_the_state(lykke):
    sell = lykke.place_limit("book", "BTCUSD", "sell", "0.5", "10005")
    assert lykke.order(sell).status == "Placed"
    reply = lykke.private("trader").PlaceLimitOrder(pv.LimitOrderRequest(
        assetPairId="BTCUSD", side=pv.buy, volume="0.2", price="10005"))
    mine = reply.payload.orderId
    assert lykke.order(mine).status == MATCHED
    assert lykke.order(sell).remaining == D("0.3")
    assert [t.order_id for t in lykke.trades("trader")] == [mine]
    assert lykke.balance("trader", "BTC") == D("2.1998")          # 0.1 % taker fee
    assert lykke.orderbook("BTCUSD").asks[0] == (D("10005"), D("0.3"))
    assert [o.price for o in lykke.orders("book", side="sell", status=ACTIVE)] == [
        D("10010"), D("10020"), D("10005")]
    assert lykke.cancel_all("book", "BTCUSD", "sell") == 3
    lykke.set_balance("trader", "USD", "5")
    assert lykke.account("trader")["balances"]["USD"]["total"] == "5"
    with pytest.raises(ControlError) as refused:
        lykke.place_limit("trader", "BTCUSD", "buy", "1", "9000")
    assert refused.value.code == 2006
    journal = [e["cmd"] for e in lykke.journal()]
    assert journal[-3:] == ["place_limit", "cancel_all", "set_balance"]
    assert {a["name"] for a in lykke.snapshot()["accounts"]} >= {"trader", "book"}


def test_virtual_time_moves_only_when_advanced(lykke):
    assert lykke.now() == START
    assert lykke.advance("1.5s")["now"] == START + 1500
    assert lykke.advance(to="1m")["elapsed"] == 60_000
    with pytest.raises(ControlError, match="cannot go back"):
        lykke.advance(to="10s")


def test_faults_and_quirks(lykke):
    fid = lykke.add_fault(method="GetBalances", grpcStatus="UNAVAILABLE", times=1)
    stub = lykke.private("trader")
    with pytest.raises(Exception, match="UNAVAILABLE"):
        stub.GetBalances(Empty())
    assert stub.GetBalances(Empty()).payload
    assert lykke.faults() == [{"id": fid, "method": "GetBalances", "grpcStatus": "UNAVAILABLE",
                               "times": 1, "fired": 1, "calls": 2, "messages": 0}]
    lykke.remove_fault(fid)
    assert lykke.faults() == []
    assert lykke.set_quirks(negative_ask_volumes=False)["negative-ask-volumes"] is False
    book = lykke.public().GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD")).payload[0]
    assert book.asks[0].v == "1.5"


def test_reset_is_one_call(lykke):
    lykke.place_limit("trader", "BTCUSD", "buy", "0.1", "9000")
    lykke.advance("10s")
    lykke.reset()
    assert lykke.now() == START and lykke.orders("trader") == []
    assert lykke.private("trader").GetActiveOrders(pv.OrdersRequest()).payload == []


def test_waits_block_until_another_thread_acts(lykke):
    buy = lykke.place_limit("book", "BTCUSD", "buy", "0.1", "9995")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        filled = pool.submit(lykke.wait_for_order, buy, status=MATCHED)
        lykke.private("trader").PlaceMarketOrder(pv.MarketOrderRequest(
            assetPairId="BTCUSD", side=pv.sell, volume="0.1"))
        assert filled.result(5).filled == D("0.1")


def test_next_event_from_a_cursor(lykke):
    mark = lykke.event_count
    lykke.private("trader").PlaceLimitOrder(pv.LimitOrderRequest(
        assetPairId="BTCUSD", side=pv.buy, volume="0.1", price="9000"))
    event = lykke.next_event(ev.OrdersChanged, account="trader", after=mark)
    assert event.orders[0].price == D("9000")
    assert isinstance(lykke.next_event(pair_id="BTCUSD", after=mark), ev.BookChanged)
    assert len(lykke.events(mark)) == lykke.event_count - mark


def test_a_wait_that_never_ends_times_out_with_the_last_commands(lykke):
    lykke.place_limit("trader", "BTCUSD", "buy", "0.1", "9000")
    with pytest.raises(TimeoutError, match=r"(?s)1 s.*place_limit"):
        lykke.wait_for_order(account="trader", status=MATCHED, timeout=0.01)
    with pytest.raises(RuntimeError, match="own event loop"):
        lykke.call(lykke.wait_for, lambda: True)
    with pytest.raises(ZeroDivisionError):
        lykke.wait_for(lambda: 1 / 0)


@pytest.mark.lykke(seed=99, quirks={"negative-ask-volumes": False}, timeout=1)
def test_the_closest_marker_wins(lykke):
    assert lykke.controller.seed == 99 and lykke.timeout == 1
    assert lykke.quirks()["negative-ask-volumes"] is False
    assert lykke.controller.scenario.name.endswith("basic.yaml")     # from the module's mark


@pytest.mark.parametrize("lykke", [{"seed": 1}, {"seed": 2}], indirect=True)
def test_options_as_parameters(lykke):
    assert lykke.controller.seed in (1, 2)


@pytest.mark.lykke(scenario={"version": 1, "assets": [{"assetId": "X", "accuracy": 0}],
                             "assetPairs": [], "accounts": [{"name": "a", "apiKey": "k"}]})
def test_a_scenario_given_inline(lykke):
    assert lykke.api_keys == {"a": "k"}


@pytest.mark.lykke(scenario=None, clock="realtime", speed=50)
def test_a_realtime_clock_runs_the_market(lykke):
    quote = lykke.next_event(ev.OrdersChanged, account="market", timeout=5)   # every 10 ms
    assert quote.orders
    with pytest.raises(ControlError):
        lykke.advance("1s")


def test_a_stopping_mock_ends_pending_waits():
    mock = Lykke("../scenarios/basic.yaml", base_dir=HERE).start()
    pending = mock._watch(lambda: False)
    mock.stop()
    assert isinstance(pending.exception(5), MockStopped)


def test_bad_options_say_what_is_wrong():
    with pytest.raises(TypeError, match="scenario, seed, clock"):
        Lykke(sed=1)
    with pytest.raises(ValueError, match="unknown quirk"):
        Lykke(quirks={"no-such-quirk": True})
    with pytest.raises(ValueError, match="clock must be one of"):
        Lykke(clock="sundial")
    with pytest.raises(FileNotFoundError, match="nowhere.yaml"):
        Lykke("nowhere.yaml")


@pytest.mark.lykke(tls=True)
def test_tls_gives_a_secure_channel_and_the_ca(lykke):
    assert lykke.ca_file.read_bytes() == lykke.ca_pem
    assert lykke.private("trader").GetBalances(Empty()).payload
    assert lykke.rest_url.startswith("https://")
    assert lykke.http("trader").get("/api/balance").json()["payload"]
