"""Every check of a scenario, all problems at once: the schema, then the cross references
(names, accuracies, data files), then a dry run of the resting orders on a scratch engine."""
from __future__ import annotations

import difflib
from pathlib import Path

from jsonschema import ValidationError

from ..engine import ApiError, ServerCrash
from ..engine.clock import DEFAULT_START, VirtualClock, parse_time
from ..engine.numbers import fits
from ..market import PARTICIPANTS
from .build import place_resting, setup_exchange
from ..latency import rule_problems
from .faults import fault_problems
from .schema import validator
from .source import Problem, ScenarioError, Source
from .timeline import step_problems
from .values import dec, parse_at

SETUP_SECTIONS = {"version", "seed", "clock", "assets", "assetPairs", "accounts", "orders",
                  "quirks"}


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(src: Source, err: ValidationError) -> list[Problem]:
    path = tuple(err.absolute_path)
    schema, value, kind = err.schema, err.instance, err.validator
    if kind == "additionalProperties" and isinstance(value, dict):
        known = set(schema.get("properties", {}))
        out = []
        for key in value:
            if key in known:
                continue
            hint = difflib.get_close_matches(str(key), known, n=1)
            msg = f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            if not known:
                msg = f"unknown key {key!r}"
            out.append(src.problem(path + (key,), msg))
        return out
    if kind == "required":
        missing = err.validator_value
        names = [k for k in missing if isinstance(value, dict) and k not in value]
        return [src.problem(path, f"missing required key {k!r}") for k in names]
    title = schema.get("title")
    if kind in ("pattern", "type", "anyOf", "minimum") and title:
        msg = f"{_describe(value)} is not {title}"
    elif kind == "anyOf" and schema.get("description"):
        msg = f"{_describe(value)} is not valid: {schema['description']}"
    elif kind == "enum":
        options = ", ".join(str(v) for v in err.validator_value)
        msg = f"{_describe(value)} is not one of: {options}"
    elif kind == "const":
        msg = f"must be {err.validator_value!r}"
    else:
        msg = err.message
    return [src.problem(path, msg)]


def _index(items, key: str) -> dict:
    out: dict = {}
    for it in items or []:
        if isinstance(it, dict) and isinstance(it.get(key), str):
            out.setdefault(it[key], it)       # the first wins; later ones are duplicates
    return out


def references(data: dict) -> dict:
    """Names the scenario defines, for cross checks (tolerant of invalid items)."""
    market = [m for m in data.get("market") or [] if isinstance(m, dict)]
    return {"assets": _index(data.get("assets"), "assetId"),
            "pairs": _index(data.get("assetPairs"), "assetPairId"),
            "accounts": _index(data.get("accounts"), "name"),
            "makers": {m.get("assetPairId") for m in market if m.get("kind") == "marketMaker"}}


def _duplicates(src, items, section: str, key: str, what: str) -> list[Problem]:
    seen, out = set(), []
    for i, it in enumerate(items or []):
        value = it.get(key) if isinstance(it, dict) else None
        if value is None:
            continue
        if value in seen:
            out.append(src.problem((section, i, key), f"duplicate {what} {value!r}"))
        seen.add(value)
    return out


def _cross_problems(src: Source, data: dict, ref: dict, bad: set, base_dir: Path | None):
    out: list[Problem] = []
    assets, pairs, accounts = ref["assets"], ref["pairs"], ref["accounts"]

    def ok(path) -> bool:          # no schema problem in or above path
        return not any(path[:len(b)] == b or b[:len(path)] == path for b in bad)

    clock = data.get("clock")
    if isinstance(clock, dict) and "start" in clock and ok(("clock", "start")):
        try:
            parse_time(clock["start"])
        except (ValueError, TypeError):
            out.append(src.problem(("clock", "start"),
                                   f"{_describe(clock['start'])} is not an ISO-8601 time"))
    if isinstance(clock, dict) and "until" in clock and ok(("clock", "until")):
        try:
            parse_at(clock["until"], 0)
        except ValueError as e:
            out.append(src.problem(("clock", "until"), str(e)))
    for i, rule in enumerate(data.get("latency") or []):
        if isinstance(rule, dict) and ok(("latency", i)):
            for path, msg in rule_problems(rule, base_dir):
                out.append(src.problem(("latency", i) + path, msg))
    out += _duplicates(src, data.get("assets"), "assets", "assetId", "asset")
    out += _duplicates(src, data.get("assetPairs"), "assetPairs", "assetPairId", "asset pair")
    out += _duplicates(src, data.get("accounts"), "accounts", "name", "account name")
    out += _duplicates(src, data.get("accounts"), "accounts", "apiKey", "API key")
    out += _duplicates(src, data.get("accounts"), "accounts", "walletId", "wallet id")

    for i, p in enumerate(data.get("assetPairs") or []):
        if not (isinstance(p, dict) and ok(("assetPairs", i))):
            continue
        for key in ("baseAssetId", "quoteAssetId"):
            if p[key] not in assets:
                out.append(src.problem(("assetPairs", i, key), f"unknown asset {p[key]!r}"))
        if p["baseAssetId"] == p["quoteAssetId"]:
            out.append(src.problem(("assetPairs", i), "base and quote are the same asset"))
        base = assets.get(p["baseAssetId"])
        if base is not None and "minVolume" in p and not fits(dec(p["minVolume"]),
                                                              base["accuracy"]):
            out.append(src.problem(("assetPairs", i, "minVolume"),
                                   f"{p['minVolume']} has more decimals than "
                                   f"{p['baseAssetId']}'s accuracy ({base['accuracy']})"))

    for i, acc in enumerate(data.get("accounts") or []):
        balances = acc.get("balances") if isinstance(acc, dict) else None
        for asset_id, amount in (balances.items() if isinstance(balances, dict) else ()):
            path = ("accounts", i, "balances", asset_id)
            asset = assets.get(asset_id)
            if asset is None:
                out.append(src.problem(path, f"unknown asset {asset_id!r}"))
            elif ok(path) and isinstance(asset.get("accuracy"), int) and not fits(
                    dec(amount), asset["accuracy"]):
                out.append(src.problem(path, f"{amount} has more decimals than {asset_id}'s "
                                             f"accuracy ({asset['accuracy']})"))
        fees = acc.get("fees") if isinstance(acc, dict) else None
        for side, rate in (fees.items() if isinstance(fees, dict) else ()):
            if ok(("accounts", i, "fees", side)) and dec(rate) >= 1:
                out.append(src.problem(("accounts", i, "fees", side),
                                       f"a fee is a fraction below 1, got {rate}"))

    for i, o in enumerate(data.get("orders") or []):
        if not (isinstance(o, dict) and ok(("orders", i))):
            continue
        if o["account"] not in accounts:
            out.append(src.problem(("orders", i, "account"), f"unknown account {o['account']!r}"))
        if o["assetPairId"] not in pairs:
            out.append(src.problem(("orders", i, "assetPairId"),
                                   f"unknown asset pair {o['assetPairId']!r}"))

    for i, m in enumerate(data.get("market") or []):
        if not (isinstance(m, dict) and ok(("market", i))):
            continue
        refs_ok = True
        if m["account"] not in accounts:
            out.append(src.problem(("market", i, "account"), f"unknown account {m['account']!r}"))
            refs_ok = False
        if m["assetPairId"] not in pairs:
            out.append(src.problem(("market", i, "assetPairId"),
                                   f"unknown asset pair {m['assetPairId']!r}"))
            refs_ok = False
        pair = pairs.get(m["assetPairId"])
        if pair is not None and not _listed(pair, assets):
            out.append(src.problem(("market", i, "assetPairId"),
                                   f"asset pair {m['assetPairId']!r} is not tradable (disabled, "
                                   "or one of its assets is not listed)"))
            refs_ok = False
        cls = PARTICIPANTS[m["kind"]]
        if refs_ok:
            for path, msg in cls.problems(m, ref, base_dir):
                out.append(src.problem(("market", i) + path, msg))
        if m["kind"] == "replay":
            out += _data_problems(src, m, ("market", i, "file"), base_dir)

    for i, step in enumerate(data.get("timeline") or []):
        if not (isinstance(step, dict) and ok(("timeline", i))):
            continue
        try:
            parse_at(step["at"], 0)
        except ValueError as e:
            out.append(src.problem(("timeline", i, "at"), str(e)))
        for path, msg in step_problems(step, ref):
            out.append(src.problem(("timeline", i) + path, msg))
        if "addFault" in step:
            for path, msg in fault_problems(step["addFault"]):
                out.append(src.problem(("timeline", i, "addFault") + path, msg))

    for i, fault in enumerate(data.get("faults") or []):
        if isinstance(fault, dict) and ok(("faults", i)):
            for path, msg in fault_problems(fault):
                out.append(src.problem(("faults", i) + path, msg))
            if "after" in fault and "until" in fault:
                try:
                    if parse_at(fault["after"], 0) >= parse_at(fault["until"], 0):
                        out.append(src.problem(("faults", i, "until"),
                                               "`until` must be later than `after`"))
                except ValueError:
                    pass
    return out


def _listed(pair: dict, assets: dict) -> bool:
    """Whether a pair is visible and tradable (enabled, both assets listed)."""
    if pair.get("disabled"):
        return False
    for key in ("baseAssetId", "quoteAssetId"):
        asset = assets.get(pair.get(key))
        if asset is None or asset.get("isTradable") is False or asset.get("isDisabled"):
            return False
    return True


def _data_problems(src: Source, spec: dict, path: tuple, base_dir: Path | None):
    from ..market.replay import data_path, load_data
    file = data_path(spec, base_dir)
    if not file.is_file():
        return [src.problem(path, f"data file not found: {file}")]
    try:
        load_data(file, spec.get("assetPairId"))
    except ScenarioError as e:
        return [src.problem(path, f"bad data file ({len(e.problems)} problem(s) below)"),
                *e.problems]
    return []


def _dry_run(src: Source, data: dict) -> list[Problem]:
    """Place the resting orders on a scratch engine; each rejection is a problem."""
    out = []
    ex = setup_exchange(data, VirtualClock(DEFAULT_START), int(data.get("seed", 0)))
    for i, spec in enumerate(data.get("orders") or []):
        try:
            place_resting(ex, spec)
        except ApiError as e:
            out.append(src.problem(("orders", i), f"this order would be rejected at load: "
                                                  f"{e.message} ({int(e.code)})"))
        except ServerCrash as e:
            out.append(src.problem(("orders", i), f"this order would crash the engine: {e}"))
    return out


def check_source(src: Source, base_dir: Path | None = None) -> list[Problem]:
    """Every problem of a parsed scenario, sorted by line."""
    problems = list(src.problems)
    data = src.data
    if data is None:
        return problems
    if not isinstance(data, dict):
        return problems + [src.problem((), "a scenario is a mapping (version, assets, ...)")]
    schema = []
    for err in validator().iter_errors(data):
        schema += _schema_problems(src, err)
    problems += schema
    bad = {p.path for p in schema}
    data = {k: v for k, v in data.items() if (k,) not in bad}   # a section of the wrong type
    problems += _cross_problems(src, data, references(data), bad, base_dir)
    if not any((p.path and p.path[0] in SETUP_SECTIONS) or (not p.path and p.file == src.name)
               for p in problems):
        problems += _dry_run(src, data)
    seen, unique = set(), []
    for p in problems:
        if (p.file, p.line, p.path, p.message) not in seen:
            seen.add((p.file, p.line, p.path, p.message))
            unique.append(p)
    return sorted(unique, key=lambda p: (p.file != src.name, p.file, p.line))
