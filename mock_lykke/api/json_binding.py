"""Request binding of the REST front (BEHAVIOUR.md §3.2): bodies into the request models
with ASP.NET Core 5 + Newtonsoft.Json's rules and messages, and query values as ASP.NET's
simple-type model binding reads them.

`bind_plain` is the fast path for the usual body (a plain object of the right JSON types,
read by `json.loads`); anything else goes through `Binder`, which reproduces every error.
.NET parses ASCII digits and white space only (Python's \\d and \\s take any Unicode one).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..engine.exchange import check_bulk_size
from ..engine.numbers import DecimalParseError, dotnet_scale, parse_dotnet
from ..engine.orders import BUY, SELL
from ..gc_pause import no_gc
from .json_reader import BindError, Node, _Reader, join_path

_WHOLE = re.compile(r"-?[0-9]+")
_SIGNED = re.compile(r"[+-]?[0-9]+")
# (possessive, and no digit matched two ways: `[0-9]+\.?[0-9]*` backtracked for minutes on
# 10 000 digits and a letter)
_EXPONENT_FORM = re.compile(r"[ \t\n\v\f\r]*[+-]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)"
                            r"(?:[eE][+-]?[0-9]+)?[ \t\n\v\f\r]*")

_DEFAULTS = {"string": None, "decimal": Decimal(0), "bool": False, "list": None}


@dataclass(frozen=True, slots=True)
class EnumType:
    full_name: str
    names: tuple[str, ...]         # C# names; value = index
    nullable: bool = False
    by_lower: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "by_lower", {n.lower(): n for n in self.names})


@dataclass(frozen=True, slots=True)
class Prop:
    name: str                      # C# property name
    kind: str                      # string, decimal, bool, enum, list
    required: bool = False         # [Required] on a string
    enum: EnumType | None = None
    item: "Model | None" = None


@dataclass(frozen=True, slots=True)
class Model:
    short_name: str
    full_name: str
    props: tuple[Prop, ...]
    # derived: members by exact and by lower-cased name, the values of an empty object
    exact: dict = field(init=False, repr=False, compare=False, hash=False)
    lower: dict = field(init=False, repr=False, compare=False, hash=False)
    defaults: dict = field(init=False, repr=False, compare=False, hash=False)
    required: tuple = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "exact", {p.name: p for p in self.props})
        set_(self, "lower", {p.name.lower(): p for p in self.props})
        set_(self, "defaults", {
            p.name: (p.enum.names[0] if p.enum and not p.enum.nullable else None)
            if p.kind == "enum" else _DEFAULTS[p.kind] for p in self.props})
        set_(self, "required", tuple(p.name for p in self.props if p.required))


ORDER_ACTION = EnumType("Lykke.MatchingEngine.Connector.Models.Common.OrderAction",
                        ("Buy", "Sell"))
CANCEL_MODE = EnumType("System.Nullable`1[Lykke.MatchingEngine.Connector.Models.Api.CancelMode]",
                       ("NotEmptySide", "BothSides", "SellSide", "BuySide"), nullable=True)
_REQ = "HftApi.WebApi.Models.Request."
LIMIT_ORDER = Model("PlaceLimitOrderRequest", _REQ + "PlaceLimitOrderRequest", (
    Prop("AssetPairId", "string", True), Prop("Side", "enum", enum=ORDER_ACTION),
    Prop("Volume", "decimal"), Prop("Price", "decimal")))
MARKET_ORDER = Model("PlaceMarketOrderRequest", _REQ + "PlaceMarketOrderRequest", (
    Prop("AssetPairId", "string", True), Prop("Side", "enum", enum=ORDER_ACTION),
    Prop("Volume", "decimal")))
BULK_ITEM = Model("BulkOrderItemModel", _REQ + "BulkOrderItemModel", (
    Prop("OrderAction", "enum", enum=ORDER_ACTION), Prop("Volume", "decimal"),
    Prop("Price", "decimal"), Prop("OldId", "string")))
BULK_ORDER = Model("PlaceBulkLimitOrderRequest", _REQ + "PlaceBulkLimitOrderRequest", (
    Prop("AssetPairId", "string", True), Prop("CancelPreviousOrders", "bool"),
    Prop("CancelMode", "enum", enum=CANCEL_MODE), Prop("Orders", "list", item=BULK_ITEM)))
WITHDRAWAL = Model("CreateWithdrawalRequest", _REQ + "CreateWithdrawalRequest", (
    Prop("AssetId", "string", True), Prop("Volume", "decimal"),
    Prop("DestinationAddress", "string", True), Prop("DestinationAddressExtension", "string")))

_DECIMAL_MAX = Decimal("79228162514264337593543950335")
_TOKEN = {"object": "StartObject", "array": "StartArray"}


def _printed(node: Node) -> str:
    """A value as Newtonsoft prints it in 'Error converting value …'."""
    if node.kind == "string":
        return f'"{node.value}"'
    if node.kind in ("true", "false"):
        return node.kind.capitalize()
    if node.kind == "null" or node.kind in _TOKEN:
        return "{null}"
    return str(node.value)


class Binder:
    """Deserializes a body into a model's values the way the real server's Newtonsoft
    settings do, collecting (key, message) errors instead of stopping at the first."""

    def __init__(self, text: str, skim: bool = True):
        self.reader = _Reader(text, skim)       # (skim=False: the plain reader, for tests)
        self.errors: list[tuple[str, str]] = []

    def error(self, message: str, index: int, path: str) -> None:
        self.errors.append((path, message + self.reader.where(index, path)))

    def convert_error(self, node: Node, type_name: str, path: str) -> None:
        self.error(f"Error converting value {_printed(node)} to type '{type_name}'.", node.end,
                   path)

    def bind_root(self, model: Model) -> dict | None:
        """The model's values, or None when the body is JSON null (no value)."""
        try:
            node = self.reader.value(0, "", 0)
        except BindError as e:
            self.errors.append((e.key, e.message))
            return None
        if node.kind == "null":
            return None
        return self.bind_object(model, node, "")

    def bind_object(self, model: Model, node: Node, path: str) -> dict | None:
        if node.kind == "array":
            self.error("Cannot deserialize the current JSON array (e.g. [1,2,3]) into type "
                       f"'{model.full_name}' because the type requires a JSON object "
                       '(e.g. {"name":"value"}) to deserialize correctly.', node.start + 1, path)
            return None
        if node.kind != "object":
            self.convert_error(node, model.full_name, path)
            return None
        values = model.defaults.copy()
        exact, lower = model.exact, model.lower
        for name, after_colon, child in self.reader.items(node, path):
            prop = exact.get(name) or lower.get(name.lower())
            child_path = join_path(path, name)
            if prop is None:
                self.error(f"Could not find member '{name}' on object of type "
                           f"'{model.short_name}'.", after_colon, child_path)
                continue
            ok, value = self.bind_value(prop, child, child_path)
            if ok:
                values[prop.name] = value
        return values

    def bind_value(self, prop: Prop, node: Node, path: str) -> tuple[bool, object]:
        kind = prop.kind
        if kind == "list":
            return self.bind_list(prop, node, path)
        if kind == "enum":
            return self.bind_enum(prop.enum, node, path)
        if node.kind in _TOKEN:
            token = _TOKEN[node.kind]
            if kind == "string":
                self.error(f"Error reading string. Unexpected token: {token}.", node.start + 1,
                           path)
            else:
                self.error(f"Unexpected character encountered while parsing value: "
                           f"{self.reader.text[node.start]}.", node.start + 1, path)
            return False, None
        if kind == "string":
            return True, None if node.kind == "null" else str(node.value)
        if kind == "decimal":
            return self.bind_decimal(node, path)
        return self.bind_bool(node, path)

    def bind_decimal(self, node: Node, path: str) -> tuple[bool, object]:
        if node.kind in ("true", "false"):
            self.error(f"Unexpected character encountered while parsing value: {node.value[0]}.",
                       node.start + 1, path)
            return False, None
        if node.kind == "null" or (node.kind == "string" and not node.value):
            self.convert_error(Node("null", "null", node.start, node.end), "System.Decimal", path)
            return False, None
        text = node.value
        try:
            if node.kind == "number":
                value = Decimal(text)
            else:
                try:
                    value = parse_dotnet(text)
                except DecimalParseError:
                    if not _EXPONENT_FORM.fullmatch(text):     # exponent form, no thousands
                        raise InvalidOperation from None
                    value = Decimal(text.strip(" \t\n\v\f\r"))
        except InvalidOperation:
            if node.kind == "number":
                self.error(f"Input string '{text}' is not a valid decimal.", node.end, path)
            else:
                self.error(f"Could not convert string to decimal: {text}.", node.end, path)
            return False, None
        if value.copy_abs() > _DECIMAL_MAX:                # (exact: abs() may overflow)
            self.error(f"Input string '{text}' is not a valid decimal." if node.kind == "number"
                       else f"Could not convert string to decimal: {text}.", node.end, path)
            return False, None
        return True, dotnet_scale(value)

    def bind_bool(self, node: Node, path: str) -> tuple[bool, object]:
        if node.kind in ("true", "false"):
            return True, node.kind == "true"
        if node.kind == "number":
            return True, Decimal(node.value) != 0
        if node.kind == "string" and node.value.strip().lower() in ("true", "false"):
            return True, node.value.strip().lower() == "true"
        if node.kind == "null" or (node.kind == "string" and not node.value):
            self.convert_error(Node("null", "null", node.start, node.end), "System.Boolean", path)
        elif node.kind == "string":
            self.error(f"Could not convert string to boolean: {node.value}.", node.end, path)
        else:
            self.error(f"Unexpected character encountered while parsing value: "
                       f"{node.value[0]}.", node.start + 1, path)
        return False, None

    def bind_enum(self, enum: EnumType, node: Node, path: str) -> tuple[bool, object]:
        if node.kind == "null":
            if enum.nullable:
                return True, None
            self.error(f"Cannot convert null value to {enum.full_name}.", node.end, path)
            return False, None
        index = None
        if node.kind == "string":
            index = enum_index(enum.names, node.value)
        elif node.kind == "number" and _WHOLE.fullmatch(node.value):
            n = small_int(node.value)
            index = n if n is not None and 0 <= n < len(enum.names) else None
        if index is None:
            end = node.end if node.kind not in _TOKEN else node.start + 1
            self.error(f"Error converting value {_printed(node)} to type '{enum.full_name}'.",
                       end, path)
            return False, None
        return True, enum.names[index]

    def bind_list(self, prop: Prop, node: Node, path: str) -> tuple[bool, object]:
        type_name = f"System.Collections.Generic.List`1[{prop.item.full_name}]"
        if node.kind == "null":
            return True, None
        if node.kind == "object":
            self.error("Cannot deserialize the current JSON object (e.g. {\"name\":\"value\"}) "
                       f"into type '{type_name}' because the type requires a JSON array "
                       "(e.g. [1,2,3]) to deserialize correctly.", node.start + 1, path)
            return False, None
        if node.kind != "array":
            self.convert_error(node, type_name, path)
            return False, None
        check_bulk_size(node.size)
        items = []
        before = len(self.errors)
        for i, child in enumerate(self.reader.items(node, path)):
            if child.kind == "null":
                items.append(None)
                continue
            items.append(self.bind_object(prop.item, child, join_path(path, i)))
        return len(self.errors) == before, items


class _Pairs(list):
    """A JSON object as json.loads reads it here: its (name, value) pairs in order."""


class _Unplain(Exception):
    """The body is not one the fast path takes as is."""


def _refuse(_text):
    raise _Unplain


def _short_number(text: str) -> Decimal:
    """A JSON number of < 29 characters without an exponent is within .NET's decimal range
    and scale; a longer one is left to the full binder."""
    if len(text) > 28 or "e" in text or "E" in text:
        raise _Unplain
    return Decimal(text)


# numbers stay their text (as bytes, apart from strings; str.encode is a C call) until bound:
# a Python call for each number of a large member cost 0.5 s a MB before the body was refused
PLAIN_MAX = 1_000_000
_PLAIN = json.JSONDecoder(object_pairs_hook=_Pairs, parse_float=str.encode,
                          parse_int=str.encode, parse_constant=_refuse)


def bind_plain(model: Model, text: str) -> dict | None:
    """The model's values straight from `json.loads`, when the body is a plain object the
    full binder takes as is: each key a member (any case), once; strings for strings and
    enum names, JSON numbers for decimals (within .NET's range and scale), booleans,
    lists of such objects. None otherwise: then only the full Binder answers (its errors).
    A body over PLAIN_MAX goes to the Binder straight away: no usual body is that large, and
    decoding it here first made a third pass over what the Binder skims twice."""
    if "\\ud" in text or "\\uD" in text or len(text) > PLAIN_MAX:   # (a surrogate escape:
        return None                                                # the binder reads it)
    with no_gc():           # (what was decoded is gone before the collector is back)
        return _decoded_plain(model, text)


def _decoded_plain(model: Model, text: str) -> dict | None:
    try:
        root = _PLAIN.decode(text)
        if type(root) is not _Pairs:
            raise _Unplain
        return _plain_object(model, root)
    except (_Unplain, ValueError, RecursionError):
        return None


def _plain_object(model: Model, pairs: _Pairs) -> dict:
    values = model.defaults.copy()
    seen = set()
    for name, value in pairs:
        prop = model.exact.get(name) or model.lower.get(name.lower())
        if prop is None or prop.name in seen:
            raise _Unplain
        seen.add(prop.name)
        values[prop.name] = _plain_value(prop, value)
    return values


def _plain_value(prop: Prop, value):
    kind, t = prop.kind, type(value)
    if kind == "decimal":
        if t is bytes:
            return _short_number(value.decode())
    elif kind == "string":
        if t is str or value is None:
            return value
    elif kind == "enum":
        if t is str:
            name = prop.enum.by_lower.get(value.lower())       # one name, as enum_index reads it
            if name is None:
                index = enum_index(prop.enum.names, value)
                name = None if index is None else prop.enum.names[index]
            if name is not None:
                return name
        elif value is None and prop.enum.nullable:
            return None
    elif kind == "bool":
        if t is bool:
            return value
    elif value is None:
        return None
    elif t is list:
        check_bulk_size(len(value))         # the mock's limit, before 100 000 items are bound
        return [None if item is None else _plain_object(prop.item, _pairs(item))
                for item in value]
    raise _Unplain


def _pairs(value) -> _Pairs:
    if type(value) is not _Pairs:
        raise _Unplain
    return value


def small_int(text: str) -> int | None:
    """The integer of a text of digits (sign and white space around allowed), or None when
    it has more than 40 significant digits: beyond every .NET integer type, and Python's
    int() refuses texts over 4 300 digits."""
    digits = text.strip(" \t\n\v\f\r").lstrip("+-").lstrip("0")
    return int(text) if len(digits) <= 40 else None


def enum_index(names: tuple[str, ...], text: str) -> int | None:
    """An enum value from its name (any case) or its integer text, as .NET parses it;
    comma-separated names are OR-ed (a defined result only)."""
    value = 0
    for part in text.split(","):
        part = part.strip()
        if _SIGNED.fullmatch(part):
            n = small_int(part)
            if n is None:                   # beyond any enum's range (.NET: overflow)
                return None
        else:
            lowered = [n.lower() for n in names]
            if part.lower() not in lowered:
                return None
            n = lowered.index(part.lower())
        value |= n
    return value if 0 <= value < len(names) else None


def required_errors(model: Model, values: dict) -> list[tuple[str, str]]:
    """[Required] on strings: missing, null, empty or white space."""
    return [(name, f"The {name} field is required.") for name in model.required
            if values[name] is None or not values[name].strip()]


# --- query values (ASP.NET simple-type model binding) --------------------------------------
_INT = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*")
_DOUBLE = _EXPONENT_FORM                # (a double's text: the same form)
_SPECIAL_DOUBLES = {"nan": float("nan"), "infinity": float("inf"), "+infinity": float("inf"),
                    "-infinity": float("-inf")}


def q_values(query, name: str) -> list[str] | None:
    """All values of a query key (keys are case-insensitive), or None if absent."""
    found = [v for k, v in query.items() if k.lower() == name.lower()]
    return found or None


def q_string(query, name: str) -> str | None:
    values = q_values(query, name)
    if values is None or not values[0].strip():
        return None
    return values[0]


def q_int(query, name: str, default: int | None, nullable: bool = True) -> int | None:
    values = q_values(query, name)
    if values is None:
        return default
    raw = ",".join(values)
    text = values[0]
    if not text.strip():
        if nullable:
            return None
        raise BindError(name, f"The value '{raw}' is invalid.")
    n = small_int(text) if _INT.fullmatch(text) else None
    if n is None or not -2**31 <= n < 2**31:
        raise BindError(name, f"The value '{raw}' is not valid.")
    return n


def q_double(query, name: str) -> float | None:
    values = q_values(query, name)
    if values is None or not values[0].strip():
        return None
    text = values[0]
    special = _SPECIAL_DOUBLES.get(text.strip(" \t\n\v\f\r").lower())
    if special is not None:
        return special
    if not _DOUBLE.fullmatch(text):
        raise BindError(name, f"The value '{','.join(values)}' is not valid.")
    return float(text)


def _int32(text: str) -> bool:
    """An Int32 text (an enum's underlying type); a bigger one overflows in Enum.Parse."""
    n = small_int(text) if _INT.fullmatch(text) else None
    return n is not None and -2**31 <= n < 2**31


def q_side(query, name: str) -> str | None:
    values = q_values(query, name)
    if values is None or not values[0].strip():
        return None
    raw = ",".join(values)
    index = enum_index(ORDER_ACTION.names, values[0])
    if index is None:
        parts_ok = all(_int32(p) or p.strip().lower() in ("buy", "sell")
                       for p in values[0].split(","))
        raise BindError(name, f"The value '{raw}' is invalid." if parts_ok
                        else f"The value '{raw}' is not valid.")
    return (BUY, SELL)[index]
