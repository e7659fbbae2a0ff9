"""The HTML report opens in headless Chromium with no network at all, and its plots render.

Needs Debian's `chromium` (apt-get install -y chromium) and the `report` extra; skipped
without them. Every host name resolves to nothing (--host-resolver-rules), and Chromium's
net log lists each request the page starts (its initiator is the page's origin).
"""
import json
import re
import shutil
import subprocess

import pytest

from test_report import scripted_journal

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def chromium(tmp_path, page, *action):
    """Run headless Chromium on a file; returns (stdout, the URLs the page requested)."""
    netlog = tmp_path / "netlog.json"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}",
           "--virtual-time-budget=10000", *action, page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = [e["params"]["url"] for e in log["events"]
                 if e["type"] == start_job and e.get("params", {}).get("url")
                 and e["params"].get("initiator") != "not an origin"]   # the browser's own
    return done.stdout, requested


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    pytest.importorskip("plotly")
    from mock_lykke.dryrun.report import write_report
    tmp = tmp_path_factory.mktemp("report")
    scripted_journal(tmp / "journal.jsonl")
    write_report(tmp / "journal.jsonl", tmp / "out")
    return tmp / "out" / "report.html"


def test_the_html_has_no_external_sources(report_html):
    html = report_html.read_text()
    assert not re.search(r"<(script|link|img|iframe|source)\b[^>]*\b(src|href)\s*=", html, re.I)
    assert "@import" not in html and 'url("http' not in html
    from plotly.offline import get_plotlyjs
    assert get_plotlyjs()[-2000:] in html                        # plotly.js is inline
    assert len(html.encode()) < 10_000_000


def test_the_report_renders_offline_without_any_request(report_html, tmp_path):
    dom, requested = chromium(tmp_path, report_html, "--dump-dom")
    assert requested == []
    for name in ("fig-equity", "fig-price-BTCUSD", "fig-inventory"):
        div = dom[dom.index(f'id="{name}"'):]
        assert 'class="main-svg"' in div[:20_000], f"{name} did not render"   # plotly drew it
    assert dom.count('class="main-svg"') >= 3 and "scatterlayer" in dom
    assert "Not enough funds" not in dom and "116.48" in dom       # the summary card


def test_the_request_check_sees_what_a_page_asks_for(tmp_path):
    page = tmp_path / "external.html"
    page.write_text('<img src="http://example.invalid/x.png"><script '
                    'src="https://cdn.example.invalid/plotly.js"></script>')
    _, requested = chromium(tmp_path, page, "--dump-dom")
    assert sorted(requested) == ["http://example.invalid/x.png",
                                 "https://cdn.example.invalid/plotly.js"]


def test_a_screenshot_of_the_report(report_html, tmp_path):
    png = tmp_path / "report.png"
    _, requested = chromium(tmp_path, report_html, f"--screenshot={png}",
                            "--window-size=1280,2000")
    assert requested == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
