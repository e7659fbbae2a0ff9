"""Swagger UI at /swagger/ui/index.html renders the mock's OpenAPI document in headless
Chromium, with every host name but the mock's unresolvable (no CDN needed).

Needs Debian's `chromium`; skipped without it (as tests/test_report_browser.py).
"""
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def test_swagger_ui_renders_the_document_offline(lykke, tmp_path):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}",
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
           "--virtual-time-budget=10000", "--dump-dom",
           lykke.rest_url + "/swagger/ui/index.html"]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout
    assert 'class="swagger-ui"' in dom                       # the UI mounted
    assert "Lykke Trading API" in dom                        # the document's title
    assert "/api/orders/limit" in dom and "/api/balance" in dom     # its operations
    assert "Failed to load API definition" not in dom
    assert "btn authorize" in dom                            # the API key goes in there
