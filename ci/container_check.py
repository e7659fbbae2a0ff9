"""Calls from the host into the running container (ci/container-test.sh): gRPC and REST on
the main ports, then a session created, used and deleted through the control API.

    python ci/container_check.py READY_JSON GRPC_TARGET REST_URL SESSION_SCENARIO

READY_JSON is the container's ready file (for the API keys); the endpoints are the host's
published ports. Exits 1 with a message on the first failed step.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import grpc
from google.protobuf.empty_pb2 import Empty

from mock_lykke.proto import isalive_pb2, isalive_pb2_grpc
from mock_lykke.proto import privateService_pb2 as pv, privateService_pb2_grpc

TIMEOUT = 10


def fail(message: str) -> None:
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def http(method: str, url: str, key: str | None = None, body: dict | None = None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            raw = reply.read()
            return reply.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, None


def grpc_calls(target: str, key: str) -> str:
    auth = (("authorization", f"Bearer {key}"),)
    with grpc.insecure_channel(target) as channel:
        alive = isalive_pb2_grpc.MonitoringStub(channel).IsAlive(
            isalive_pb2.IsAliveRequest(), timeout=TIMEOUT)
        api = privateService_pb2_grpc.PrivateServiceStub(channel)
        balances = api.GetBalances(Empty(), metadata=auth, timeout=TIMEOUT).payload
        placed = api.PlaceLimitOrder(pv.LimitOrderRequest(
            assetPairId="BTCUSD", side=pv.buy, volume="0.01", price="1000"),
            metadata=auth, timeout=TIMEOUT)
        if placed.HasField("error"):
            fail(f"gRPC PlaceLimitOrder: {placed.error.message}")
        cancelled = api.CancelOrder(pv.CancelOrderRequest(orderId=placed.payload.orderId),
                                    metadata=auth, timeout=TIMEOUT).payload
    if alive.name != "Lykke.HftApi" or not balances or not cancelled:
        fail(f"gRPC {target}: IsAlive {alive.name!r}, {len(balances)} balances, "
             f"cancelled {cancelled}")
    return f"IsAlive, {len(balances)} balances, order {placed.payload.orderId} placed and cancelled"


def rest_calls(url: str, key: str) -> str:
    status, alive = http("GET", url + "/api/isalive")
    if status != 200:
        fail(f"REST {url}/api/isalive: HTTP {status}")
    status, balances = http("GET", url + "/api/balance", key)
    if status != 200 or not balances["payload"]:
        fail(f"REST {url}/api/balance: HTTP {status} {balances}")
    return f"isalive, {len(balances['payload'])} balances"


def session(rest: str, host: str, scenario: str) -> None:
    status, made = http("POST", rest + "/_mock/sessions", body={"scenario": scenario, "seed": 7})
    if status == 404:
        print("== session: SKIPPED (POST /_mock/sessions answers 404: this build has no "
              "sessions)", flush=True)
        return
    if status != 201:
        fail(f"POST /_mock/sessions: HTTP {status} {made}")
    key = made["keys"].get("trader") or next(iter(made["keys"].values()))
    grpc_target = f"{host}:{made['grpcPort']}"          # published 1:1 by the script
    rest_url = f"http://{host}:{made['restPort']}"
    print(f"== session {made['id']}: gRPC {grpc_calls(grpc_target, key)}", flush=True)
    print(f"== session {made['id']}: REST {rest_calls(rest_url, key)}", flush=True)
    status, _ = http("DELETE", f"{rest}/_mock/sessions/{made['id']}")
    if status != 204:
        fail(f"DELETE /_mock/sessions/{made['id']}: HTTP {status}")
    print(f"== session {made['id']}: deleted", flush=True)


def main(ready_file: str, grpc_target: str, rest_url: str, scenario: str) -> None:
    with open(ready_file, encoding="utf-8") as f:
        accounts = {a["name"]: a["apiKey"] for a in json.load(f)["accounts"]}
    key = accounts.get("trader") or next(iter(accounts.values()))
    print(f"== gRPC from the host: {grpc_calls(grpc_target, key)}", flush=True)
    print(f"== REST from the host: {rest_calls(rest_url, key)}", flush=True)
    session(rest_url, grpc_target.rsplit(":", 1)[0], scenario)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
