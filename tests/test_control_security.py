"""The control API's guard (api/control_guard.py): cross-origin writes, the Host check (DNS
rebinding), --allow-host, the token; and that the Lykke API routes are not guarded."""
from __future__ import annotations

import socket
from decimal import Decimal

import aiohttp
import pytest

from mock_lykke.api.control_guard import ControlGuard, host_name, is_loopback
from mock_lykke.server import MockServer
from test_scenario_support import world

DEPOSIT = '{"assetId": "BTC", "amount": "1000"}'


def btc(mock) -> Decimal:
    return mock.exchange.account("trader").balance("BTC").total


async def send(server, method, path, headers=None, data=None):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.rest_url + path, headers=headers or {},
                                data=data) as r:
            return r.status, await r.json(content_type=None)


@pytest.fixture
async def served():
    mock = world().mock
    async with MockServer(mock) as server:
        yield server


async def test_a_cross_origin_text_plain_post_deposits_nothing(served):
    """what a page on another site can send without a preflight"""
    before = btc(served.mock)
    status, body = await send(served, "POST", "/_mock/accounts/trader/deposits",
                              {"Origin": "http://evil.example", "Content-Type": "text/plain"},
                              DEPOSIT)
    assert status == 403 and "cross-origin" in body["error"]
    status, body = await send(served, "POST", "/_mock/accounts/trader/deposits",
                              {"Origin": "null", "Content-Type": "application/json"}, DEPOSIT)
    assert status == 403
    status, body = await send(served, "POST", "/_mock/reset", {"Origin": "http://evil.example"})
    assert status == 403
    assert btc(served.mock) == before


async def test_a_write_without_origin_must_be_json(served):
    before = btc(served.mock)
    status, body = await send(served, "POST", "/_mock/accounts/trader/deposits",
                              {"Content-Type": "text/plain"}, DEPOSIT)
    assert status == 415 and "application/json" in body["error"]
    assert btc(served.mock) == before
    status, _ = await send(served, "POST", "/_mock/accounts/trader/deposits",
                           {"Content-Type": "application/json"}, DEPOSIT)
    assert status == 200 and btc(served.mock) == before + 1000
    assert (await send(served, "POST", "/_mock/reset"))[0] == 200      # no body: no type needed


async def test_a_same_origin_page_may_write(served):
    """the dashboard's fetch() from a page the mock serves: Origin is the served origin"""
    port = served.rest_port
    for origin, host in ((served.rest_url, f"127.0.0.1:{port}"),
                         (f"http://localhost:{port}", f"localhost:{port}")):
        status, _ = await send(served, "POST", "/_mock/accounts/trader/deposits",
                               {"Origin": origin, "Host": host,
                                "Content-Type": "application/json"}, '{"assetId": "BTC", '
                               '"amount": "1"}')
        assert status == 200, origin
    other_port = f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}"
    status, _ = await send(served, "POST", "/_mock/reset", {"Origin": other_port})
    assert status == 403


async def test_dns_rebinding_cannot_read_the_api_keys(served):
    """a page of evil.example whose name now points at 127.0.0.1"""
    host = {"Host": f"evil.example:{served.rest_port}"}
    status, body = await send(served, "GET", "/_mock/accounts", host)
    assert status == 403 and "--allow-host" in body["error"] and "apiKey" not in str(body)
    assert (await send(served, "GET", "/_mock/accounts", {"Host": "localhost"}))[0] == 200
    assert (await send(served, "GET", "/_mock/health", {"Host": "[::1]:1"}))[0] == 200
    status, body = await send(served, "GET", "/api/isalive", host)     # as the real server
    assert status == 200 and body["name"] == "Lykke.HftApi"


async def test_allowed_hosts_are_served():
    mock = world().mock
    async with MockServer(mock, allow_hosts=("mock.internal",)) as server:
        assert (await send(server, "GET", "/_mock/health", {"Host": "MOCK.internal:80"}))[0] == 200
        assert (await send(server, "GET", "/_mock/health", {"Host": "other.internal"}))[0] == 403
        # a page served under the allowed name may write
        status, _ = await send(server, "POST", "/_mock/reset",
                               {"Host": "mock.internal", "Origin": "https://mock.internal"})
        assert status == 200
    async with MockServer(mock, allow_hosts=("*",)) as server:
        assert (await send(server, "GET", "/_mock/health", {"Host": "anything.at.all"}))[0] == 200
        status, _ = await send(server, "POST", "/_mock/reset",
                               {"Host": "mock", "Origin": "http://evil.example"})
        assert status == 403                        # '*' opens the Host check, not the origin


async def test_the_token_is_required_when_set():
    mock = world().mock
    async with MockServer(mock, control_token="s3cret") as server:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.rest_url + "/_mock/accounts") as r:
                assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
                assert "Authorization: Bearer" in (await r.json())["error"]
        status, body = await send(server, "GET", "/_mock/accounts",
                                  {"Authorization": "Bearer wrong"})
        assert status == 403 and body == {"error": "the control API token is wrong"}
        status, body = await send(server, "GET", "/_mock/accounts",
                                  {"Authorization": "Bearer s3cret"})
        assert status == 200 and body[0]["name"] == "trader"
        assert (await send(server, "GET", "/_mock/health?token=s3cret"))[0] == 200
        status, body = await send(server, "GET", "/api/balance",      # the Lykke API's own key
                                  {"Authorization": "Bearer trader-key"})
        assert status == 200 and body["error"] is None


def test_which_hosts_a_guard_serves():
    assert host_name("[::1]:5000") == "::1" and host_name("Example.COM.:80") == "example.com"
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    loop = ControlGuard()
    assert loop.names == {"localhost", "127.0.0.1"} and not loop.any_host
    everywhere = ControlGuard("0.0.0.0", ["svc"])
    assert {socket.gethostname().lower(), "svc", "localhost"} <= everywhere.names
    assert ControlGuard("10.1.2.3").names == {"localhost", "10.1.2.3"}
    assert ControlGuard(allow_hosts=["*"]).any_host


class Transport:
    """A connection that arrived on `local` (its socket's own address)."""

    def __init__(self, local: str):
        self.local = local

    def get_extra_info(self, name, default=None):
        return (self.local, 5000) if name == "sockname" else default


def test_on_every_interface_the_address_a_client_used_is_served():
    from aiohttp.test_utils import make_mocked_request
    guard = ControlGuard("0.0.0.0")

    def status(host, local="10.0.0.5"):
        request = make_mocked_request("GET", "/_mock/health", headers={"Host": host},
                                      transport=Transport(local))
        refused = guard.refuse(request)
        return 200 if refused is None else refused.status
    assert status("10.0.0.5:5000") == 200
    assert status("10.0.0.6:5000") == 403                  # not where it arrived
    assert status("[::ffff:10.0.0.5]:5000") == 200         # the IPv4-mapped form
    assert status("10.0.0.5", local="::ffff:10.0.0.5") == 200
    assert status(f"{socket.gethostname()}:5000") == 200
    assert status("rebound.example") == 403
