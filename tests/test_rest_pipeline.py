"""The REST pipeline: auth (§2), routing and CORS (§1), the error envelope switch
(quirk rest-errors-http-200), injected faults, swagger pages."""
from __future__ import annotations

import json
import re

import pytest

from mock_lykke.state import FaultAction
from test_rest_support import (CRASH, TRADER, Api, api, error_text)  # noqa: F401


# --- auth ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/balance", "/api/orders/active", "/api/trades",
                                  "/api/operations", "/api/operations/deposits/addresses"])
async def test_private_route_without_key_is_401_challenge(api: Api, path):
    status, headers, text = await api.get(path, key=None)
    assert (status, text, headers["WWW-Authenticate"]) == (401, "", "Bearer")
    assert "Content-Type" not in headers


async def test_private_route_with_unknown_key_is_invalid_token(api: Api):
    status, headers, text = await api.get("/api/balance", key="nope")
    assert (status, text) == (401, "")
    assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    status, headers, _ = await api.get("/api/balance", key=None,
                                       headers={"Authorization": "Basic abc"})
    assert (status, headers["WWW-Authenticate"]) == (401, "Bearer")


async def test_scheme_word_is_case_insensitive(api: Api):
    status, _, _ = await api.get("/api/balance", key=None,
                                 headers={"Authorization": f"bEaReR {TRADER}"})
    assert status == 200


async def test_public_route_serves_unknown_keys(api: Api):
    assert (await api.get("/api/assetpairs", key="nope"))[0] == 200


@pytest.mark.parametrize("method, path", [("GET", "/api/isalive"), ("GET", "/api/assets"),
                                          ("GET", "/api/balance"), ("GET", "/api/nowhere"),
                                          ("GET", "/api/v2/swagger.json"),
                                          ("POST", "/api/orders/limit")])
async def test_blocked_account_is_401_json_everywhere(api: Api, method, path):
    api.ex.account("trader").blocked = True
    status, headers, text = await api.call(method, path, body="{}")
    assert (status, text, headers["Content-Type"]) == (401, "", "application/json")
    assert "WWW-Authenticate" not in headers


async def test_auth_comes_before_model_binding(api: Api):
    status, _, _ = await api.post("/api/orders/limit", "not json", key=None)
    assert status == 401


# --- routing, CORS ------------------------------------------------------------------------
async def test_paths_are_case_insensitive_with_optional_trailing_slash(api: Api):
    for path in ("/API/Balance", "/api/balance/", "/Api/BALANCE/"):
        assert (await api.get(path))[0] == 200
    assert (await api.get("/api/balance//"))[0] == 404


async def test_unknown_path_404_and_wrong_verb_405_have_empty_bodies(api: Api):
    for method, path, want in [("GET", "/api/nope", 404), ("GET", "/nope", 404),
                               ("PUT", "/api/balance", 405), ("GET", "/api/orders", 405),
                               ("HEAD", "/api/isalive", 405),
                               ("POST", "/api/orders/limit/x", 404)]:
        status, headers, text = await api.call(method, path, key=None)
        assert (status, text) == (want, ""), (method, path)
        assert "Content-Type" not in headers


async def test_cors_preflight_and_allow_origin(api: Api):
    status, headers, text = await api.call("OPTIONS", "/api/orders/limit", key=None, headers={
        "Origin": "https://bot.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert (status, text) == (204, "")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    status, headers, _ = await api.get("/api/balance", key=None,
                                       headers={"Origin": "https://bot.example"})
    assert status == 401 and headers["Access-Control-Allow-Origin"] == "*"
    _, headers, _ = await api.get("/api/isalive")
    assert "Access-Control-Allow-Origin" not in headers
    assert (await api.call("OPTIONS", "/api/balance", key=None))[0] == 405


# --- the documented error form (quirk off) ------------------------------------------------
async def test_documented_error_form_when_quirk_off(api: Api):
    api.ex.quirks.update({"rest-errors-http-200": False})
    status, headers, text = await api.get("/api/assetpairs/NOPE")
    assert (status, headers["Content-Type"]) == (404, "application/json")
    assert text == ('{"error":{"code":"itemNotFound","message":"Asset pair not found",'
                    '"fields":{"assetPairId":"Asset pair not found"}},"payload":null}')
    status, _, text = await api.get("/api/orders/active?take=-1")
    assert status == 400 and '"code":"invalidField"' in text
    status, _, text = await api.delete("/api/orders/nope")
    assert (status, text) == (400, '{"error":{"code":"meNotFound","message":"Not found",'
                                   '"fields":{}},"payload":null}')
    status, _, text = await api.get("/api/orderbooks")
    assert (status, text) == (500, '{"error":{"code":"runtimeError","message":"Runtime error",'
                                   '"fields":{}},"payload":null}')
    assert (await api.get("/api/balance"))[2].endswith('"error":null}')


# --- faults -------------------------------------------------------------------------------
async def test_fault_hook_gets_the_route_template(api: Api):
    order_id = await api.limit("BTCUSD", "buy", "0.1", "9000")
    await api.delete(f"/API/orders/{order_id}/")
    await api.get("/api/orders/active")
    assert api.mock.faults.asked == ["POST /api/orders/limit", "DELETE /api/orders/{orderId}",
                                     "GET /api/orders/active"]


async def test_fault_error_code_answers_the_envelope(api: Api):
    api.mock.faults.actions["POST /api/orders/limit"] = FaultAction(error_code=2023)
    status, _, text = await api.post("/api/orders/limit", "not even json")
    assert (status, text) == (200, error_text(2023, "ME not available"))
    api.mock.faults.actions["GET /api/balance"] = FaultAction(error_code=1102, message="Later")
    assert (await api.get("/api/balance"))[2] == error_text(1102, "Later")
    api.mock.faults.actions["GET /api/balance"] = FaultAction(error_code=1001)
    assert (await api.get("/api/balance"))[:3:2] == (200, error_text(1001, "Runtime error"))
    assert await api.payload("GET", "/api/orders/active") == []


async def test_fault_http_status(api: Api):
    api.mock.faults.actions["GET /api/balance"] = FaultAction(http_status=503, delay_ms=1)
    assert (await api.get("/api/balance"))[:3:2] == (503, CRASH)
    api.mock.faults.actions["GET /api/balance"] = FaultAction(http_status=429)
    assert (await api.get("/api/balance"))[:3:2] == (429, "")
    api.mock.faults.actions["GET /api/balance"] = FaultAction(delay_ms=1)
    assert (await api.get("/api/balance"))[0] == 200


async def test_exchange_is_read_per_request(api: Api):
    from test_rest_support import world
    replacement = world()
    replacement.account("trader").balances["ETH"].total = replacement.account(
        "trader").balances["ETH"].total * 2
    api.mock.exchange = replacement
    eth = (await api.payload("GET", "/api/balance"))[1]
    assert eth["available"] == 40.0


# --- swagger ------------------------------------------------------------------------------
async def test_swagger_document_and_page(api: Api):
    status, headers, text = await api.get("/api/v2/swagger.json", key=None)
    doc = json.loads(text)
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert doc["info"]["title"] == "Lykke Trading API" and doc["info"]["version"] == "v2"
    assert doc["components"]["securitySchemes"]["Bearer"]["scheme"] == "bearer"
    assert (await api.get("/api/V2/swagger.json"))[0] == 404
    status, headers, page = await api.get("/swagger/ui/index.html", key=None)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert not re.search(r"""(src|href)=["']?https?:""", page)     # works offline
    assert '<div id="swagger-ui">' in page                          # swagger-ui-dist's page
    assert (await api.get("/swagger/ui/INDEX.HTML", key=None))[2] == page


async def test_swagger_ui_serves_every_file_its_page_loads(api: Api):
    page = (await api.get("/swagger/ui/index.html", key=None))[2]
    loaded = re.findall(r'(?:src|href)="(?:\./)?([^"]+)"', page)
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-initializer.js"} <= set(loaded)
    kinds = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
    for name in loaded:
        resp = await api.client.get(f"/swagger/ui/{name}")
        assert resp.status == 200 and resp.headers["Content-Type"].startswith(
            kinds[name.rsplit(".", 1)[1]]), name
        assert len(await resp.read()) > 100
    bundle = (await api.get("/swagger/ui/swagger-ui-bundle.js", key=None))[2]
    assert "SwaggerUIBundle" in bundle and len(bundle) > 500_000      # the real one
    init = (await api.get("/swagger/ui/swagger-initializer.js", key=None))[2]
    assert "url: '../../api/v2/swagger.json'" in init and "petstore" not in init
    assert (await api.get("/swagger/ui/index.j2", key=None))[0] == 404
    assert (await api.get("/swagger/ui/../../etc/passwd", key=None))[0] == 404
    status, headers, _ = await api.get("/swagger/ui", key=None)
    assert (status, headers["Location"]) == (301, "ui/index.html")


async def test_a_path_with_an_escaped_newline_is_routed_by_the_mock(api: Api):
    """aiohttp's own router does not match a newline with `.*`; the mock's routing does."""
    status, headers, text = await api.get("/api/assets/BTC%0A")
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert text == error_text(1100, "Asset not found", "assetId")
    assert (await api.get("/api/nothing%0A"))[:3:2] == (404, "")


# --- routing: the indexed resolve() answers as a scan of every route did --------------------
def _scan(method: str, raw_path: str):
    """The reference: every route tried, literal segments first."""
    from urllib.parse import unquote
    from mock_lykke.api import rest
    if len(raw_path) > 1 and raw_path.endswith("/"):
        raw_path = raw_path[:-1]
    segments = [unquote(s.replace("%2F", "%252F").replace("%2f", "%252f"))
                for s in raw_path.split("/")[1:]]
    found = [(r, p) for r in rest.ROUTES if (p := rest._matches(r, segments)) is not None]
    allowed = [(r, p) for r, p in found if r.method == method]
    if not allowed:
        return None, {}, bool(found)
    r, p = min(allowed, key=lambda rp: tuple(s.startswith("{") for s in rp[0].segments))
    return r, p, True


def _near_paths():
    """Every route's path, upper-cased, and with each segment in turn replaced by something
    close (another route's word, empty, escaped, a parameter-like value); with and without
    a trailing slash."""
    from mock_lykke.api import rest
    words = sorted({s for r in rest.ROUTES for s in r.segments if not s.startswith("{")})
    others = words + ["x", "", "%41", "a%2Fb", "active%20", "0b6c7f5e"]
    for r in rest.ROUTES:
        base = ["v" if s.startswith("{") else s for s in r.segments]
        variants = [base, [s.upper() for s in base], base[:-1], base + ["x"]]
        variants += [base[:i] + [o] + base[i + 1:] for i in range(len(base)) for o in others]
        for segments in variants:
            for slash in ("", "/"):
                yield "/" + "/".join(segments) + slash


def test_resolve_matches_a_scan_of_every_route():
    from mock_lykke.api import rest
    paths = sorted(set(_near_paths()))
    assert len(paths) > 1000
    for method in ("GET", "POST", "DELETE", "PUT", "OPTIONS"):
        for path in paths:
            assert rest.resolve(method, path) == _scan(method, path), (method, path)
