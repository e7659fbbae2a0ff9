"""Injected faults: selection by method/route, nth, window, probability (seeded), times, and
what each action tells the fronts."""
import pytest

from mock_lykke.scenario import ControlError
from mock_lykke.state import FaultAction
from test_scenario_support import example, world


def test_the_nth_call_gets_the_error_and_nothing_else_does():
    c = example("faults.yaml")
    actions = [c.mock.faults.check("PlaceLimitOrder") for _ in range(5)]
    assert actions[2] == FaultAction(error_code=2006, message="Not enough funds")
    assert actions[:2] == [None, None] and actions[3:] == [None, None]
    assert c.mock.faults.check("POST /api/orders/limit") is None   # a route is not a method


def test_a_time_window_refuses_calls_and_ends_open_streams():
    c = example("faults.yaml")
    faults = c.mock.faults
    c.advance("19s")
    assert faults.check("GetOrderbookUpdates") is None
    assert faults.check_stream("GetOrderbookUpdates") is None
    c.advance("1s")
    refused = faults.check("GetOrderbookUpdates")
    assert (refused.grpc_status, refused.end_stream) == ("UNAVAILABLE", False)
    ended = faults.check_stream("GetOrderbookUpdates")
    assert (ended.grpc_status, ended.end_stream) == ("UNAVAILABLE", True)
    c.advance("20s")                                     # until: 40s
    assert faults.check("GetOrderbookUpdates") is None


def _fired(c, name, n=200):
    return [i for i in range(n) if c.mock.faults.check(name) is not None]


def test_probability_is_seeded_and_reproducible():
    a = _fired(example("faults.yaml"), "GET /api/balance")
    b = _fired(example("faults.yaml"), "GET /api/balance")
    other = _fired(example("faults.yaml", seed=8), "GET /api/balance")
    assert a == b and a != other
    assert 5 <= len(a) <= 40                             # about one call in ten
    action = example("faults.yaml").mock.faults
    hits = [action.check("GET /api/balance") for _ in range(200)]
    assert {h.delay_ms for h in hits if h} == {250}
    assert all(h.error_code is None and h.http_status is None for h in hits if h)


def test_message_only_faults_leave_the_call_alone():
    c = example("faults.yaml")
    assert c.mock.faults.check("GetPriceUpdates") is None
    drops = [c.mock.faults.check_stream("GetPriceUpdates") for _ in range(100)]
    assert any(d is not None and d.drop and not d.end_stream for d in drops)
    assert any(d is None for d in drops)


def test_times_limits_firings_and_http_status_is_for_routes():
    c = example("faults.yaml")
    got = [c.mock.faults.check("DELETE /api/orders/{orderId}") for _ in range(8)]
    assert [i for i, a in enumerate(got) if a] == [4]
    assert got[4].http_status == 503 and got[4].message is None   # the server's text


def test_timeline_outage_hits_every_method_then_clears():
    c = example("faults.yaml")
    c.advance("60s")
    assert c.mock.faults.check("GetBalances").grpc_status == "UNAVAILABLE"
    rest = c.mock.faults.check("GET /api/balance")      # "*" names gRPC methods only
    assert rest is None or rest.grpc_status is None
    c.advance("5s")
    assert c.mock.faults.check("GetBalances") is None
    c.advance("1m")
    assert c.faults_list() == []


def test_delays_add_up_and_the_first_outcome_decides():
    c = world()
    c.add_fault({"method": "Get*", "delay": "100ms"})
    c.add_fault({"method": "GetBalances", "error": 1100, "message": "nope"})
    c.add_fault({"method": "GetBalances", "grpcStatus": "INTERNAL", "delay": 50})
    action = c.mock.faults.check("GetBalances")
    assert (action.delay_ms, action.error_code, action.message, action.grpc_status) == (
        150, 1100, "nope", None)
    assert c.mock.faults.check("GetAssets") == FaultAction(delay_ms=100)
    assert c.mock.faults.check("PlaceLimitOrder") is None


def test_faults_added_at_runtime_are_checked_like_scenario_ones():
    c = world()
    with pytest.raises(ControlError, match="no gRPC method matches"):
        c.add_fault({"method": "NoSuchMethod", "grpcStatus": "UNAVAILABLE"})
    with pytest.raises(ControlError, match="needs an outcome"):
        c.add_fault({"method": "GetBalances"})
    with pytest.raises(ControlError, match="is for REST routes"):
        c.add_fault({"method": "GetBalances", "httpStatus": 500})
    with pytest.raises(ControlError):
        c.add_fault({"route": "GET /api/balance", "bogus": 1, "delay": "1s"})
    added = c.add_fault({"route": "GET /api/orders/*", "httpStatus": 500, "times": 1})
    assert added["id"] == 1 and added["fired"] == 0
    assert c.mock.faults.check("GET /api/orders/active").http_status == 500
    assert c.faults_list()[0]["fired"] == 1
    c.remove_fault(1)
    with pytest.raises(ControlError) as e:
        c.remove_fault(1)
    assert e.value.status == 404
