"""Reading a journal for the report: its lines as they come (with orjson when installed), the
bot's account, the valuation asset and how each asset is priced in it."""
from __future__ import annotations

import json
import re
from collections import Counter, deque
from pathlib import Path

try:
    from orjson import loads as _loads
except ImportError:                             # optional: the report extra brings it
    from json import loads as _loads

from ..journal import FORMAT, ReplayError, cut_off

_ACCOUNT = re.compile(r'"args":\{"account":"([^"]*)"')


def _open(path: str | Path):
    """The open file (binary), past its header line, and the header."""
    f = open(path, "rb")
    first = f.readline()
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        f.close()
        raise ReplayError(f"{path}: not a journal ({e})") from None
    if not isinstance(header, dict) or header.get("journal") != FORMAT:
        f.close()
        raise ReplayError(f"{path}: not a mock-lykke journal (format {FORMAT})")
    return f, header


def feed_entries(path: str | Path, feed) -> None:
    """feed(entry) for each entry of the journal, in order (the journal's decimals are
    strings, so no float is ever made; orjson when installed). A last line cut off mid-write
    is left out with a JournalWarning, as journal.read_journal does."""
    f, _ = _open(path)
    loads, n = _loads, 1
    with f:
        try:
            for n, line in enumerate(f, 2):
                if len(line) > 1:
                    feed(loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            if line.endswith(b"\n"):      # (only the last line can lack it)
                raise ReplayError(f"{path}:{n}: not JSON ({e})") from None
            cut_off(path, n, line)


def _participant_accounts(scenario: dict) -> set[str]:
    out = set()
    for spec in scenario.get("market") or []:
        out.update(n for n in (spec.get("account"), spec.get("takerAccount")) if n)
    for spec in scenario.get("orders") or []:
        out.add(spec.get("account"))
    for step in scenario.get("timeline") or []:
        for body in step.values():
            if isinstance(body, dict) and body.get("account"):
                out.add(body["account"])
    return out


def find_account(path: str | Path, header: dict) -> str:
    """The bot: the dry-run's account, else the only tracked account, else among the accounts
    that place orders and are no market participant `trader` or the first; else the first."""
    dry = header.get("dryrun") or {}
    if dry.get("account"):
        return dry["account"]
    tracked = (header.get("track") or {}).get("accounts") or []
    if len(tracked) == 1:
        return tracked[0]
    scenario = header["scenario"]
    names = [a["name"] for a in scenario.get("accounts") or []]
    if not names:
        raise ReplayError("the journal's scenario has no accounts")
    skip = _participant_accounts(scenario)
    placing: dict[str, None] = {}
    with open(path, encoding="utf-8") as f:
        next(f, None)
        for line in f:
            if '"cmd":"place_' in line:
                found = _ACCOUNT.search(line)
                if found and found.group(1) in names and found.group(1) not in skip:
                    placing[found.group(1)] = None
    if "trader" in placing or (not placing and "trader" in names):
        return "trader"
    return next(iter(placing), names[0])


def valuation_asset(scenario: dict) -> str:
    """The quote asset most pairs share (the first pair's on a tie)."""
    quotes = [p["quoteAssetId"] for p in scenario.get("assetPairs") or []]
    if not quotes:
        raise ReplayError("the journal's scenario has no asset pairs")
    counts = Counter(quotes)
    return max(quotes, key=lambda q: (counts[q], -quotes.index(q)))


def routes(scenario: dict, target: str) -> dict[str, list[tuple[str, bool]]]:
    """For each asset, the pairs that price it in `target` (shortest path):
    [(pair, inverted)], the asset's price being the product of mids (1/mid when inverted)."""
    pairs = [(p["assetPairId"], p["baseAssetId"], p["quoteAssetId"])
             for p in scenario.get("assetPairs") or [] if not p.get("disabled")]
    out = {target: []}
    todo = deque([target])
    while todo:
        asset = todo.popleft()
        for pair_id, base, quote in pairs:
            if quote == asset and base not in out:         # base = mid x quote
                out[base] = [(pair_id, False)] + out[asset]
                todo.append(base)
            elif base == asset and quote not in out:       # quote = base / mid
                out[quote] = [(pair_id, True)] + out[asset]
                todo.append(quote)
    return out


def read_header(path: str | Path) -> dict:
    f, header = _open(path)
    f.close()
    return header
