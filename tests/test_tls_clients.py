"""`mock-lykke serve --tls` through the real CLI, and unchanged clients in their own processes:
the only thing that makes each trust the mock is one environment variable."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
import pytest
import requests

from mock_lykke.proto import isalive_pb2, isalive_pb2_grpc
from mock_lykke.tls import TRUST_VARIABLES

TIMEOUT = 60                     # a bound for a stuck subprocess, not a wait

# A bot written as the official Lykke Python example (TLS with the default roots, the API key
# as an access token); the project's stubs stand in for the generated ones.
OFFICIAL_GRPC_BOT = '''
import json, os, sys
import grpc
from google.protobuf.empty_pb2 import Empty
from mock_lykke.proto import isalive_pb2, isalive_pb2_grpc
from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc
from mock_lykke.proto import publicService_pb2 as pb, publicService_pb2_grpc

target, api_key = sys.argv[1], os.environ["LYKKE_API_KEY"]
credentials = grpc.composite_channel_credentials(
    grpc.ssl_channel_credentials(),
    grpc.access_token_call_credentials(api_key))
channel = grpc.secure_channel(target, credentials)
monitoring = isalive_pb2_grpc.MonitoringStub(channel)
public = publicService_pb2_grpc.PublicServiceStub(channel)
private = privateService_pb2_grpc.PrivateServiceStub(channel)
try:
    facts = {"IsAlive": monitoring.IsAlive(isalive_pb2.IsAliveRequest()).name}
except grpc.RpcError as e:
    print(json.dumps({"failed": e.code().name, "details": e.details()}))
    sys.exit(0)
facts["GetBalances"] = {b.assetId: b.available for b in private.GetBalances(Empty()).payload}
placed = private.PlaceLimitOrder(pv.LimitOrderRequest(
    assetPairId="BTCUSD", side=pv.buy, volume="0.01", price="5000"))
facts["PlaceLimitOrder"] = placed.payload.orderId
facts["CancelOrder"] = private.CancelOrder(
    pv.CancelOrderRequest(orderId=placed.payload.orderId)).payload
stream = public.GetPriceUpdates(pb.PriceUpdatesRequest(assetPairIds=["BTCUSD"]))
first = next(stream)
facts["GetPriceUpdates"] = [first.assetPairId, 0 < float(first.bid) < float(first.ask)]
stream.cancel()
channel.close()
print(json.dumps(facts))
'''

REQUESTS_BOT = '''
import json, os, sys
import requests
rest, key = sys.argv[1], os.environ["LYKKE_API_KEY"]
try:
    r = requests.get(rest + "/api/balance", headers={"Authorization": f"Bearer {key}"},
                     timeout=10)
except requests.exceptions.SSLError as e:
    print(json.dumps({"failed": "SSLError"}))
    sys.exit(0)
print(json.dumps({"status": r.status_code, "assets": [b["assetId"] for b in r.json()["payload"]]}))
'''

AIOHTTP_BOT = '''
import asyncio, json, os, sys
import aiohttp

async def main(rest, key):
    async with aiohttp.ClientSession() as session:
        try:
            async with session.get(rest + "/api/balance",
                                   headers={"Authorization": f"Bearer {key}"}) as r:
                body = await r.json()
        except aiohttp.ClientConnectorCertificateError:
            return {"failed": "certificate"}
    return {"status": r.status, "assets": [b["assetId"] for b in body["payload"]]}

print(json.dumps(asyncio.run(main(sys.argv[1], os.environ["LYKKE_API_KEY"]))))
'''


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`mock-lykke serve --tls` (embedded default scenario) until the module's tests are done."""
    folder = tmp_path_factory.mktemp("serve-tls")
    ready = folder / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_lykke.cli", "serve", "--tls", "--grpc-port", "0",
         "--rest-port", "0", "--ready-file", str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:                 # the trust lines come last
        lines.append(line)
        if "REQUESTS_CA_BUNDLE=" in line:
            break
    info = json.loads(ready.read_text()) if ready.exists() else None
    yield proc, info, "".join(lines)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0 and "Traceback" not in err, err
    if info is not None:
        assert not Path(info["caFile"]).exists()         # the throwaway CA is gone with it


def trader_key(info):
    return next(a["apiKey"] for a in info["accounts"] if a["name"] == "trader")


def run_bot(tmp_path, script, argument, info, trust: str | None):
    """Run script with only `trust` (one of TRUST_VARIABLES, or None) pointing at the CA."""
    env = {k: v for k, v in os.environ.items() if k not in TRUST_VARIABLES}
    env["LYKKE_API_KEY"] = trader_key(info)
    if trust is not None:
        env[trust] = info["caFile"]
    path = tmp_path / "bot.py"
    path.write_text(textwrap.dedent(script))
    done = subprocess.run([sys.executable, str(path), argument], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_serve_tls_writes_the_ca_and_prints_how_to_trust_it(served):
    _, info, out = served
    ca = info["caFile"]
    assert Path(ca).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert info["rest"].startswith("https://127.0.0.1:")
    assert info["grpc"].startswith("127.0.0.1:") and f"gRPC   {info['grpc']}  (TLS)" in out
    for name in ("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        assert f"export {name}={ca}" in out
    assert trader_key(info) in out and trader_key(info).startswith("eyJ")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_the_official_grpc_example_runs_unchanged(served, tmp_path, host):
    _, info, _ = served
    target = f"{host}:{info['grpc'].rsplit(':', 1)[1]}"
    facts = run_bot(tmp_path, OFFICIAL_GRPC_BOT, target, info,
                    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH")
    assert facts["IsAlive"] == "Lykke.HftApi"
    assert facts["GetBalances"] == {"BTC": "2", "ETH": "20", "USD": "50000", "EUR": "50000"}
    assert len(facts["PlaceLimitOrder"]) == 36 and facts["CancelOrder"] is True
    assert facts["GetPriceUpdates"] == ["BTCUSD", True]


def test_without_the_variable_the_official_example_does_not_trust_the_mock(served, tmp_path):
    _, info, _ = served
    facts = run_bot(tmp_path, OFFICIAL_GRPC_BOT, info["grpc"], info, None)
    assert facts["failed"] == "UNAVAILABLE"


@pytest.mark.parametrize("script, variable, refused", [
    (REQUESTS_BOT, "REQUESTS_CA_BUNDLE", {"failed": "SSLError"}),
    (AIOHTTP_BOT, "SSL_CERT_FILE", {"failed": "certificate"}),
], ids=["requests", "aiohttp"])
def test_rest_clients_trust_the_mock_through_their_variable(served, tmp_path, script, variable,
                                                             refused):
    _, info, _ = served
    facts = run_bot(tmp_path, script, info["rest"], info, variable)
    assert facts == {"status": 200, "assets": ["BTC", "ETH", "USD", "EUR"]}
    assert run_bot(tmp_path, script, info["rest"], info, None) == refused


def test_plaintext_calls_to_the_tls_ports_are_refused_and_tls_calls_go_on(served):
    proc, info, _ = served
    isalive = isalive_pb2.IsAliveRequest()
    with grpc.insecure_channel(info["grpc"]) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            isalive_pb2_grpc.MonitoringStub(channel).IsAlive(isalive, timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    roots = grpc.ssl_channel_credentials(Path(info["caFile"]).read_bytes())
    with grpc.secure_channel(info["grpc"], roots) as channel:
        assert isalive_pb2_grpc.MonitoringStub(channel).IsAlive(isalive, timeout=10).name == \
            "Lykke.HftApi"
    plain = info["rest"].replace("https://", "http://")
    with pytest.raises(requests.ConnectionError):
        requests.get(plain + "/api/isalive", timeout=10)
    r = requests.get(info["rest"] + "/api/isalive", verify=info["caFile"], timeout=10)
    assert r.status_code == 200 and r.json()["name"] == "Lykke.HftApi"
    assert proc.poll() is None                           # still serving


# ccxt (it has no Lykke class: a bot uses its generic HTTP layer, Exchange.fetch, the layer
# every ccxt exchange class sends through). TRUST is the set-up docs/tls.md gives.
CCXT_BOT = '''
import asyncio, json, os, sys
import ccxt, ccxt.async_support

rest, key, how = sys.argv[1], os.environ["LYKKE_API_KEY"], os.environ["CCXT_SETUP"]
headers = {"Authorization": f"Bearer {key}"}

async def fetch_async(config):
    exchange = ccxt.async_support.Exchange(config)
    try:
        return await exchange.fetch(rest + "/api/balance", "GET", headers)
    finally:
        await exchange.close()

try:
    if how == "sync":
        body = ccxt.Exchange({}).fetch(rest + "/api/balance", "GET", headers)
    elif how == "sync, requests_trust_env":
        body = ccxt.Exchange({"requests_trust_env": True}).fetch(rest + "/api/balance", "GET",
                                                                 headers)
    elif how == "sync, trust_env":
        body = ccxt.Exchange({"trust_env": True}).fetch(rest + "/api/balance", "GET", headers)
    elif how == "async":
        body = asyncio.run(fetch_async({}))
    else:
        body = asyncio.run(fetch_async({"cafile": os.environ["CA_FILE"]}))
except ccxt.BaseError as e:
    cause = f"{e} {e.__cause__!r} {e.__context__!r}"
    print(json.dumps({"failed": type(e).__name__, "ssl": "CERTIFICATE_VERIFY_FAILED" in cause}))
    sys.exit(0)
print(json.dumps({"assets": [b["assetId"] for b in body["payload"]]}))
'''


@pytest.mark.parametrize("setup, variable, trusted", [
    ("sync", "REQUESTS_CA_BUNDLE", False),          # ccxt turns requests' trust_env off
    ("sync, requests_trust_env", "REQUESTS_CA_BUNDLE", True),
    ("sync, requests_trust_env", None, False),
    ("sync, trust_env", "REQUESTS_CA_BUNDLE", False),     # read before the options
    ("async", "SSL_CERT_FILE", False),              # it loads certifi's bundle itself
    ("async, cafile", None, True),
])
def test_ccxt_trusts_the_mock_as_the_tls_page_says(served, tmp_path, monkeypatch, setup,
                                                    variable, trusted):
    pytest.importorskip("ccxt")
    _, info, _ = served
    monkeypatch.setenv("CCXT_SETUP", setup)
    monkeypatch.setenv("CA_FILE", info["caFile"])
    facts = run_bot(tmp_path, CCXT_BOT, info["rest"], info, variable)
    if trusted:
        assert facts == {"assets": ["BTC", "ETH", "USD", "EUR"]}
    else:
        assert facts["ssl"] is True, facts
