"""`pytest --lykke-server URL`: fixture-style tests run as sessions of a real `mock-lykke serve`
subprocess (one inner pytest session, pytester), and the fixture's limits there."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from decimal import Decimal

import pytest

from mock_lykke.testing.remote import RemoteLykke, RemoteUnsupported, scenario_body
from test_scenario_support import SCENARIOS

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`mock-lykke serve` of basic.yaml on free ports; its REST URL."""
    ready = tmp_path_factory.mktemp("serve") / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port", "0", "--rest-port", "0",
         "--scenario", str(SCENARIOS / "basic.yaml"), "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:                    # blocks until it prints that it is ready
        if line.startswith("mock-lykke ready"):
            break
    try:
        yield json.loads(ready.read_text())["rest"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "Traceback" not in err, err


def _sessions(url: str) -> list:
    with urllib.request.urlopen(url + "/_mock/sessions", timeout=5) as resp:
        return json.loads(resp.read())["sessions"]


TESTS = '''
import pytest
from decimal import Decimal
from google.protobuf.empty_pb2 import Empty
from mock_lykke.proto import privateService_pb2 as pv
from mock_lykke.testing.remote import RemoteUnsupported

seen = []

def test_grpc_and_control(lykke):
    seen.append(lykke.grpc_target)
    assert lykke.api_keys == {"trader": "trader-key", "book": "book-key"}
    req = pv.LimitOrderRequest(assetPairId="BTCUSD", side=0, volume="0.5", price="9000")
    reply = lykke.private("trader").PlaceLimitOrder(req)
    assert reply.payload.orderId
    assert lykke.balance("trader", "USD") == Decimal("50000")
    assert [e["cmd"] for e in lykke.journal()][-1] == "place_limit"
    start = lykke.now()
    assert lykke.advance("1s")["now"] == start + 1000

def test_a_fresh_world_per_test(lykke):
    seen.append(lykke.grpc_target)
    assert seen[0] != seen[1]
    assert not [e for e in lykke.journal() if e["args"].get("account") == "trader"]
    book = lykke.http().get("/api/orderbooks", params={"assetPairId": "BTCUSD"}).json()
    assert len(book["payload"][0]["bids"]) == 2

@pytest.mark.lykke(seed=11)
def test_marker_options_and_faults(lykke):
    assert lykke.snapshot()["seed"] == 11
    lykke.add_fault(route="GET /api/assets", httpStatus=503)
    assert lykke.http().get("/api/assets").status_code == 503
    lykke.reset()
    assert lykke.http().get("/api/assets").status_code == 200

def test_what_needs_the_mock_in_process(lykke):
    with pytest.raises(RemoteUnsupported, match="--lykke-server"):
        lykke.exchange
    with pytest.raises(RemoteUnsupported, match="wait_for"):
        lykke.events()
    order_id = lykke.place_limit("book", "BTCUSD", "sell", "0.1", "10005")
    assert lykke.wait_for(lambda: lykke.snapshot()["orders"])
    lykke.place_market("trader", "BTCUSD", "buy", "0.1")
    order = lykke.wait_for_order(order_id, status="Matched")
    assert order.price == Decimal("10005") and order.filled == Decimal("0.1")
    assert [o.id for o in lykke.orders("book", price="10005")] == [order_id]
    assert len(lykke.wait_for_orders(4, "book", status="Placed")) == 4
    assert lykke.order("nope") is None
    (trade,) = lykke.trades("book", order_id)
    assert (trade.role, trade.base_asset, trade.base_volume) == ("Maker", "BTC", Decimal("0.1"))
    assert [t.role for t in lykke.trades("trader")] == ["Taker"]

async def test_async(lykke):
    from mock_lykke.proto import publicService_pb2 as pb
    reply = await lykke.public().GetOrderbooks(pb.OrderbookRequest(assetPairId="BTCUSD"))
    assert reply.payload[0].assetPairId == "BTCUSD"
    balances = await lykke.private("trader").GetBalances(Empty())
    assert {b.assetId for b in balances.payload} == {"BTC", "USD"}
    async with lykke.http("trader").get("/api/balance") as resp:
        assert resp.status == 200

def test_module_scope(lykke_module):
    assert lykke_module.api_keys["book"] == "book-key"
'''


def test_fixture_tests_run_as_sessions_of_a_served_mock(pytester, served):
    pytester.makepyfile(test_remote=TESTS)
    pytester.makeini("[pytest]\nasyncio_mode = auto\n"
                     "asyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest("--lykke-server", served, "-p", "no:xdist", "-p",
                                "no:cacheprovider")
    result.assert_outcomes(passed=6)
    assert _sessions(served) == []              # each was deleted after its test


def test_the_server_can_come_from_the_environment(pytester, served, monkeypatch):
    pytester.makepyfile(test_env="def test_one(lykke):\n    assert lykke.session_id\n")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    monkeypatch.setenv("MOCK_LYKKE_SERVER", served)
    pytester.runpytest("-p", "no:xdist", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_scenario_option_is_sent_inline_or_by_name(served, tmp_path):
    world = tmp_path / "w.yaml"
    world.write_text((SCENARIOS / "basic.yaml").read_text().replace("trader-key", "t-key"))
    with RemoteLykke(served, "w.yaml", base_dir=tmp_path) as lykke:
        assert lykke.api_key("trader") == "t-key"
        assert lykke.info["scenario"] == "inline"
    with RemoteLykke(served, "full") as lykke:
        assert lykke.info["scenario"] == "full"
    assert scenario_body({"a": 1}, None) == {"a": 1}
    with pytest.raises(FileNotFoundError):
        scenario_body("missing.yaml", tmp_path)
    with pytest.raises(Exception, match="no scenario 'nope'"):
        RemoteLykke(served, "nope").start()
    lykke = RemoteLykke(served)
    with pytest.raises(RemoteUnsupported, match="controller"):
        lykke.controller


def test_the_example_suite_passes_against_a_served_mock(served):
    """examples/grid_bot's own tests, unchanged, each on a session of the served mock."""
    root = SCENARIOS.parent
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(root / "examples" / "grid_bot"), "-q",
         "-p", "no:xdist", "-p", "no:cacheprovider", "--lykke-server", served],
        cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    assert _sessions(served) == []


def _trade_a_little(lykke) -> list:
    """The same acts on either fixture; the books seen after each."""
    seen = [lykke.orderbook("BTCUSD")]
    lykke.place_limit("book", "BTCUSD", "sell", "0.25", "10010")    # a second order at a level
    lykke.place_limit("trader", "BTCUSD", "buy", "0.5", "9990.5")
    lykke.advance("2s")
    seen.append(lykke.orderbook("BTCUSD"))
    lykke.place_market("trader", "BTCUSD", "buy", "1.6")            # into the second ask
    lykke.set_quirks({"negative-ask-volumes": False, "orderbook-per-order-entries": False})
    seen.append(lykke.orderbook("BTCUSD"))
    return seen


@pytest.mark.parametrize("scenario", ["basic.yaml", "quirks-off.yaml"])
def test_a_remote_orderbook_is_the_in_process_one(served, scenario):
    """Same scenario, seed and acts: the same BookChanged, entry for entry, whatever the
    quirks make the APIs show."""
    from mock_lykke.engine.errors import ApiError
    from mock_lykke.testing import Lykke
    with Lykke(scenario=SCENARIOS / scenario, seed=5) as local:
        expected = _trade_a_little(local)
        with pytest.raises(ApiError, match="Asset pair not found"):
            local.orderbook("NOPE")
    with RemoteLykke(served, SCENARIOS / scenario, seed=5) as remote:
        got = _trade_a_little(remote)
        with pytest.raises(ApiError, match="Asset pair not found"):
            remote.orderbook("NOPE")
    assert got == expected
    assert [repr(b) for b in got] == [repr(b) for b in expected]     # same scale, same types
    assert [p for p, _ in got[1].asks].count(Decimal("10010")) == 2     # per order
    assert all(v > 0 for b in got for _, v in b.asks)


def test_a_remote_orderbook_knows_only_listed_pairs(served):
    """reference-data: ETHUSD is disabled, OLDUSD's base is not tradable; BTCUSD's book
    never had an order (its time is the clock's)."""
    from mock_lykke.engine.errors import ApiError
    from mock_lykke.testing import Lykke
    with Lykke(scenario=SCENARIOS / "reference-data.yaml") as local:
        local.advance("1s")
        expected = local.orderbook("BTCUSD")
    with RemoteLykke(served, SCENARIOS / "reference-data.yaml") as remote:
        remote.advance("1s")
        assert remote.orderbook("BTCUSD") == expected
        assert expected.bids == () and expected.timestamp == remote.now()
        for pair_id in ("ETHUSD", "OLDUSD"):
            with pytest.raises(ApiError, match="Asset pair not found"):
                remote.orderbook(pair_id)


def test_the_control_token_goes_with_every_control_call(monkeypatch):
    """A stand-in for a server started with --control-token: /_mock answers only with it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Guarded(BaseHTTPRequestHandler):
        def _answer(self):
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Authorization") != "Bearer s3cret":
                body, status = b'{"error": "the control API needs its token"}', 401
            elif self.command == "POST":
                body, status = json.dumps({
                    "id": "s1", "grpc": "127.0.0.1:1", "rest": "http://127.0.0.1:1",
                    "control": f"http://127.0.0.1:{self.server.server_port}/_mock",
                    "keys": {}}).encode(), 201
            elif self.command == "DELETE":
                body, status = b"", 204
            else:
                body, status = b'{"now": 5}', 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Guarded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with pytest.raises(Exception, match="needs its token"):
            RemoteLykke(url).start()
        monkeypatch.setenv("MOCK_LYKKE_CONTROL_TOKEN", "s3cret")
        with RemoteLykke(url) as lykke:
            assert lykke.now() == 5
    finally:
        server.shutdown()
        server.server_close()
    assert [s[:2] for s in seen[1:]] == [("POST", "/_mock/sessions"), ("GET", "/_mock/time"),
                                        ("DELETE", "/_mock/sessions/s1")]
    assert {s[2] for s in seen[1:]} == {"Bearer s3cret"}
