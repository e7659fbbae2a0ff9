"""Wire forms of decimals and ids (BEHAVIOUR.md §3)."""
import uuid
from decimal import Decimal as D

import pytest

from mock_lykke.engine.ids import IdGenerator
from mock_lykke.engine.numbers import (DecimalParseError, fits, fmt_double, fmt_double_json,
                                       fmt_json, fmt_plain, parse_dotnet, to_decimal, truncate)


@pytest.mark.parametrize("text,value", [
    ("9600", "9600"), (" 1,000.5 ", "1000.5"), ("-1.5", "-1.5"), ("+2", "2"), (".5", "0.5"),
    ("5.", "5"), ("0.4000", "0.4000"),
])
def test_grpc_decimal_parsing_like_dotnet(text, value):
    assert str(parse_dotnet(text)) == value


@pytest.mark.parametrize("text", ["", " ", "abc", "1e5", "1E-5", "1.2.3", ".", "-", "NaN", "1 2"])
def test_grpc_decimal_parsing_rejects(text):
    with pytest.raises(DecimalParseError):
        parse_dotnet(text)


@pytest.mark.parametrize("text", ["１２", "٣", "1２", "０.００１", "\u00a012", "12\u2003", "１,０００"])
def test_grpc_decimal_parsing_takes_ascii_digits_and_white_space_only(text):
    with pytest.raises(DecimalParseError):
        parse_dotnet(text)


@pytest.mark.parametrize("text,ok", [
    ("79228162514264337593543950335", True), ("-79228162514264337593543950335", True),
    ("79,228,162,514,264,337,593,543,950,335", True), ("79228162514264337593543950336", False),
    ("-79228162514264337593543950336", False), ("1" + "0" * 40, False),
    ("79228162514264337593543950335.5", False),
])
def test_grpc_decimal_parsing_overflows_beyond_the_dotnet_range(text, ok):
    if ok:
        assert parse_dotnet(text).copy_abs() == D(2**96 - 1)
    else:
        with pytest.raises(DecimalParseError):
            parse_dotnet(text)


@pytest.mark.parametrize("value,grpc,rest", [
    ("4000", "4000", "4000.0"), ("0", "0", "0.0"), ("-1", "-1", "-1.0"), ("0.4000", "0.4000", "0.4000"),
    ("0.00001", "0.00001", "0.00001"), ("1E-5", "0.00001", "0.00001"), ("-0", "0", "0.0"),
    ("0.1", "0.1", "0.1"),
])
def test_decimal_printing_keeps_scale(value, grpc, rest):
    assert fmt_plain(D(value)) == grpc and fmt_json(D(value)) == rest


@pytest.mark.parametrize("x,text,json_text", [
    (0.00001, "1E-05", "1E-05"), (0.0001, "0.0001", "0.0001"), (9600.0, "9600", "9600.0"),
    (1e15, "1E+15", "1E+15"), (999999999999999.0, "999999999999999", "999999999999999.0"),
    (-1.5, "-1.5", "-1.5"), (0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"), (0.0, "0", "0.0"),
])
def test_doubles_print_like_csharp(x, text, json_text):
    assert fmt_double(x) == text and fmt_double_json(x) == json_text


def test_rest_values_and_accuracy():
    assert to_decimal("0.1") == D("0.1") and to_decimal(3) == D(3)
    for bad in ("x", "NaN", "Infinity", True):
        with pytest.raises(DecimalParseError):
            to_decimal(bad)
    assert fits(D("1.50"), 1) and not fits(D("1.55"), 1)
    assert str(truncate(D("2.433002129"), 8)) == "2.43300212"
    assert str(truncate(D("2.4"), 8)) == "2.4"


def test_ids_are_seeded_lowercase_uuid4():
    a, b = IdGenerator(9), IdGenerator(9)
    ids = [a.next() for _ in range(200)]
    assert ids == [b.next() for _ in range(200)]
    assert ids != [IdGenerator(10).next() for _ in range(200)]
    for i in ids:
        u = uuid.UUID(i)
        assert (u.version, u.variant, str(u)) == (4, uuid.RFC_4122, i)
