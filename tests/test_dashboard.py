"""The dashboard's server side (GET /_mock/ui): its event stream, what it costs, who may read it.

The page itself, in a browser, is tests/test_dashboard_browser.py."""
import asyncio
import io
import json
import subprocess
import sys
import urllib.request

import aiohttp
import pytest

from mock_lykke.api import ui
from mock_lykke.dryrun.explain import explain
from mock_lykke.server import MockServer
from test_scenario_support import START, example, world

ORDERS = """
orders:
  - {account: market, assetPairId: BTCUSD, side: sell, volume: "1", price: "10010"}
  - {account: market, assetPairId: BTCUSD, side: buy, volume: "1", price: "9990"}
"""


async def events(resp):
    """(kind, data) of each server-sent event, as they come."""
    kind, data = None, []
    async for raw in resp.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif not line and kind:
            yield kind, json.loads("".join(data))
            kind, data = None, []


@pytest.fixture
async def served():
    c = world(ORDERS)
    async with MockServer(c.mock) as server, aiohttp.ClientSession() as http:
        yield c, server.rest_url, http


async def test_nothing_listens_until_a_page_opens_and_nothing_after_it_closes(served):
    c, url, http = served
    ex = c.exchange
    listeners, resets = len(ex.listeners), len(c.mock.on_reset)
    assert "ui_feed" not in c.mock.extras
    resp = await http.get(url + "/_mock/ui/events")
    stream = events(resp)
    kind, _ = await anext(stream)
    feed = c.mock.extras["ui_feed"]
    assert kind == "snapshot" and len(ex.listeners) == listeners + 1 and not feed.idle.is_set()
    resp.close()
    await asyncio.wait_for(feed.idle.wait(), 10)     # the feed notices the page went away
    assert len(ex.listeners) == listeners and len(c.mock.on_reset) == resets
    assert feed._task is None and not feed.pages


async def test_a_fill_arrives_in_the_next_frame_with_the_book_accounts_and_journal(served):
    c, url, http = served
    async with http.get(url + "/_mock/ui/events") as resp:
        stream = events(resp)
        kind, first = await anext(stream)
        assert kind == "snapshot" and first["time"]["now"] == START
        assert first["books"]["BTCUSD"]["asks"] == [["10010", "1", {"market": "1"}]]
        assert {a["name"] for a in first["accounts"]} == {"trader", "market"}
        c.place_market("trader", "BTCUSD", "buy", "0.25")
        kind, frame = await anext(stream)
        assert kind == "frame"
        assert [(t["price"], t["volume"], t["side"]) for t in frame["trades"]] == \
            [("10010", "0.25", "buy")]
        assert frame["books"]["BTCUSD"]["asks"] == [["10010", "0.75", {"market": "0.75"}]]
        trader = next(a for a in frame["accounts"] if a["name"] == "trader")
        assert trader["balances"]["BTC"] == ["2.25", "0"]
        assert frame["journal"][-1]["cmd"] == "place_market"


async def test_each_frame_coalesces_what_happened_since_the_last(served):
    c, url, http = served
    async with http.get(url + "/_mock/ui/events") as resp:
        stream = events(resp)
        await anext(stream)
        for _ in range(5):                  # five commands between two frames: one frame
            c.place_market("trader", "BTCUSD", "buy", "0.1")
        kind, frame = await anext(stream)
        assert len(frame["trades"]) == 5 and len(frame["journal"]) == 5
        assert frame["books"]["BTCUSD"]["asks"][0][1] == "0.5"


class Transport:
    aborted = False

    def is_closing(self):
        return self.aborted

    def abort(self):
        self.aborted = True


async def test_a_page_that_falls_behind_is_cut_off():
    c = world(ORDERS)
    feed = ui.Feed(c.mock)
    transport = Transport()
    page = feed.open(transport)             # its snapshot is queued and never read
    for _ in range(ui.BEHIND_FRAMES - 1):
        feed._broadcast(b"event: frame\ndata: {}\n\n")
    assert not page.closed
    feed._broadcast(b"event: frame\ndata: {}\n\n")
    assert page.closed and page.cut and transport.aborted and not feed.pages
    assert not c.exchange.listeners and feed.idle.is_set()


async def test_a_reset_sends_a_new_picture(served):
    c, url, http = served
    async with http.get(url + "/_mock/ui/events") as resp:
        stream = events(resp)
        await anext(stream)
        c.place_market("trader", "BTCUSD", "buy", "0.25")
        c.reset()
        kind, picture = await anext(stream)
        assert kind == "snapshot" and picture["trades"] == []


async def test_the_page_is_not_a_participant_of_a_lockstep_clock():
    c = example("market-maker.yaml", clock_mode="lockstep", clock_options={"quiet": 0},
                probe=None)
    async with MockServer(c.mock) as server, aiohttp.ClientSession() as http:
        clock = c.exchange.clock
        clock.release()
        async with http.get(server.rest_url + "/_mock/ui/events") as resp:
            stream = events(resp)
            kind, first = await anext(stream)
            start = first["time"]["now"]
            assert clock.busy == 0
            async for kind, frame in stream:    # the clock steps on while the page watches
                if frame.get("time", {}).get("now", start) >= start + 10_000:
                    break
            assert clock.now() >= start + 10_000


async def test_another_origin_may_not_read_the_stream(served):
    c, url, http = served
    resp = await http.get(url + "/_mock/ui/events", headers={"Origin": "http://evil.example"})
    assert resp.status == 403
    async with http.get(url + "/_mock/ui/events", headers={"Origin": url}) as ok:
        assert ok.status == 200 and ok.headers["Content-Type"] == "text/event-stream"


async def test_the_page_and_its_files_come_from_the_package(served):
    c, url, http = served
    async with http.get(url + "/_mock/ui") as resp:
        html = await resp.text()
    assert resp.status == 200 and "__Q__" not in html
    assert 'src="/_mock/ui/static/vendor/lightweight-charts.standalone.production.js"' in html
    assert "http://" not in html and "https://" not in html
    async with http.get(url + "/_mock/ui?token=a%26b") as resp:
        assert 'dashboard.js?token=a%26b"' in await resp.text()
    for name in ("dashboard.js", "dashboard.css",
                 "vendor/lightweight-charts.standalone.production.js"):
        async with http.get(url + "/_mock/ui/static/" + name) as resp:
            assert resp.status == 200, name
    for name in ("../ui.py", "nope.js", "%2e%2e/ui.py"):
        async with http.get(url + "/_mock/ui/static/" + name) as resp:
            assert resp.status == 404, name


async def test_explain_an_order_without_tracking_gives_its_history(served):
    c, url, http = served
    order_id = c.place_limit("trader", "BTCUSD", "buy", "0.5", "10010")
    async with http.get(url + f"/_mock/ui/explain/{order_id}") as resp:
        lines = (await resp.json())["lines"]
    assert lines[0].startswith(f"order {order_id} (trader): limit buy 0.5 BTCUSD at 10010")
    assert "status Matched" in lines[1] and "fill" in lines[2] and "as taker" in lines[2]
    async with http.get(url + "/_mock/ui/explain/no-such-order") as resp:
        assert resp.status == 404


def test_serve_ui_prints_the_dashboards_address(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port", "0", "--rest-port", "0",
         "--ui"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:              # blocks until the server prints it
            if line.strip().startswith("dashboard"):
                break
        url = line.split()[-1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/_mock/ui")
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200 and b"mock-lykke dashboard" in resp.read()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


WATCHER = """
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_mock/ui/events", timeout=30) as resp:
    for line in resp:
        if line.startswith(b"data: "):
            picture = json.loads(line[6:])
            break
open(sys.argv[2], "w").write(json.dumps({"bot": picture["bot"], "mode": picture["time"]["mode"]}))
"""


def test_dryrun_ui_prints_the_address_and_the_page_marks_the_bots_account(tmp_path):
    from dryrun_support import WORLD
    from mock_lykke.dryrun.run import Options, dry_run
    seen = tmp_path / "seen.json"
    out = io.StringIO()
    code = dry_run(Options(scenario=str(WORLD), journal=str(tmp_path / "j.jsonl"), ui=True,
                           account="market", command=[sys.executable, "-c", WATCHER, "{rest}",
                                                      str(seen)]), out)
    assert code == 0, out.getvalue()
    assert "mock-lykke dryrun: dashboard http://127.0.0.1:" in out.getvalue()
    assert json.loads(seen.read_text()) == {"bot": "market", "mode": "lockstep"}


async def test_a_bare_mock_without_a_scenario_has_a_picture_too():
    from mock_lykke.state import Mock
    mock = Mock(exchange=world(ORDERS).exchange)
    feed = ui.Feed(mock)
    page = feed.open()
    picture = json.loads(page.frames[0].split(b"data: ", 1)[1])
    assert picture["scenario"] is None and picture["journal"] == []
    assert picture["books"]["BTCUSD"]["bids"] == [["9990", "1", {"market": "1"}]]
    assert "faults" not in picture and picture["quirks"]["negative-ask-volumes"] is True
    feed.close(page)
    assert feed.idle.is_set()


def test_explain_in_a_tracked_run_tells_the_journals_notes():
    c = world(ORDERS, track=True)
    order_id = c.place_limit("trader", "BTCUSD", "buy", "0.5", "10010")
    lines = ui.explain_order(c.mock, order_id)["lines"]
    assert lines == explain(list(c.journal.entries), order_id)
    assert any("as taker, against the resting sell order" in line for line in lines)


def test_a_tests_lykke_fixture_serves_the_dashboard_from_its_own_thread(lykke):
    with urllib.request.urlopen(lykke.rest_url + "/_mock/ui/events", timeout=30) as resp:
        assert resp.readline() == b"event: snapshot\n"
        picture = json.loads(resp.readline()[len(b"data: "):])
    assert picture["time"]["mode"] == "virtual" and picture["books"]
