"""Market regimes: the market maker's drift, reversion and timed changes, the replay's seeded
jitter, and the shipped regime scenarios (scenarios/regimes/, docs/sweep.md)."""
from decimal import Decimal as D
from pathlib import Path

import pytest

from mock_lykke.scenario import ScenarioError, build_mock, load_file
from test_scenario_support import world

REGIMES = Path(__file__).resolve().parent.parent / "scenarios" / "regimes"
MAKER = """
market:
  - {kind: marketMaker, account: market, assetPairId: BTCUSD, mid: "10000", spread: "0.002",
     levels: 2, levelVolume: "0.5", volatility: "0", every: 1s, %s}
"""


def mid(c) -> D:
    return D(c.market()[0]["mid"])


def test_drift_moves_the_mid_by_its_share_each_refresh():
    c = world(MAKER % 'drift: "0.001"')
    c.advance("3s")
    assert mid(c) == D("10000") * D("1.001") ** 3


def test_reversion_closes_its_share_of_the_gap_to_the_anchor():
    c = world(MAKER % 'reversion: "0.5", anchor: "10100"')
    c.advance("2s")
    assert mid(c) == D("10075")                       # 10000 -> 10050 -> 10075


def test_changes_apply_at_the_first_refresh_at_or_after_their_time():
    c = world(MAKER % 'changes: [{at: 2500ms, mid: "9000", levels: 1, spread: "0.02"}, '
                      '{at: 5s, drift: "0.01"}]')
    book = c.exchange.books["BTCUSD"]
    c.advance("2s")
    assert mid(c) == D("10000") and len(book.entries("buy")) == 2
    c.advance("1s")                                    # 3 s: the crash
    assert mid(c) == D("9000")
    assert book.entries("buy") == [(D("8910"), D("0.5"))]
    assert book.entries("sell") == [(D("9090"), D("0.5"))]
    c.advance("2s")                                    # 5 s: the drift starts
    assert mid(c) == D("9090")


def test_bad_changes_are_scenario_problems():
    with pytest.raises(ScenarioError) as e:
        world(MAKER % 'changes: [{at: 5s, reversion: "2"}, {at: 1s, levelVolume: "0.00001"}]')
    text = str(e.value)
    assert "market[0].changes[0].reversion: reversion is a share" in text
    assert "market[0].changes[1].at: changes must be in time order" in text
    assert "market[0].changes[1].levelVolume: 0.00001 is below the pair's minVolume" in text


def _replay_times(seed: int, jitter: str) -> list[int]:
    scenario = load_file(REGIMES / "replay-jitter.yaml",
                         [("market.0.jitter", jitter)] if jitter else None)
    mock = build_mock(scenario, seed=seed)
    return list(mock.controller.participants[0].dues)


def test_replay_jitter_is_seeded_bounded_and_keeps_the_order():
    plain = _replay_times(1, "0s")
    one, again, other = (_replay_times(1, "2s"), _replay_times(1, "2s"),
                         _replay_times(2, "2s"))
    assert one == again != other and one != plain
    assert one == sorted(one)
    assert all(p <= j <= max(plain[:i + 1]) + 2000 for i, (p, j) in enumerate(zip(plain, one)))


@pytest.mark.parametrize("name", sorted(p.name for p in REGIMES.glob("*.yaml")))
def test_the_shipped_regimes_load_and_trade(name):
    mock = build_mock(load_file(REGIMES / name), clock_mode="virtual")
    mock.controller.advance("150s")
    market = mock.exchange.markets["BTCUSD"]
    assert market.bid and market.ask and market.bid < market.ask
