"""Exact decimals: parsing and printing for both wires, accuracy checks and rounding.

Values are `decimal.Decimal` and keep the scale they were given with, as the real
server's C# decimals do (`0.4000` stays `0.4000`).
"""
from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Context, Decimal, InvalidOperation

ZERO = Decimal(0)
_CTX = Context(prec=60)
# ASCII digits and white space only: .NET's parser takes no other (Python's \d and \s do)
_DOTNET_NUMBER = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9][0-9,]*)?(?:\.([0-9]*))?[ \t\n\v\f\r]*")
DOTNET_DECIMAL_MAX = Decimal(2**96 - 1)     # 79228162514264337593543950335


class DecimalParseError(ValueError):
    """A decimal string the real server's parser rejects (it then crashes the call)."""


def parse_dotnet(text: str) -> Decimal:
    """Parse as .NET `decimal.Parse` (invariant culture) does: surrounding spaces,
    a leading sign and thousands separators are allowed, an exponent is not; ASCII digits
    only, and a value beyond the decimal range overflows (both raise DecimalParseError)."""
    m = _DOTNET_NUMBER.fullmatch(text)
    if not m or not (m.group(2) or m.group(3)):
        raise DecimalParseError(text)
    sign, whole, frac = m.group(1), (m.group(2) or "").replace(",", ""), m.group(3)
    literal = f"{sign}{whole or '0'}" + (f".{frac}" if frac else "")
    value = Decimal(literal)
    if value.copy_abs() > DOTNET_DECIMAL_MAX:
        raise DecimalParseError(text)
    return dotnet_scale(value)


_SCALE_CTX = Context(prec=100)
_MIN_QUANTUM = Decimal("1e-28")


def dotnet_scale(value: Decimal) -> Decimal:
    """A value within the .NET decimal range as a C# decimal holds it: at most 28 decimals
    (more are rounded away, a tiny value becomes 0E-28), so a million-digit fraction
    never reaches the engine."""
    if value.as_tuple().exponent < -28:
        return value.quantize(_MIN_QUANTUM, context=_SCALE_CTX)
    return value


def to_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int or numeric string (JSON numbers are parsed to Decimal)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise DecimalParseError(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise DecimalParseError(str(value)) from None
    if not d.is_finite():
        raise DecimalParseError(str(value))
    return d


def fmt_plain(d: Decimal) -> str:
    """Invariant text of a decimal with its stored scale, no exponent: the gRPC form."""
    text = format(d, "f")
    return text[1:] if text.startswith("-") and not d else text


def fmt_json(d: Decimal) -> str:
    """The REST form: like gRPC, but an integral value gets `.0` (C# serializer)."""
    text = fmt_plain(d)
    return text if "." in text else text + ".0"


def fmt_double(x: float) -> str:
    """C#'s shortest round-trip text of a double (`1E-05`, `9600`, `1E+15`)."""
    if x == 0:
        return "0"
    digits = repr(float(x))
    mantissa, _, exp = digits.partition("e")
    d = Decimal(digits)
    exponent = d.adjusted()
    if -5 < exponent < 15:
        text = fmt_plain(d.normalize(_CTX)) if "e" in digits else digits
        return text[:-2] if text.endswith(".0") else text
    m = mantissa[:-2] if mantissa.endswith(".0") else mantissa
    if not exp:  # a long plain repr of a number >= 1e15
        sign = "-" if d < 0 else ""
        t = d.copy_abs().normalize(_CTX).as_tuple()
        ds = "".join(map(str, t.digits))
        m = sign + ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{m}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def fmt_double_json(x: float) -> str:
    """A double as Newtonsoft writes it in JSON: shortest form, `.0` on integral values."""
    text = fmt_double(x)
    return text if ("." in text or "E" in text) else text + ".0"


def decimals_of(d: Decimal) -> int:
    """How many significant decimal places the value has (trailing zeros ignored)."""
    if not d:
        return 0
    exp = d.normalize(_CTX).as_tuple().exponent
    return max(0, -exp)


def fits(d: Decimal, accuracy: int) -> bool:
    try:
        q = _QUANTA[accuracy]
    except KeyError:
        q = quantum(accuracy)
    try:        # fast: nothing is cut at `accuracy` decimals
        if d.quantize(q, ROUND_DOWN, _CTX) == d:
            return True
    except InvalidOperation:
        pass
    return decimals_of(d) <= accuracy


_QUANTA = {n: Decimal(1).scaleb(-n) for n in range(0, 30)}


def quantum(accuracy: int) -> Decimal:
    q = _QUANTA.get(accuracy)
    return q if q is not None else Decimal(1).scaleb(-accuracy)


# (positional arguments: the C decimal parses keywords slowly; _QUANTA[...] first, as a call
# to quantum() costs more than the quantize)
def floor_to(d: Decimal, accuracy: int) -> Decimal:
    try:
        return d.quantize(_QUANTA[accuracy], ROUND_FLOOR, _CTX)
    except KeyError:
        return d.quantize(quantum(accuracy), ROUND_FLOOR, _CTX)


def ceil_to(d: Decimal, accuracy: int) -> Decimal:
    try:
        return d.quantize(_QUANTA[accuracy], ROUND_CEILING, _CTX)
    except KeyError:
        return d.quantize(quantum(accuracy), ROUND_CEILING, _CTX)


def truncate(d: Decimal, accuracy: int) -> Decimal:
    """Cut (not round) extra decimals; a value already within accuracy keeps its scale."""
    if -d.as_tuple().exponent <= accuracy:
        return d
    return d.quantize(quantum(accuracy), ROUND_DOWN, _CTX)


def truncated_value(d: Decimal, accuracy: int) -> Decimal:
    """truncate()'s value, scale aside (for comparisons): cheaper."""
    try:
        q = _QUANTA[accuracy]
    except KeyError:
        q = quantum(accuracy)
    try:
        return d.quantize(q, ROUND_DOWN, _CTX)
    except InvalidOperation:
        return truncate(d, accuracy)


# exact product (scale = sum of scales, as C# decimal)
mul = _CTX.multiply
