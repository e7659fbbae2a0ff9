"""/_mock/sessions: one server, many isolated worlds (mock_lykke.sessions)."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
import yaml

from mock_lykke.scenario import build_mock, load_file
from mock_lykke.server import MockServer
from mock_lykke.sessions import ScenarioSet, SessionManager, parse_ports
from test_scenario_support import BASIC as WORLD, SCENARIOS

BASIC = SCENARIOS / "basic.yaml"


def _free_ports(n: int) -> range:
    """n consecutive ports nobody listens on now (checked by binding each)."""
    for start in range(20000, 60000, n):
        socks = []
        try:
            for port in range(start, start + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return range(start, start + n)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


@pytest.fixture
async def parent(request):
    """A served basic.yaml with sessions; request.param: SessionManager keywords."""
    opts = getattr(request, "param", {})
    scenario = load_file(BASIC)
    mock = build_mock(scenario)
    manager = SessionManager(ScenarioSet(scenario, str(BASIC), [str(SCENARIOS)]), **opts)
    mock.extras["sessions"] = manager
    mock.on_stop.insert(0, manager.close)
    # any Host: a test below asks as another host name
    async with MockServer(mock, quick_start=True, allow_hosts=("*",)) as server:
        async with aiohttp.ClientSession() as http:
            http.base = server.rest_url
            http.manager = manager
            yield http


async def call(http, method, url, json=None, status=200, headers=None):
    if url.startswith("/"):
        url = http.base + url
    async with http.request(method, url, json=json, headers=headers) as resp:
        body = await resp.json() if resp.status != 204 else None
        assert resp.status == status, body
        return body


async def test_create_list_get_delete_and_the_answer_shape(parent):
    s = await call(parent, "POST", "/_mock/sessions", {"seed": 3, "ttl": "2m"}, 201)
    assert set(s) == {"id", "scenario", "seed", "grpc", "rest", "grpcPort", "restPort",
                      "control", "keys", "ttl", "expiresAt"}
    assert s["scenario"] == "basic" and s["seed"] == 3 and s["ttl"] == "2m"
    assert s["grpc"] == f"127.0.0.1:{s['grpcPort']}"
    assert s["rest"] == f"http://127.0.0.1:{s['restPort']}"
    assert s["control"] == s["rest"] + "/_mock"
    assert s["keys"] == {"trader": "trader-key", "book": "book-key"}
    assert s["expiresAt"].endswith("Z")
    assert (await call(parent, "POST", "/_mock/sessions", {"ttl": 1.5}, 201))["ttl"] == "1500ms"
    listed = (await call(parent, "GET", "/_mock/sessions"))["sessions"]
    same = lambda a, b: {**a, "expiresAt": 0} == {**b, "expiresAt": 0}    # noqa: E731
    assert same(listed[0], s) and len(listed) == 2
    assert (await call(parent, "GET", f"/_mock/sessions/{s['id']}"))["id"] == s["id"]
    # the session's own control API, on its own REST port
    health = await call(parent, "GET", s["control"] + "/health")
    assert health["scenario"] and health["serving"] is True
    # no sessions inside a session
    await call(parent, "POST", s["control"] + "/sessions", {}, 404)
    await call(parent, "DELETE", f"/_mock/sessions/{s['id']}", status=204)
    assert [x["id"] for x in (await call(parent, "GET", "/_mock/sessions"))["sessions"]] \
        == [listed[1]["id"]]
    missing = await call(parent, "GET", f"/_mock/sessions/{s['id']}", status=404)
    assert "no session" in missing["error"]
    await call(parent, "DELETE", f"/_mock/sessions/{s['id']}", status=404)
    with pytest.raises(aiohttp.ClientConnectionError):        # its ports are closed
        await call(parent, "GET", s["control"] + "/health")


async def test_addresses_use_the_host_the_client_asked_for(parent):
    s = await call(parent, "POST", "/_mock/sessions", {}, 201,
                   headers={"Host": "mock.example:8080"})
    assert s["grpc"] == f"mock.example:{s['grpcPort']}"
    assert s["control"] == f"http://mock.example:{s['restPort']}/_mock"
    listed = await call(parent, "GET", "/_mock/sessions", headers={"Host": "[::1]:5000"})
    assert listed["sessions"][0]["rest"] == f"http://[::1]:{s['restPort']}"


async def test_scenarios_by_name_inline_and_bad_ones(parent):
    full = await call(parent, "POST", "/_mock/sessions", {"scenario": "full"}, 201)
    assert full["scenario"] == "full"
    default = await call(parent, "POST", "/_mock/sessions", {"scenario": "default"}, 201)
    assert "trader" in default["keys"]
    inline = yaml.safe_load(WORLD)
    inline["accounts"] = [{"name": "solo", "apiKey": "solo-key", "balances": {"BTC": "5"}}]
    s = await call(parent, "POST", "/_mock/sessions", {"scenario": inline}, 201)
    assert s["scenario"] == "inline" and s["keys"] == {"solo": "solo-key"}
    bad = await call(parent, "POST", "/_mock/sessions", {"scenario": {"accounts": 3}}, 400)
    assert bad["error"] == "the inline scenario is not valid" and bad["problems"]
    for reads in ({"market": [{"kind": "replay", "file": "/etc/passwd"}]},
                  {"latency": [{"method": "*", "latency": {"empirical": "/etc/passwd"}}]}):
        refused = await call(parent, "POST", "/_mock/sessions",
                             {"scenario": {**inline, **reads}}, 400)
        assert "may not read files" in refused["error"]
    unknown = await call(parent, "POST", "/_mock/sessions", {"scenario": "nope"}, 400)
    assert "basic" in unknown["error"] and "default" in unknown["error"]
    for body, words in (({"seed": "x"}, "seed"), ({"ttl": "soon"}, "ttl"),
                        ({"colour": 1}, "unknown field"), ([1], "JSON object"),
                        ({"quirks": {"no-such": True}}, "quirk"), ({"clock": "x"}, "clock"),
                        ({"speed": -1}, "speed"), ({"speed": "2"}, "speed")):
        assert words in (await call(parent, "POST", "/_mock/sessions", body, 400))["error"]
    assert len((await call(parent, "GET", "/_mock/sessions"))["sessions"]) == 3


async def _public(http, s):
    book = await call(http, "GET", s["rest"] + "/api/orderbooks?assetPairId=BTCUSD")
    trades = await call(http, "GET", s["rest"] + "/api/trades/public/BTCUSD")
    return book, trades


async def test_sessions_are_isolated_public_data_included(parent):
    a = await call(parent, "POST", "/_mock/sessions", {}, 201)
    b = await call(parent, "POST", "/_mock/sessions", {}, 201)
    before_b = await _public(parent, b)
    await call(parent, "POST", a["control"] + "/orders/limit",
               {"account": "trader", "assetPairId": "BTCUSD", "side": "buy", "volume": "0.5",
                "price": "9995"})
    await call(parent, "POST", a["control"] + "/orders/market",
               {"account": "trader", "assetPairId": "BTCUSD", "side": "buy", "volume": "0.1"})
    book_a, trades_a = await _public(parent, a)
    assert trades_a["payload"] and book_a != before_b[0]
    assert await _public(parent, b) == before_b          # b saw nothing of it
    assert not before_b[1]["payload"]
    # each has its own clock and faults too
    await call(parent, "POST", a["control"] + "/advance", {"ms": 60000})
    assert (await call(parent, "GET", a["control"] + "/time"))["now"] == \
        (await call(parent, "GET", b["control"] + "/time"))["now"] + 60000
    await call(parent, "POST", a["control"] + "/faults",
               {"route": "GET /api/assets", "httpStatus": 503})
    assert await call(parent, "GET", b["control"] + "/faults") == []


async def test_an_idle_session_ends_after_its_ttl_and_calls_keep_it(parent):
    s = await call(parent, "POST", "/_mock/sessions", {"ttl": "300ms"}, 201)
    session = parent.manager.get(s["id"])
    used = session.used
    await call(parent, "GET", s["rest"] + "/api/isalive")
    assert session.used > used                        # a call on its port counts as use
    await asyncio.wait_for(session.ended.wait(), 10)
    assert (await call(parent, "GET", "/_mock/sessions"))["sessions"] == []


@pytest.mark.parametrize("parent", [{"max_sessions": 2}], indirect=True)
async def test_the_session_count_limit(parent):
    first = await call(parent, "POST", "/_mock/sessions", {}, 201)
    await call(parent, "POST", "/_mock/sessions", {}, 201)
    refused = await call(parent, "POST", "/_mock/sessions", {}, 503)
    assert refused["limit"] == "sessions" and "--max-sessions 2" in refused["error"]
    await call(parent, "DELETE", f"/_mock/sessions/{first['id']}", status=204)
    await call(parent, "POST", "/_mock/sessions", {}, 201)


@pytest.mark.parametrize("parent", [{"max_sessions": 3}], indirect=True)
async def test_sessions_starting_at_once_count_against_the_limit(parent):
    answers = await asyncio.gather(*[parent.post(parent.base + "/_mock/sessions", json={})
                                     for _ in range(5)])
    assert sorted(a.status for a in answers) == [201, 201, 201, 503, 503]
    for a in answers:
        a.release()


@pytest.mark.parametrize("parent", [{"max_memory_mb": 100, "memory": lambda: 250.0}],
                         indirect=True)
async def test_the_memory_limit(parent):
    refused = await call(parent, "POST", "/_mock/sessions", {}, 503)
    assert refused["limit"] == "memory" and "250 MB" in refused["error"]


@pytest.mark.parametrize("parent", [{"max_sessions": 0}], indirect=True)
async def test_sessions_can_be_off(parent):
    refused = await call(parent, "POST", "/_mock/sessions", {}, 503)
    assert "off" in refused["error"]


async def test_prepare_hooks_see_each_session_mock_before_it_serves(parent):
    seen = []
    parent.manager.prepare.append(lambda mock: seen.append(mock.extras.setdefault("x", 1)))
    s = await call(parent, "POST", "/_mock/sessions", {}, 201)
    assert seen == [1] and parent.manager.get(s["id"]).server.mock.extras["x"] == 1


async def test_ports_come_from_the_range_and_a_taken_one_is_skipped():
    ports = _free_ports(5)
    scenario = load_file(BASIC)
    manager = SessionManager(ScenarioSet(scenario, str(BASIC)), ports=ports)
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", ports[0]))
    squatter.listen()
    try:
        s = await manager.create({})
        assert {s.server.grpc_port, s.server.rest_port} <= set(ports[1:])
        with pytest.raises(Exception) as refused:
            await manager.create({})
        assert refused.value.status == 503 and refused.value.details == {"limit": "ports"}
        await manager.delete(s.id)                   # its ports are free again
        s = await manager.create({})
        assert s.server.grpc_port in ports
    finally:
        squatter.close()
        await manager.close()
    assert manager.sessions == {}


def test_parse_ports():
    assert parse_ports("6100-6199") == range(6100, 6200)
    assert parse_ports(None) is None
    for bad in ("6100", "a-b", "6100-6100", "0-5", "70000-70001"):
        with pytest.raises(ValueError):
            parse_ports(bad)


async def test_sessions_serve_the_parents_tls():
    from mock_lykke.testing.options import tls_material
    tls = tls_material()
    scenario = load_file(BASIC)
    mock = build_mock(scenario)
    mock.extras["sessions"] = manager = SessionManager(ScenarioSet(scenario, str(BASIC)),
                                                       tls=tls)
    mock.on_stop.insert(0, manager.close)
    async with MockServer(mock, tls=tls, quick_start=True) as server:
        connector = aiohttp.TCPConnector(ssl=tls.client_ssl_context())
        async with aiohttp.ClientSession(connector=connector) as http:
            http.base = server.rest_url
            s = await call(http, "POST", "/_mock/sessions", {}, 201,
                           headers={"Host": "localhost"})
            assert s["rest"].startswith("https://localhost:")
            assert (await call(http, "GET", s["control"] + "/health"))["serving"] is True
    assert manager.sessions == {}                    # the server's stop ended them


def test_serve_refuses_bad_session_options(capsys):
    from mock_lykke import cli
    assert cli.main(["serve", "--session-ports", "6100"]) == 2
    assert "FIRST-LAST" in capsys.readouterr().err
    assert cli.main(["serve", "--session-ttl", "soon"]) == 2
    assert "--session-ttl" in capsys.readouterr().err


async def test_an_open_stream_keeps_a_session(parent):
    import grpc
    from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc as pbg
    s = await call(parent, "POST", "/_mock/sessions", {"ttl": "2s"}, 201)
    session = parent.manager.get(s["id"])
    async with grpc.aio.insecure_channel(s["grpc"]) as channel:
        stream = pbg.PublicServiceStub(channel).GetOrderbookUpdates(
            pb.OrderbookUpdatesRequest(assetPairId="BTCUSD"))
        await stream.read()                              # the snapshot: the stream is open
        session.used = 0.0                               # idle for ages, but for the stream
        parent.manager._check_idle(session)
        assert parent.manager.sessions and session.used > 0
        stream.cancel()
    await asyncio.wait_for(session.ended.wait(), 10)     # ends at its ttl once closed


@pytest.mark.parametrize("parent", [{"server_options": {"control_token": "tok"}}], indirect=True)
async def test_a_session_has_the_servers_control_guard(parent):
    s = await call(parent, "POST", "/_mock/sessions", {}, 201)
    await call(parent, "GET", s["control"] + "/health", status=401)
    await call(parent, "GET", s["control"] + "/health", headers={"Authorization": "Bearer tok"})
