"""REST public routes: isalive, assets, asset pairs, order books, prices, tickers and public
trades (BEHAVIOUR.md §7.1-§7.6, §7.10), byte-exact."""
from __future__ import annotations

import json

from test_rest_support import (CRASH, JSON_UTF8, MARKET, Api, api,  # noqa: F401
                               error_text, problem_text, strip_trace)

BTC = ('{"assetId":"BTC","name":"Bitcoin","symbol":"BTC","accuracy":8,"multiplierPower":8,'
       '"assetAddress":null,"blockchainIntegrationLayerId":null,"blockchain":"bitcoin",'
       '"type":null,"isTradable":true,"isTrusted":false,"kycNeeded":false,'
       '"blockchainWithdrawal":true,"cashoutMinimalAmount":0.001,"lowVolumeAmount":null,'
       '"lykkeEntityId":"LYKKE","siriusAssetId":100,"siriusBlockchainId":"bitcoin-main",'
       '"blockchainIntegrationType":"sirius","blockchainDepositEnabled":true,'
       '"isDisabled":false}')
BTCUSD = ('{"assetPairId":"BTCUSD","baseAssetId":"BTC","quoteAssetId":"USD","name":"BTC/USD",'
          '"priceAccuracy":3,"baseAssetAccuracy":8,"quoteAssetAccuracy":2,"minVolume":0.0001,'
          '"minOppositeVolume":1.0}')


async def test_isalive_is_bare_and_anonymous(api: Api):
    status, headers, text = await api.get("/api/isalive", key=None)
    assert status == 200 and headers["Content-Type"] == JSON_UTF8
    assert text == ('{"name":"Lykke.HftApi","version":"1.2.3","env":null,"hostName":"mock-lykke",'
                    '"isDebug":false,"startedAt":"2026-01-01T00:00:00.123Z","stateIndicators":[]}')


async def test_assets_list_and_by_id(api: Api):
    status, headers, text = await api.get("/api/assets", key=None)
    assert status == 200 and headers["Content-Type"] == JSON_UTF8
    assert text.startswith('{"payload":[' + BTC + ',{"assetId":"ETH",')
    assert text.endswith('"isDisabled":false}],"error":null}')
    assert [a["assetId"] for a in json.loads(text)["payload"]] == ["BTC", "ETH", "USD"]
    assert (await api.get("/api/assets/BTC"))[2] == '{"payload":' + BTC + ',"error":null}'


async def test_unknown_asset_is_error_1100_with_http_200(api: Api):
    status, headers, text = await api.get("/api/assets/btc")      # case-sensitive
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert text == error_text(1100, "Asset not found", "assetId")


async def test_disabled_asset_is_not_listed(api: Api):
    api.ex.reference.assets["ETH"].is_disabled = True
    names = [a["assetId"] for a in await api.payload("GET", "/api/assets")]
    assert names == ["BTC", "USD"]
    assert (await api.get("/api/assets/ETH"))[2] == error_text(1100, "Asset not found", "assetId")
    pairs = [p["assetPairId"] for p in await api.payload("GET", "/api/assetpairs")]
    assert pairs == ["BTCUSD"]


async def test_asset_pairs_list_and_by_id(api: Api):
    status, _, text = await api.get("/api/assetpairs")
    assert status == 200
    assert text.startswith('{"payload":[' + BTCUSD + ',{"assetPairId":"ETHUSD"')
    assert (await api.get("/api/assetpairs/BTCUSD"))[2] == '{"payload":' + BTCUSD + ',"error":null}'


async def test_unknown_asset_pair(api: Api):
    for pair in ("btcusd", "NOPE"):
        status, _, text = await api.get(f"/api/assetpairs/{pair}")
        assert status == 200
        assert text == error_text(1100, "Asset pair not found", "assetPairId")


async def test_orderbook_per_order_entries_negative_asks(api: Api):
    await api.limit("BTCUSD", "buy", "0.5", "9990")
    api.ex.clock.advance(5)
    status, _, text = await api.get("/api/orderbooks?assetPairId=BTCUSD", key=None)
    assert status == 200
    assert text == ('{"payload":[{"assetPairId":"BTCUSD","timestamp":1767225600000,'
                    '"bids":[{"v":2.0,"p":9990.0},{"v":0.5,"p":9990.0}],'
                    '"asks":[{"v":-1.5,"p":10010.0}]}],"error":null}')


async def test_orderbook_depth_counts_entries(api: Api):
    await api.limit("BTCUSD", "buy", "0.5", "9980")
    book = (await api.payload("GET", "/api/orderbooks?assetPairId=BTCUSD&depth=1"))[0]
    assert book["bids"] == [{"v": 2.0, "p": 9990.0}] and len(book["asks"]) == 1
    for depth in ("0", "-3", ""):
        book = (await api.payload("GET", f"/api/orderbooks?assetPairId=BTCUSD&depth={depth}"))[0]
        assert len(book["bids"]) == 2


async def test_orderbook_quirks_off_aggregates_and_keeps_asks_positive(api: Api):
    api.ex.quirks.update({"orderbook-per-order-entries": False, "negative-ask-volumes": False})
    await api.limit("BTCUSD", "buy", "0.5", "9990")
    await api.limit("BTCUSD", "buy", "0.5", "9980")
    text = (await api.get("/api/orderbooks?assetPairId=BTCUSD&depth=1"))[2]
    assert text == ('{"payload":[{"assetPairId":"BTCUSD","timestamp":1767225600000,'
                    '"bids":[{"v":2.5,"p":9990.0}],"asks":[{"v":1.5,"p":10010.0}]}],'
                    '"error":null}')


async def test_orderbook_known_pair_without_orders_is_empty_book_now(api: Api):
    api.ex.clock.advance(42)
    text = (await api.get("/api/orderbooks?assetPairId=ETHUSD"))[2]
    assert text == ('{"payload":[{"assetPairId":"ETHUSD","timestamp":1767225600042,'
                    '"bids":[],"asks":[]}],"error":null}')


async def test_orderbook_unknown_pair(api: Api):
    text = (await api.get("/api/orderbooks?assetPairId=btcusd"))[2]
    assert text == error_text(1100, "Asset pair not found", "assetPairId")


async def test_orderbooks_without_pair_is_500_quirk(api: Api):
    for path in ("/api/orderbooks", "/api/orderbooks?assetPairId=", "/api/orderbooks?depth=2"):
        status, headers, text = await api.get(path)
        assert (status, text) == (500, CRASH)
        assert headers["Content-Type"] == "application/json"
    api.ex.quirks.update({"rest-orderbooks-require-pair": False})
    books = await api.payload("GET", "/api/orderbooks")
    assert [b["assetPairId"] for b in books] == ["BTCUSD", "ETHUSD"]


async def test_orderbook_bad_depth_is_400(api: Api):
    status, headers, text = await api.get("/api/orderbooks?assetPairId=BTCUSD&depth=two")
    assert status == 400 and headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert strip_trace(text) == problem_text({"depth": ["The value 'two' is not valid."]})


async def test_prices_filter_is_case_insensitive_and_drops_unknown(api: Api):
    text = (await api.get("/api/prices"))[2]
    assert text == ('{"payload":[{"assetPairId":"BTCUSD","bid":9990.0,"ask":10010.0,'
                    '"timestamp":1767225600000},{"assetPairId":"ETHUSD","bid":0.0,"ask":0.0,'
                    '"timestamp":1767225600000}],"error":null}')
    got = await api.payload("GET", "/api/prices?assetPairIds=btcusd&assetPairIds=NOPE")
    assert [p["assetPairId"] for p in got] == ["BTCUSD"]
    assert await api.payload("GET", "/api/prices?assetPairIds=NOPE") == []
    assert await api.payload("GET", "/api/prices?assetPairIds=") == []
    assert len(await api.payload("GET", "/api/prices?AssetPairIds=ETHUSD")) == 1


async def _trade(api: Api):
    """market sells 0.5 into the trader's bid at 10000 (one trade), then 1 s later at 10100."""
    await api.limit("BTCUSD", "buy", "0.5", "10000")
    api.ex.clock.advance(1000)
    await api.limit("BTCUSD", "sell", "0.5", "10000", key=MARKET)
    api.ex.clock.advance(1000)
    await api.limit("BTCUSD", "buy", "0.5", "10100")        # takes 0.5 of the 10010 ask


async def test_tickers_price_change_is_a_fraction(api: Api):
    await _trade(api)
    text = (await api.get("/api/tickers?assetPairIds=BTCUSD"))[2]
    assert text == ('{"payload":[{"assetPairId":"BTCUSD","volumeBase":1.0,"volumeQuote":10005.00,'
                    '"priceChange":0.001,"lastPrice":10010.0,"high":10010.0,"low":10000.0,'
                    '"timestamp":1767225602000}],"error":null}')
    api.ex.quirks.update({"price-change-fraction": False})
    got = await api.payload("GET", "/api/tickers?assetPairIds=btcusd")
    assert got[0]["priceChange"] == 0.1
    empty = (await api.get("/api/tickers?assetPairIds=ETHUSD"))[2]
    assert empty == ('{"payload":[{"assetPairId":"ETHUSD","volumeBase":0.0,"volumeQuote":0.0,'
                     '"priceChange":0.0,"lastPrice":0.0,"high":0.0,"low":0.0,'
                     '"timestamp":1767225602000}],"error":null}')


async def test_public_trades_newest_first_with_taker_side(api: Api):
    await _trade(api)
    status, _, text = await api.get("/api/trades/public/BTCUSD", key=None)
    data = json.loads(text)["payload"]
    assert status == 200 and [t["side"] for t in data] == ["buy", "sell"]
    first = text[text.index("[") + 1:text.index("}") + 1]
    assert first == ('{"id":"' + data[0]["id"] + '","assetPairId":"BTCUSD",'
                     '"timestamp":1767225602000,"volume":0.5,"price":10010.0,"side":"buy"}')
    assert len(await api.payload("GET", "/api/trades/public/BTCUSD?offset=1&take=5")) == 1
    assert await api.payload("GET", "/api/trades/public/BTCUSD?take=0") == []


async def test_public_trades_no_validation(api: Api):
    await _trade(api)
    for path in ("/api/trades/public/NOPE", "/api/trades/public/BTCUSD?take=-1",
                 "/api/trades/public/BTCUSD?offset=-1"):
        assert (await api.get(path))[2] == '{"payload":[],"error":null}'
    assert len(await api.payload("GET", "/api/trades/public/BTCUSD?take=&offset=")) == 2
    status, _, text = await api.get("/api/trades/public/BTCUSD?take=1.5")
    assert status == 400
    assert strip_trace(text) == problem_text({"take": ["The value '1.5' is not valid."]})
