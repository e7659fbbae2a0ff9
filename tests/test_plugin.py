"""The pytest plugin as a user meets it: fixtures, marker, options and scopes, in one inner
pytest session (pytester); and a pytest start that does not pay for the mock."""
import subprocess
import sys

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def lykke_options():
    return {"scenario": "world.yaml", "seed": 5}
"""

WORLD = """
version: 1
assets: [{assetId: BTC, accuracy: 8}, {assetId: USD, accuracy: 2}]
assetPairs: [{assetPairId: BTCUSD, baseAssetId: BTC, quoteAssetId: USD, priceAccuracy: 2}]
accounts: [{name: me, apiKey: my-key, balances: {USD: "100"}}, {name: you, apiKey: your-key}]
"""

TESTS = """
import pytest
from google.protobuf.empty_pb2 import Empty

seen = []

def test_defaults_from_conftest(lykke):
    assert lykke.api_keys == {"me": "my-key", "you": "your-key"}
    assert lykke.controller.seed == 5
    assert lykke.private("me").GetBalances(Empty()).payload[0].available == "100"

@pytest.mark.lykke(seed=6)
def test_marker_over_conftest(lykke):
    assert lykke.controller.seed == 6

@pytest.mark.parametrize("lykke", [{"seed": 7}], indirect=True)
@pytest.mark.lykke(seed=6)
def test_parameter_over_marker(lykke):
    assert lykke.controller.seed == 7

def test_one(lykke, lykke_module):
    seen.append((lykke.grpc_target, lykke_module.grpc_target))
    lykke_module.place_limit("me", "BTCUSD", "buy", "0.1", "900")

def test_two(lykke, lykke_module):
    seen.append((lykke.grpc_target, lykke_module.grpc_target))
    assert seen[0][0] != seen[1][0]             # a fresh mock per test
    assert seen[0][1] == seen[1][1]             # one per module, its state kept
    assert len(lykke_module.orders("me")) == 1 and lykke.orders("me") == []

@pytest.mark.lykke("world.yaml")
def test_positional(lykke):
    pass

@pytest.mark.lykke(sed=1)
def test_typo(lykke):
    pass
"""


def test_options_markers_parameters_and_scopes(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")     # only this plugin: fast
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".yaml", world=WORLD)
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "mock_lykke.pytest_plugin", "-p", "no:cacheprovider",
                                "--strict-markers")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(["*keyword arguments only*", "*unknown mock option(s) sed*"])


def test_the_plugin_does_not_slow_down_pytest_start():
    code = ("import sys, mock_lykke.pytest_plugin; "
            "print(sorted(m for m in ('grpc', 'aiohttp', 'mock_lykke.testing') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
