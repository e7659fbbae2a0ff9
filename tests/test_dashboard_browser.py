"""The dashboard in a real browser: Playwright for Python driving Debian's `chromium`.

Against a running `mock-lykke serve` (a subprocess, as a user runs it): a fill made through
gRPC shows in the trades tape and the order-book ladder within a second; the page's controls
(advance the clock, add a fault, add and remove latency rules, switch a quirk, place an
order, explain it) change the mock's state as its control API then reports. The page makes no request outside the mock's origin.

Skipped without `chromium` (apt-get install -y chromium) or the `playwright` package.
Playwright's own browser download is not used: chromium is launched by `executable_path`.
With MOCK_LYKKE_SCREENSHOT=1 the final screenshot is written to docs/img/dashboard.png.
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest

from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc as pvg

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (the test extra)")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SECOND = 1000                   # ms: how long the page may take to show a fill


def serve(folder, *extra):
    """`mock-lykke serve` on the market-maker scenario; yields its ready file's contents."""
    ready = folder / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "serve", "--grpc-port", "0", "--rest-port", "0",
         "--scenario", str(ROOT / "scenarios" / "market-maker.yaml"), "--ready-file", str(ready),
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:              # blocks until the server says it is ready
            if line.startswith("mock-lykke ready"):
                break
        yield json.loads(ready.read_text())
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """The scenario on its virtual clock, until the module ends."""
    yield from serve(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except sync_api.Error as e:              # e.g. a container without what it needs
            pytest.skip(f"chromium ({CHROMIUM}) did not start: {e.message.splitlines()[0]}")
        yield b
        b.close()


def control(mock, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(mock["rest"] + "/_mock" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def has_sessions(mock) -> bool:
    try:
        control(mock, "GET", "/sessions")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise
    return True


def key(mock, name):
    return next(a["apiKey"] for a in mock["accounts"] if a["name"] == name)


def test_the_dashboard_shows_a_grpc_fill_and_its_controls_steer_the_mock(mock, browser, tmp_path):
    expect = sync_api.expect
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(mock["rest"] + "/_mock/ui")
    expect(page.locator("#status")).to_have_text("live")
    if not has_sessions(mock):                            # no sessions API: no tabs
        expect(page.locator("#sessions")).to_be_hidden()
    ask = page.locator('#ladder tr.ask[data-price="10010"] td:nth-child(2)')
    expect(ask).to_have_text("0.5")                     # the maker's best ask, at start

    auth = (("authorization", f"Bearer {key(mock, 'trader')}"),)
    with grpc.insecure_channel(mock["grpc"]) as channel:
        api = pvg.PrivateServiceStub(channel)
        reply = api.PlaceMarketOrder(pv.MarketOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0.2"), metadata=auth)
        assert not reply.HasField("error"), reply.error
        # within a second, the fill is on the tape and the ladder
        first = page.locator("#tape tbody tr").first
        expect(first).to_contain_text("10010", timeout=SECOND)
        expect(first).to_contain_text("0.2", timeout=SECOND)
        expect(ask).to_have_text("0.3", timeout=SECOND)

        # advance the clock from the page: the mock's clock moved, the page shows it
        page.fill("#advance-by", "15m")
        page.click("#advance")
        expect(page.locator("#clock")).to_have_text("2026-01-01 00:15:00.000")
        assert control(mock, "GET", "/time")["elapsed"] == 15 * 60_000

        # add a fault from the page: the mock has it, and a gRPC call meets it
        page.fill("#fault-spec", '{"method": "PlaceLimitOrder", "error": "meNotEnoughFunds", '
                                 '"times": 1}')
        page.click("#fault-add")
        expect(page.locator("#faults li[data-fault]")).to_have_count(1)
        faults = control(mock, "GET", "/faults")
        assert [(f["method"], f["error"]) for f in faults] == [("PlaceLimitOrder",
                                                                "meNotEnoughFunds")]
        refused = api.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0.01", price="9000"), metadata=auth)
        assert refused.HasField("error") and refused.error.code != 0

    # switch a quirk off from the page
    page.uncheck('#quirks input[data-quirk="negative-ask-volumes"]')
    expect(page.locator('#quirks input[data-quirk="negative-ask-volumes"]')).not_to_be_checked()
    assert control(mock, "GET", "/quirks")["negative-ask-volumes"] is False

    # place a limit order as the trader from the page, then explain it from its row
    page.select_option("#o-account", "trader")
    page.select_option("#o-type", "limit")
    page.fill("#o-volume", "0.1")
    page.fill("#o-price", "9000")
    page.click("#o-place")
    row = page.locator('#accounts [data-account="trader"] tr[data-order]')
    expect(row).to_have_count(1)
    order_id = row.get_attribute("data-order")
    assert control(mock, "GET", "/state")["orders"][-1]["id"] == order_id
    page.locator('#ladder tr.mine').first.wait_for()   # the trader's order marked on the ladder
    row.locator('button[title="explain"]').click()
    expect(page.locator("#explain-text")).to_contain_text(f"order {order_id} (trader)")
    page.keyboard.press("Escape")

    # the journal lists every control call, filterable by kind
    page.select_option("#j-kind", "place_limit")
    expect(page.locator("#journal tbody tr").first).to_contain_text("9000")

    page.select_option("#j-kind", "")
    page.evaluate("document.getElementById('toast').hidden = true")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("MOCK_LYKKE_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / "docs" / "img" / "dashboard.png")
    origin = mock["rest"]
    assert [u for u in requested if not u.startswith(origin + "/")] == []
    assert errors == []
    page.close()


def test_on_a_realtime_clock_the_page_pauses_resumes_and_sets_the_speed(browser, tmp_path):
    expect = sync_api.expect
    """(The sessions API is another part's: its answer is stood in for here.)"""
    for info in serve(tmp_path, "--clock", "realtime"):
        page = browser.new_page()
        other = "http://127.0.0.1:1"              # (never opened)
        sessions = {"sessions": [{"id": "main", "rest": info["rest"]},
                                 {"id": "second", "rest": other}]}
        page.route("**/_mock/sessions", lambda route: route.fulfill(json=sessions))
        page.goto(info["rest"] + "/_mock/ui")
        tabs = page.locator("#sessions a")        # one tab per session, this one marked
        expect(tabs).to_have_count(2)
        expect(page.locator("#sessions a.on")).to_have_text("main")
        assert tabs.nth(1).get_attribute("href") == other + "/_mock/ui"
        mode = page.locator("#clock-mode")
        expect(mode).to_have_text("realtime")
        expect(page.locator("#advance")).to_be_disabled()      # virtual clocks only
        page.click("#pause")
        expect(mode).to_have_text("realtime · paused")
        paused = control(info, "GET", "/time")
        assert paused["paused"] is True
        expect(page.locator("#clock")).to_have_text(
            paused["iso"].replace("T", " ").replace("Z", ""))    # the page stopped with it
        page.fill("#speed", "5")
        page.click("#set-speed")
        expect(mode).to_have_text("realtime ×5 · paused")
        page.click("#resume")
        expect(mode).to_have_text("realtime ×5")
        now = control(info, "GET", "/time")
        assert now["paused"] is False and now["speed"] == 5.0
        entries = control(info, "GET", "/journal?since=0&limit=10000")["entries"]
        assert [e["args"] for e in entries if e["cmd"] == "clock" and e["args"]] == \
            [{"paused": True}, {"speed": 5.0}, {"paused": False}]
        page.close()


def test_the_page_carries_a_control_token_and_resets_the_mock(mock, browser):
    """Opened as /_mock/ui?token=..., the page sends the token with everything it asks the
    mock (the control API's token check is another part's: the headers are checked here)."""
    expect = sync_api.expect
    page = browser.new_page()
    sent = []
    page.on("request", lambda r: sent.append((r.url, r.headers)))
    page.on("dialog", lambda d: d.accept())             # "Reset the exchange …?"
    page.goto(mock["rest"] + "/_mock/ui?token=s3cret")
    expect(page.locator("#status")).to_have_text("live")
    page.fill("#advance-by", "1s")
    page.click("#advance")
    expect(page.locator("#toast")).to_contain_text("advanced to")
    page.click("#reset")
    expect(page.locator("#clock")).to_have_text("2026-01-01 00:00:00.000")
    assert control(mock, "GET", "/time")["elapsed"] == 0
    expect(page.locator("#tape tbody tr")).to_have_count(0)     # the new world's picture
    ours = [(u, h) for u, h in sent if u.startswith(mock["rest"] + "/_mock/ui")]
    assert ours and all("token=s3cret" in u for u, _ in ours)     # page, files, events
    calls = [h for u, h in sent if "/_mock/advance" in u or "/_mock/reset" in u]
    assert len(calls) == 2
    assert all(h.get("authorization") == "Bearer s3cret" and h.get("x-mock-token") == "s3cret"
               for h in calls)
    page.close()


def test_latency_rules_are_added_and_removed_from_the_page(mock, browser):
    """The page edits the latency rules through PUT /_mock/latency: the mock then has them (and
    journals them); a bad rule is refused with the control API's message and changes nothing."""
    expect = sync_api.expect
    page = browser.new_page()
    page.goto(mock["rest"] + "/_mock/ui")
    expect(page.locator("#status")).to_have_text("live")
    before = control(mock, "GET", "/latency")
    rows = page.locator("#latency li[data-latency]")
    expect(rows).to_have_count(len(before))
    place = {"method": "PlaceLimitOrder", "request": "50ms", "response": "5ms"}
    route = {"route": "POST /api/orders/*", "request": {"uniform": ["1ms", "3ms"]}}
    for rule in (place, route):
        page.fill("#latency-spec", json.dumps(rule))
        page.click("#latency-add")
        expect(rows).to_have_count(len(before) + (2 if rule is route else 1))
    assert control(mock, "GET", "/latency") == before + [place, route]
    noted = [e["args"] for e in control(mock, "GET", "/journal?since=0&limit=10000")["entries"]
             if e["cmd"] == "latency"]
    assert noted[-1] == {"rules": before + [place, route]}

    page.fill("#latency-spec", '{"method": "PlaceLimitOrder", "request": "soon"}')
    page.click("#latency-add")
    expect(page.locator("#toast")).to_contain_text("PUT /_mock/latency")
    assert control(mock, "GET", "/latency") == before + [place, route]

    rows.filter(has_text="/api/orders/").get_by_title("remove").click()   # the last rule
    expect(rows).to_have_count(len(before) + 1)
    assert control(mock, "GET", "/latency") == before + [place]
    rows.filter(has_text="PlaceLimitOrder").get_by_title("remove").click()
    expect(rows).to_have_count(len(before))
    assert control(mock, "GET", "/latency") == before
    page.close()
