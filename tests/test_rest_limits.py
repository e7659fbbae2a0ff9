"""The REST port closes idle and half-sent connections (api/limits.py). The limits are made
small here; each test waits for the server to close the socket (EOF), never for a time."""
from __future__ import annotations

import asyncio

import pytest

from mock_lykke.api.limits import RestLimits
from mock_lykke.server import MockServer
from test_scenario_support import world

SMALL = RestLimits(idle=0.2, body=0.2, linger=0.2)
GUARD = 10          # seconds: only so that a broken server fails the test instead of hanging


@pytest.fixture
async def server():
    async with MockServer(world().mock, rest_limits=SMALL) as s:
        yield s


async def connect(server):
    return await asyncio.open_connection("127.0.0.1", server.rest_port)


async def until_closed(reader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), GUARD)


async def test_a_connection_that_sends_nothing_is_closed(server):
    reader, writer = await connect(server)
    assert await until_closed(reader) == b""
    writer.close()


async def test_an_idle_keep_alive_connection_is_closed(server):
    reader, writer = await connect(server)
    writer.write(b"GET /api/isalive HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = await until_closed(reader)
    assert got.startswith(b"HTTP/1.1 200") and b"Lykke.HftApi" in got
    writer.close()


async def test_half_sent_headers_are_closed(server):
    reader, writer = await connect(server)
    writer.write(b"GET /api/isalive HTTP/1.1\r\nHost: localhost\r\n")      # no blank line
    assert await until_closed(reader) == b""
    writer.close()


@pytest.mark.parametrize("path, body", [
    ("/api/orders/limit", b'{"assetPairId": "BTC'),
    ("/_mock/accounts/trader/deposits", b'{"assetId": "BT'),
])
async def test_a_half_sent_body_is_answered_408_and_closed(server, path, body):
    reader, writer = await connect(server)
    writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
                 b"Authorization: Bearer trader-key\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 200\r\n\r\n" + body)
    got = await until_closed(reader)
    assert got.startswith(b"HTTP/1.1 408"), got
    if path.startswith("/_mock"):
        assert b"did not arrive in time" in got
    writer.close()
    balance = server.mock.exchange.account("trader").balance("BTC").total
    assert balance == 2                                 # nothing done


def test_the_defaults_are_kestrels_keep_alive_and_bounded():
    limits = RestLimits()
    assert (limits.idle, limits.body, limits.linger) == (130.0, 30.0, 5.0)
