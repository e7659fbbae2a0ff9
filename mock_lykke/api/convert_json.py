"""REST wire details in one place (BEHAVIOUR.md §3, §4): the JSON writer, the request
binder (ASP.NET Core 5 + Newtonsoft.Json rules), query values, response shapes, envelopes.

Decimals are written as JSON number text with their stored scale and `.0` on integers
(`fmt_json`); values the real server converts from doubles to C# decimals go through
`from_double` (15 significant digits). Key order is the real models' declaration order.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Context, Decimal, InvalidOperation
from json.decoder import scanstring

from ..engine import events as ev
from ..engine.errors import Code
from ..engine.numbers import DecimalParseError, fmt_double_json, fmt_json, parse_dotnet
from ..engine.orders import BUY, SELL

JSON = "application/json; charset=utf-8"          # MVC results
JSON_PLAIN = "application/json"                    # the error middleware, key check
PROBLEM = "application/problem+json; charset=utf-8"


# --- writing ------------------------------------------------------------------------------
class Raw(str):
    """JSON text written as is (a preformatted number)."""


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\u0085\u2028\u2029]')


def _string(s: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(
        lambda m: _ESCAPES.get(m.group()) or f"\\u{ord(m.group()):04x}", s) + '"'


def dumps(value) -> str:
    """Compact JSON as Newtonsoft writes it: dict order kept, Decimal via fmt_json."""
    out: list[str] = []
    _write(value, out.append)
    return "".join(out)


def _write(v, w) -> None:
    if v is None:
        w("null")
    elif v is True:
        w("true")
    elif v is False:
        w("false")
    elif isinstance(v, Raw):
        w(v)
    elif isinstance(v, str):
        w(_string(v))
    elif isinstance(v, Decimal):
        w(fmt_json(v))
    elif isinstance(v, int):
        w(str(v))
    elif isinstance(v, float):
        w(fmt_double_json(v))
    elif isinstance(v, dict):
        w("{")
        for i, (k, item) in enumerate(v.items()):
            if i:
                w(",")
            w(_string(k))
            w(":")
            _write(item, w)
        w("}")
    elif isinstance(v, (list, tuple)):
        w("[")
        for i, item in enumerate(v):
            if i:
                w(",")
            _write(item, w)
        w("]")
    else:
        raise TypeError(f"not JSON-writable: {type(v).__name__}")


def from_double(x: float) -> Decimal:
    """C#'s `(decimal)double`: rounded to 15 significant digits, no trailing zeros."""
    return Decimal(format(x, ".15g"))


def camel(s: str) -> str:
    """Newtonsoft's camel-casing of a name (dictionary keys of the error envelope)."""
    if not s or not s[0].isupper():
        return s
    chars = list(s)
    for i in range(len(chars)):
        if i == 1 and not chars[i].isupper():
            break
        if i > 0 and i + 1 < len(chars) and not chars[i + 1].isupper():
            if chars[i + 1].isspace():
                chars[i] = chars[i].lower()
            break
        chars[i] = chars[i].lower()
    return "".join(chars)


# --- envelopes ----------------------------------------------------------------------------
CODE_STATUS = {Code.itemNotFound: 404, Code.invalidField: 400, Code.actionForbidden: 403,
               Code.runtimeError: 500, Code.meRuntime: 500}
DEFAULT_MESSAGES = {Code.runtimeError: "Runtime error", Code.itemNotFound: "Item not found",
                    Code.invalidField: "Invalid field", Code.actionForbidden: "Action forbidden"}


def ok(payload) -> str:
    return dumps({"payload": payload, "error": None})


def error_body(code: int, message: str, field: str | None, quirks) -> tuple[int, str]:
    """(HTTP status, body) of an API error. Quirk rest-errors-http-200 on: 200, numeric code,
    no payload key; off: the documented form (code name, `"payload": null`, HTTP status by
    code: 404 not found, 400 invalid field and engine rejections, 403 forbidden, 500)."""
    code = Code(code)
    fields = {camel(field): message} if field is not None else {}
    if quirks["rest-errors-http-200"]:
        return 200, dumps({"error": {"code": int(code), "message": message, "fields": fields}})
    body = {"error": {"code": code.name, "message": message, "fields": fields}, "payload": None}
    return CODE_STATUS.get(code, 400), dumps(body)


def crash_body(quirks, message: str = "Runtime error") -> tuple[int, str]:
    """An unhandled exception: HTTP 500 in both forms."""
    return 500, error_body(Code.runtimeError, message, None, quirks)[1]


def trace_id(n: int) -> str:
    """A W3C trace id, derived from a request counter (deterministic)."""
    digest = hashlib.sha256(f"mock-lykke-trace-{n}".encode()).hexdigest()
    return f"00-{digest[:32]}-{digest[32:48]}-00"


def problem_400(errors: dict[str, list[str]], n: int) -> str:
    """ASP.NET's validation problem details as its Newtonsoft converter writes them."""
    return dumps({"errors": errors, "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
                  "title": "One or more validation errors occurred.", "status": 400,
                  "traceId": trace_id(n)})


def problem_415(n: int) -> str:
    return dumps({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.13",
                  "title": "Unsupported Media Type", "status": 415, "traceId": trace_id(n)})


# --- reading JSON (positions kept for Newtonsoft-style messages) ---------------------------
MAX_DEPTH = 32          # ASP.NET's Newtonsoft reader limit
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPECIAL = set(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029")


@dataclass(slots=True)
class Node:
    kind: str          # object, array, string, number, true, false, null
    value: object      # object: [(name, index after ':', Node)], array: [Node], scalar: text
    start: int
    end: int           # index after the token (containers: after the closing bracket)


class BindError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def join_path(path: str, name) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    if any(c in _SPECIAL for c in name):
        escaped = name.replace("'", "\\'")
        return f"{path}['{escaped}']"
    return f"{path}.{name}" if path else name


class _Reader:
    def __init__(self, text: str):
        self.text = text

    def where(self, index: int, path: str) -> str:
        line = self.text.count("\n", 0, index) + 1
        pos = index - (self.text.rfind("\n", 0, index) + 1)
        return f" Path '{path}', line {line}, position {pos}."

    def fail(self, message: str, index: int, path: str) -> BindError:
        return BindError(path, message + self.where(index, path))

    def skip_ws(self, i: int) -> int:
        t = self.text
        while i < len(t) and t[i] in " \t\n\r":
            i += 1
        return i

    def value(self, i: int, path: str, depth: int) -> Node:
        t = self.text
        i = self.skip_ws(i)
        if i >= len(t):
            raise self.fail("Unexpected end when reading JSON.", i, path)
        c = t[i]
        if c in "{[":
            if depth >= MAX_DEPTH:
                raise self.fail(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.",
                                i + 1, path)
            return self.container(i, path, depth + 1)
        if c == '"':
            s, end = self.string(i, path)
            return Node("string", s, i, end)
        m = _NUMBER.match(t, i)
        if m:
            return Node("number", m.group(), i, m.end())
        for lit in ("true", "false", "null"):
            if t.startswith(lit, i):
                return Node(lit, lit, i, i + len(lit))
        raise self.fail(f"Unexpected character encountered while parsing value: {c}.", i + 1,
                        path)

    def string(self, i: int, path: str) -> tuple[str, int]:
        try:
            return scanstring(self.text, i + 1, True)
        except ValueError:
            raise self.fail("Unterminated string. Expected delimiter: \".", len(self.text),
                            path) from None

    def container(self, start: int, path: str, depth: int) -> Node:
        t = self.text
        is_obj = t[start] == "{"
        close = "}" if is_obj else "]"
        items: list = []
        i = self.skip_ws(start + 1)
        if i < len(t) and t[i] == close:
            return Node("object" if is_obj else "array", items, start, i + 1)
        child = path            # the reader's path stays on the last member until the next
        while True:
            i = self.skip_ws(i)
            if is_obj:
                if i >= len(t):
                    raise self.fail("Unexpected end when reading JSON.", i, child)
                if t[i] != '"':
                    raise self.fail(f"Invalid property identifier character: {t[i]}.", i + 1,
                                    child)
                name, i = self.string(i, path)
                child = join_path(path, name)
                i = self.skip_ws(i)
                if i >= len(t) or t[i] != ":":
                    got = t[i] if i < len(t) else "end"
                    raise self.fail("Invalid character after parsing property name. "
                                    f"Expected ':' but got: {got}.", min(i + 1, len(t)), child)
                node = self.value(i + 1, child, depth)
                items.append((name, i + 1, node))
            else:
                child = join_path(path, len(items))
                node = self.value(i, child, depth)
                items.append(node)
            i = self.skip_ws(node.end)
            if i >= len(t):
                raise self.fail("Unexpected end when reading JSON.", i, child)
            if t[i] == ",":
                i += 1
                continue
            if t[i] == close:
                return Node("object" if is_obj else "array", items, start, i + 1)
            raise self.fail("After parsing a value an unexpected character was encountered: "
                            f"{t[i]}.", i + 1, child)


# --- binding request bodies ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EnumType:
    full_name: str
    names: tuple[str, ...]         # C# names; value = index
    nullable: bool = False


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

_DEFAULTS = {"string": None, "decimal": Decimal(0), "bool": False, "list": None}
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

    def __init__(self, text: str):
        self.reader = _Reader(text)
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
        values = {p.name: (p.enum.names[0] if p.enum and not p.enum.nullable else None)
                  if p.kind == "enum" else _DEFAULTS[p.kind] for p in model.props}
        exact = {p.name: p for p in model.props}
        lower = {p.name.lower(): p for p in model.props}
        for name, after_colon, child in node.value:
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
                    value = Decimal(text.strip())       # exponent form, no thousands
                    if not value.is_finite() or "_" in text:
                        raise InvalidOperation from None
        except InvalidOperation:
            if node.kind == "number":
                self.error(f"Input string '{text}' is not a valid decimal.", node.end, path)
            else:
                self.error(f"Could not convert string to decimal: {text}.", node.end, path)
            return False, None
        if abs(value) > _DECIMAL_MAX:
            self.error(f"Input string '{text}' is not a valid decimal." if node.kind == "number"
                       else f"Could not convert string to decimal: {text}.", node.end, path)
            return False, None
        if value.as_tuple().exponent < -28:            # C# decimal keeps 28 decimals
            value = value.quantize(Decimal("1e-28"), context=Context(prec=100))
        return True, value

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
        elif node.kind == "number" and re.fullmatch(r"-?\d+", node.value):
            n = int(node.value)
            index = n if 0 <= n < len(enum.names) else None
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
        items = []
        before = len(self.errors)
        for i, child in enumerate(node.value):
            if child.kind == "null":
                items.append(None)
                continue
            items.append(self.bind_object(prop.item, child, join_path(path, i)))
        return len(self.errors) == before, items


def enum_index(names: tuple[str, ...], text: str) -> int | None:
    """An enum value from its name (any case) or its integer text, as .NET parses it;
    comma-separated names are OR-ed (a defined result only)."""
    value = 0
    for part in text.split(","):
        part = part.strip()
        if re.fullmatch(r"[+-]?\d+", part):
            n = int(part)
        else:
            lowered = [n.lower() for n in names]
            if part.lower() not in lowered:
                return None
            n = lowered.index(part.lower())
        value |= n
    return value if 0 <= value < len(names) else None


def required_errors(model: Model, values: dict) -> list[tuple[str, str]]:
    """[Required] on strings: missing, null, empty or white space."""
    return [(p.name, f"The {p.name} field is required.") for p in model.props
            if p.required and (values[p.name] is None or not values[p.name].strip())]


# --- query values (ASP.NET simple-type model binding) --------------------------------------
_INT = re.compile(r"\s*[+-]?\d+\s*")
_DOUBLE = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
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
    if not _INT.fullmatch(text) or not -2**31 <= int(text) < 2**31:
        raise BindError(name, f"The value '{raw}' is not valid.")
    return int(text)


def q_double(query, name: str) -> float | None:
    values = q_values(query, name)
    if values is None or not values[0].strip():
        return None
    text = values[0]
    special = _SPECIAL_DOUBLES.get(text.strip().lower())
    if special is not None:
        return special
    if not _DOUBLE.fullmatch(text):
        raise BindError(name, f"The value '{','.join(values)}' is not valid.")
    return float(text)


def q_side(query, name: str) -> str | None:
    values = q_values(query, name)
    if values is None or not values[0].strip():
        return None
    raw = ",".join(values)
    index = enum_index(ORDER_ACTION.names, values[0])
    if index is None:
        parts_ok = all(re.fullmatch(r"\s*[+-]?\d+\s*", p) or p.strip().lower() in ("buy", "sell")
                       for p in values[0].split(","))
        raise BindError(name, f"The value '{raw}' is invalid." if parts_ok
                        else f"The value '{raw}' is not valid.")
    return (BUY, SELL)[index]


# --- response shapes ----------------------------------------------------------------------
def iso_utc(ms: int) -> str:
    """Newtonsoft's ISO form of a UTC DateTime (fraction without trailing zeros)."""
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    frac = f"{ms % 1000:03d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def isalive(version: str, started_at: int) -> dict:
    return {"name": "Lykke.HftApi", "version": version, "env": None, "hostName": "mock-lykke",
            "isDebug": False, "startedAt": iso_utc(started_at), "stateIndicators": []}


def asset(a) -> dict:
    return {
        "assetId": a.asset_id, "name": a.name, "symbol": a.symbol, "accuracy": a.accuracy,
        "multiplierPower": a.multiplier_power if a.multiplier_power is not None else a.accuracy,
        "assetAddress": a.asset_address,
        "blockchainIntegrationLayerId": a.blockchain_integration_layer_id,
        "blockchain": a.blockchain, "type": a.type, "isTradable": a.is_tradable,
        "isTrusted": a.is_trusted, "kycNeeded": a.kyc_needed,
        "blockchainWithdrawal": a.blockchain_withdrawal,
        "cashoutMinimalAmount": float(a.cashout_minimal_amount),
        "lowVolumeAmount": None if a.low_volume_amount is None else float(a.low_volume_amount),
        "lykkeEntityId": a.lykke_entity_id, "siriusAssetId": a.sirius_asset_id,
        "siriusBlockchainId": a.sirius_blockchain_id,
        "blockchainIntegrationType": a.blockchain_integration_type,
        "blockchainDepositEnabled": a.blockchain_deposit_enabled, "isDisabled": a.is_disabled,
    }


def asset_pair(p, assets: dict) -> dict:
    base, quote = assets.get(p.base), assets.get(p.quote)
    return {"assetPairId": p.pair_id, "baseAssetId": p.base, "quoteAssetId": p.quote,
            "name": p.name, "priceAccuracy": p.price_accuracy,
            "baseAssetAccuracy": base.accuracy if base else 0,
            "quoteAssetAccuracy": quote.accuracy if quote else 0,
            "minVolume": p.min_volume, "minOppositeVolume": p.min_opposite_volume}


def _levels(entries, negate: bool, per_order: bool, depth: int) -> list[dict]:
    if not per_order:
        merged: dict[Decimal, Decimal] = {}
        for price, volume in entries:
            merged[price] = merged[price] + volume if price in merged else volume
        entries = list(merged.items())
    if depth and depth > 0:
        entries = entries[:depth]
    return [{"v": -volume if negate else volume, "p": price} for price, volume in entries]


def orderbook(book: ev.BookChanged, quirks, depth: int = 0) -> dict:
    """`book` holds every entry when per-order entries are off (depth then counts levels)."""
    per_order = quirks["orderbook-per-order-entries"]
    negate = quirks["negative-ask-volumes"]
    return {"assetPairId": book.pair_id, "timestamp": book.timestamp,
            "bids": _levels(book.bids, False, per_order, depth),
            "asks": _levels(book.asks, negate, per_order, depth)}


def price(p: ev.PriceChanged) -> dict:
    return {"assetPairId": p.pair_id, "bid": p.bid, "ask": p.ask, "timestamp": p.timestamp}


def ticker(t: ev.Ticker, quirks) -> dict:
    change = t.price_change if quirks["price-change-fraction"] else t.price_change * 100
    return {"assetPairId": t.pair_id, "volumeBase": t.volume_base, "volumeQuote": t.volume_quote,
            "priceChange": float(change), "lastPrice": t.last_price, "high": t.high,
            "low": t.low, "timestamp": t.timestamp}


def balance(b, quirks) -> dict:
    available = b.total if quirks["available-includes-reserved"] else b.total - b.reserved
    return {"assetId": b.asset_id, "available": available, "reserved": b.reserved,
            "timestamp": b.timestamp}


def order(o) -> dict:
    return {"id": o.id, "timestamp": o.created, "lastTradeTimestamp": o.last_trade,
            "status": o.status, "assetPairId": o.pair_id, "type": o.type,
            "side": o.side.capitalize(), "price": o.price, "volume": o.volume,
            "filledVolume": o.filled, "remainingVolume": o.remaining, "cost": o.cost}


def trade(t, quirks) -> dict:
    out = {"id": t.id, "timestamp": t.timestamp, "assetPairId": t.pair_id,
           "orderId": t.order_id, "role": t.role}
    if quirks["rest-trades-side"]:
        out["side"] = t.side
    out.update({"price": t.price, "baseVolume": t.base_volume, "quoteVolume": t.quote_volume,
                "baseAssetId": t.base_asset, "quoteAssetId": t.quote_asset,
                "fee": None if t.fee_size is None or t.fee_asset is None
                else {"size": t.fee_size, "assetId": t.fee_asset}})
    return out


def public_trade(t) -> dict:
    return {"id": t.id, "assetPairId": t.pair_id, "timestamp": t.timestamp,
            "volume": t.volume, "price": t.price, "side": t.side}


def market_order(order_id: str, avg_price: float) -> dict:
    return {"orderId": order_id, "price": from_double(avg_price)}


def bulk_result(pair_id: str, result, quirks) -> dict:
    signed = quirks["bulk-signed-volumes"]
    return {"assetPairId": pair_id, "error": Code(result.code).name, "statuses": [
        {"id": s.id, "error": Code(s.code).name,
         "volume": from_double(s.volume if signed else abs(s.volume)),
         "price": from_double(s.price)} for s in result.statuses]}


def operation(op) -> dict:
    return {"operationId": op.id, "assetId": op.asset_id, "totalVolume": op.total_volume,
            "fee": op.fee, "type": op.type, "timestamp": op.timestamp}


def deposit_address(d) -> dict:
    return {"assetId": d.asset_id, "symbol": d.symbol, "address": d.address,
            "baseAddress": d.base_address, "addressExtension": d.address_extension,
            "state": d.state}
