"""Properties of the REST request reader and binder (convert_json): any text gives values or
(key, message) errors, never an exception; valid JSON reads as json.loads reads it."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_lykke.api import convert_json as cj

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20)


def _plain(node: cj.Node):
    """A reader node as the Python value json.loads gives (decimals for numbers)."""
    if node.kind == "object":
        return {name: _plain(child) for name, _, child in node.value}
    if node.kind == "array":
        return [_plain(child) for child in node.value]
    if node.kind == "number":
        return Decimal(node.value)
    return {"true": True, "false": False, "null": None}.get(node.kind, node.value) \
        if node.kind != "string" else node.value


@settings(max_examples=80, deadline=None)
@given(JSON_VALUES)
def test_reader_reads_valid_json_like_json_loads(value):
    text = json.dumps(value)
    assert _plain(cj._Reader(text).value(0, "", 0)) == json.loads(text, parse_float=Decimal,
                                                                  parse_int=Decimal)


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(max_size=60), JSON_VALUES.map(json.dumps),
                 st.dictionaries(st.sampled_from(["assetPairId", "ORDERS", "orders", "volume",
                                                  "price", "cancelMode", "side", "x"]),
                                 JSON_VALUES, max_size=5).map(json.dumps)))
def test_binder_never_raises(text):
    for model in (cj.LIMIT_ORDER, cj.MARKET_ORDER, cj.BULK_ORDER, cj.WITHDRAWAL):
        binder = cj.Binder(text)
        values = binder.bind_root(model)
        assert all(isinstance(k, str) and m for k, m in binder.errors)
        if not binder.errors and values is not None:
            assert set(values) == {p.name for p in model.props}
            cj.required_errors(model, values)


def test_deep_nesting_is_a_binding_error():
    text = '{"orders":' + "[" * 40 + "]" * 40 + "}"
    binder = cj.Binder(text)
    assert binder.bind_root(cj.BULK_ORDER) is None
    assert binder.errors[0][1].startswith("The reader's MaxDepth of 32 has been exceeded.")


def test_newtonsoft_camel_case_of_error_keys():
    assert [cj.camel(s) for s in ("assetPairId", "URLValue", "ABC", "Abc", "0ABC", "AB1c", "")] \
        == ["assetPairId", "urlValue", "abc", "abc", "0ABC", "aB1c", ""]


def test_doubles_become_csharp_decimals():
    assert [cj.dumps(cj.from_double(x)) for x in (1.0, -0.1, 1e-05, 0.1 + 0.2, 1e20, 9600.0)] \
        == ["1.0", "-0.1", "0.00001", "0.3", "100000000000000000000.0", "9600.0"]
