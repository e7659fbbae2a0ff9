"""Contract tests: clients generated from each upstream proto set (the 2020 docs' and the
last real server's) call every RPC of their set against the running mock. Each set runs in
its own process, so its stubs never share a descriptor pool with the project's own."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from mock_lykke.server import MockServer
from mock_lykke.state import Mock
from test_grpc_support import make_exchange

HERE = Path(__file__).resolve().parent
REFERENCE = (HERE.parents[1] / ".." / "shared" / "reference").resolve()
SETS = ("protos-2020-docs", "protos-v2-server")


async def run_client(proto_set: str) -> dict:
    proto_dir = REFERENCE / "upstream" / proto_set
    if not proto_dir.is_dir():
        pytest.skip(f"upstream protos not found at {proto_dir} (the shared reference folder "
                    "is not next to this checkout)")
    async with MockServer(Mock(make_exchange())) as server:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "client_script.py"), str(proto_dir), server.grpc_target,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


COMMON = {
    "IsAlive": "Lykke.HftApi",
    "GetAssetPairs": ["BTCEUR", "BTCUSD", "ETHUSD"],
    "GetAssetPair": "0.0001",
    "GetAssetPair.error": 1100,
    "GetAssets": 4,
    "GetAsset": 8,
    "GetOrderbooks": [["10010", "-1.5"]],
    "GetTickers": 3,
    "GetPrices": [["9990", "10010"]],
    "GetPriceUpdates.snapshot": "10010",
    "GetOrderbookUpdates.snapshot": [["9990", "2"]],
    "GetBalanceUpdates.snapshot": ["BTC", "ETH", "EUR", "USD"],
    "GetBalances": {"BTC": "2", "ETH": "20", "USD": "50000", "EUR": "50000"},
    "PlaceLimitOrder": True,
    "PlaceLimitOrder.error": [1101, "price cannot be less than zero."],
    "GetPriceUpdates.update": "9995",
    "GetOrderbookUpdates.update": [["9995", "0.1"]],
    "GetBalanceUpdates.update": [["USD", "999.50"]],
    "GetActiveOrders": [True],
    "CancelOrder": True,
    "PlaceMarketOrder": "10010",
    "GetTradeUpdates": [True, "Taker", False],
    "GetTickerUpdates": "10010",
    "GetTrades": [[True, "Taker", "BTC"]],
    "GetOrderTrades": 1,
    "PlaceBulkLimitOrder": [[0, "0.1", "9000"], [0, "-0.1", "11000"]],
    "CancelAllOrders": True,
    "GetClosedOrders": ["Cancelled", "Cancelled", "Matched"],
    "unauthenticated": "UNAUTHENTICATED",
}


@pytest.mark.parametrize("proto_set", SETS)
async def test_generated_clients_work_unchanged(proto_set):
    facts = await run_client(proto_set)
    for key, want in COMMON.items():
        assert facts[key] == want, key
    if proto_set == "protos-2020-docs":
        assert "GetOrderUpdates" in facts["methods"] and "GetOrder" not in facts["methods"]
        assert facts["GetOrderUpdates"] == [[True, "Placed"]]
    else:
        assert "GetOrderUpdates" not in facts["methods"]
        assert facts["GetOrder"] == "Placed"
        assert facts["GetPublicTradeUpdates.snapshot"] == 0
        assert facts["GetPublicTradeUpdates.update"] == [["Buy", "10010"]]
        assert facts["GetPublicTrades"] == [["Buy", "10010"]]
        assert facts["GetOperationsHistory"] == 0
        assert facts["CreateDepositAddresses"] == 1102
        assert facts["GetDepositAddresses"] == 0
        assert facts["GetDepositAddress"] == 1100
        assert facts["CreateWithdrawal"] == 1102
