"""The skimming reader (json_skim): large values the binder steps over are read by the C
decoder, not by the Python reader, and every answer stays the plain reader's to the byte."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_lykke.api import json_binding as jb, json_reader
from mock_lykke.engine.errors import ApiError
from test_rest_support import api  # noqa: F401  (the api fixture)

_MODELS = (jb.LIMIT_ORDER, jb.MARKET_ORDER, jb.BULK_ORDER, jb.WITHDRAWAL)
_NAMES = ["assetPairId", "volume", "Price", "orders", "cancelMode", "side", "orderAction",
          "x", "a.b", "it's", "[0]", "\ud800", ""]
_LEAVES = st.sampled_from(["1", "-0.5e3", "true", "null", '"buy"', '"a\\"]}"', '"[{"',
                           '"\\ud800"', "12345678901234567890123456789012"])


def _value(depth: int):
    if depth == 0:
        return _LEAVES
    inner = _value(depth - 1)
    return st.one_of(
        _LEAVES,
        st.lists(inner, max_size=12).map(lambda xs: "[" + ",".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(_NAMES), inner), max_size=6).map(
            lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}"))


def _nested(depth: int) -> str:
    return '{"orders":' + "[" * depth + '"]", 1' + "]" * depth + "}"


_TEXTS = st.one_of(_value(4), st.integers(28, 36).map(_nested))


def _outcome(text: str, model: jb.Model, skim: bool):
    binder = jb.Binder(text, skim)
    try:
        values = binder.bind_root(model)
    except ApiError as e:
        return "refused", str(e)
    return repr(values), binder.errors


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.data())
def test_the_skimming_reader_answers_as_the_plain_reader(text, data):
    """Valid texts, and texts cut or with one character changed anywhere."""
    edit = data.draw(st.sampled_from(["none", "cut", "replace", "insert", "delete"]))
    at = data.draw(st.integers(0, len(text)))
    char = data.draw(st.sampled_from(list(',:[]{}"\\ 1ax')))
    text = {"none": text, "cut": text[:at], "replace": text[:at] + char + text[at + 1:],
            "insert": text[:at] + char + text[at:], "delete": text[:at] + text[at + 1:]}[edit]
    for model in _MODELS:
        assert _outcome(text, model, True) == _outcome(text, model, False)


@pytest.fixture
def python_reads(monkeypatch):
    """How many values the Python reader reads."""
    count = [0]
    value = json_reader._Reader.value

    def counted(self, i, path, depth):
        count[0] += 1
        return value(self, i, path, depth)
    monkeypatch.setattr(json_reader._Reader, "value", counted)
    return count


def test_an_unknown_members_large_value_is_not_read_in_python(python_reads):
    junk = json.dumps([{"a": [1, "b", None]}] * 20_000)
    binder = jb.Binder('{"assetPairId":"BTCUSD","junk":' + junk + ',"side":"buy"}')
    assert binder.bind_root(jb.LIMIT_ORDER)["AssetPairId"] == "BTCUSD"
    assert binder.errors == [("junk", "Could not find member 'junk' on object of type "
                              "'PlaceLimitOrderRequest'. Path 'junk', line 1, position 31.")]
    assert python_reads[0] < 10


def test_an_error_at_the_end_of_a_large_value_is_found_without_reading_it_in_python(
        python_reads):
    text = '{"assetPairId":"BTCUSD","junk":[' + "1," * 50_000 + "x]}"
    binder = jb.Binder(text)
    assert binder.bind_root(jb.LIMIT_ORDER) is None
    assert binder.errors == [("junk[50000]", "Unexpected character encountered while parsing "
                              f"value: x. Path 'junk[50000]', line 1, position {len(text) - 2}.")]
    assert python_reads[0] < 100


def test_a_bulk_order_over_the_limit_is_refused_before_its_items_are_read(python_reads):
    text = '{"assetPairId":"BTCUSD","x":1,"orders":[' + ",".join(["{}"] * 20_000) + "]}"
    with pytest.raises(ApiError, match="at most"):
        jb.Binder(text).bind_root(jb.BULK_ORDER)
    assert python_reads[0] < 10


async def test_a_large_malformed_body_is_answered_with_little_python_reading(  # noqa: F811
        api, python_reads):
    body = '{"assetPairId":"BTCUSD","junk":' + json.dumps([[1.5, "a"]] * 100_000) + ',}'
    status, _, text = await api.post("/api/orders/limit", body)
    assert status == 400
    assert json.loads(text)["errors"] == {"junk": [
        f"Invalid property identifier character: }}. Path 'junk', line 1, position "
        f"{len(body)}."]}
    assert python_reads[0] < 100
