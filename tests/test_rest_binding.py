"""Properties of the REST request reader and binder (json_reader, json_binding): any text
gives values or (key, message) errors, never an exception; valid JSON reads as json.loads
reads it; the fast path binds only what the full binder binds, and alike."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_lykke.api import convert_json as cj, json_binding as jb, json_reader

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20)


def _plain(node: json_reader.Node, reader: json_reader._Reader):
    """A reader node as the Python value json.loads gives (decimals for numbers)."""
    if node.kind == "object":
        return {name: _plain(child, reader) for name, _, child in reader.items(node, "")}
    if node.kind == "array":
        return [_plain(child, reader) for child in reader.items(node, "")]
    if node.kind == "number":
        return Decimal(node.value)
    return {"true": True, "false": False, "null": None}.get(node.kind, node.value) \
        if node.kind != "string" else node.value


@settings(max_examples=80, deadline=None)
@given(JSON_VALUES)
def test_reader_reads_valid_json_like_json_loads(value):
    text = json.dumps(value)
    for skim in (False, True):
        reader = json_reader._Reader(text, skim)
        assert _plain(reader.value(0, "", 0), reader) == json.loads(
            text, parse_float=Decimal, parse_int=Decimal)


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(max_size=60), JSON_VALUES.map(json.dumps),
                 st.dictionaries(st.sampled_from(["assetPairId", "ORDERS", "orders", "volume",
                                                  "price", "cancelMode", "side", "x"]),
                                 JSON_VALUES, max_size=5).map(json.dumps)))
def test_binder_never_raises(text):
    for model in (jb.LIMIT_ORDER, jb.MARKET_ORDER, jb.BULK_ORDER, jb.WITHDRAWAL):
        binder = jb.Binder(text)
        values = binder.bind_root(model)
        assert all(isinstance(k, str) and m for k, m in binder.errors)
        if not binder.errors and values is not None:
            assert set(values) == {p.name for p in model.props}
            jb.required_errors(model, values)


def test_deep_nesting_is_a_binding_error():
    text = '{"orders":' + "[" * 40 + "]" * 40 + "}"
    binder = jb.Binder(text)
    assert binder.bind_root(jb.BULK_ORDER) is None
    assert binder.errors[0][1].startswith("The reader's MaxDepth of 32 has been exceeded.")


def test_newtonsoft_camel_case_of_error_keys():
    assert [cj.camel(s) for s in ("assetPairId", "URLValue", "ABC", "Abc", "0ABC", "AB1c", "")] \
        == ["assetPairId", "urlValue", "abc", "abc", "0ABC", "aB1c", ""]


def test_doubles_become_csharp_decimals():
    assert [cj.dumps(cj.from_double(x)) for x in (1.0, -0.1, 1e-05, 0.1 + 0.2, 1e20, 9600.0)] \
        == ["1.0", "-0.1", "0.00001", "0.3", "100000000000000000000.0", "9600.0"]


# --- the fast path (bind_plain) agrees with the full binder ---------------------------------
_KEYS = ["assetPairId", "ASSETPAIRID", "side", "Side", "volume", "Volume", "price", "orders",
         "cancelMode", "cancelPreviousOrders", "orderAction", "oldId", "assetId",
         "destinationAddress", "destinationAddressExtension", "x", ""]
_NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,32})?([eE][-+]?[0-9]{1,3})?",
                         fullmatch=True)
_STRINGS = st.sampled_from(["buy", "SELL", "0", "1", "7", "bothSides", "buySide", " sell ",
                            "buy,sell", "1.5", "", "BTCUSD", "\ud800", "NaN"]) | st.text(max_size=6)
_SCALARS = (_NUMBERS | _STRINGS.map(json.dumps) | st.sampled_from(
    ["true", "false", "null", "NaN", "Infinity", "[]", "{}", "[null]", "1\uff12"]))


def _member_value(prop: jb.Prop, depth: int):
    """Mostly a value of the member's own type, sometimes any value."""
    if prop.kind == "decimal":
        own = _NUMBERS
    elif prop.kind == "enum":
        own = st.sampled_from(["buy", "Sell", "1", "bothSides", "BUYSIDE", "9", "x"]).map(
            json.dumps) | st.just("null")
    elif prop.kind == "bool":
        own = st.sampled_from(["true", "false"])
    elif prop.kind == "list":
        own = st.lists(st.just("null") | _object_text(prop.item, depth - 1), max_size=3).map(
            lambda items: "[" + ",".join(items) + "]") if depth else st.just("null")
    else:
        own = _STRINGS.map(json.dumps) | st.just("null")
    return st.one_of(own, own, own, _SCALARS)


def _object_text(model: jb.Model, depth: int = 1):
    member = st.sampled_from(model.props).flatmap(lambda p: st.tuples(
        st.sampled_from([p.name, p.name.lower(), p.name.upper(), p.name[0].lower() + p.name[1:]]),
        _member_value(p, depth)))
    pairs = st.lists(member | st.tuples(st.sampled_from(_KEYS), _SCALARS), max_size=5)
    return pairs.map(lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs)
                     + "}")


_MODELS = (jb.LIMIT_ORDER, jb.MARKET_ORDER, jb.BULK_ORDER, jb.WITHDRAWAL)
_BODIES = st.sampled_from(_MODELS).flatmap(_object_text)


@settings(max_examples=300, deadline=None)
@given(_BODIES, st.sampled_from(["", " ", "\n", "\ufeff"]))
def test_the_fast_path_binds_only_what_the_binder_binds_alike(text, pad):
    text = pad + text + pad
    for model in _MODELS:
        fast = jb.bind_plain(model, text)
        if fast is None:
            continue
        binder = jb.Binder(text)
        values = binder.bind_root(model)
        assert binder.errors == []
        assert repr(fast) == repr(values)           # Decimal scales included


def test_the_fast_path_takes_the_usual_bodies():
    assert jb.bind_plain(jb.LIMIT_ORDER, '{"assetPairId":"BTCUSD","side":"buy",'
                                         '"volume":0.001,"price":5000}') == {
        "AssetPairId": "BTCUSD", "Side": "Buy", "Volume": Decimal("0.001"),
        "Price": Decimal("5000")}
    bulk = jb.bind_plain(jb.BULK_ORDER, '{"assetPairId":"BTCUSD","cancelPreviousOrders":true,'
                                        '"cancelMode":"bothSides","orders":[{"orderAction":'
                                        '"sell","volume":1.50,"price":9000,"oldId":null},null]}')
    assert repr(bulk["Orders"]) == ("[{'OrderAction': 'Sell', 'Volume': Decimal('1.50'), "
                                    "'Price': Decimal('9000'), 'OldId': None}, None]")
    assert bulk["CancelMode"] == "BothSides" and bulk["CancelPreviousOrders"] is True
    for text in ('{"side":"buy","Side":"sell"}', '{"volume":"1"}', '{"volume":1e-29}',
                 '{"volume":NaN}', '[]', 'null', '{"x":1}', '{"volume":1} x'):
        assert jb.bind_plain(jb.LIMIT_ORDER, text) is None, text
