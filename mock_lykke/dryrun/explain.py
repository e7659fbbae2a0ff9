"""`mock-lykke explain JOURNAL ID`: why an order was filled or rejected, from the journal's
notes alone (docs/dryrun.md): the call that sent it and the latency applied, its state at entry
(queue ahead), each fill (maker/taker, the order it matched, the rule), the rejection's check.
"""
from __future__ import annotations

import sys
from decimal import Decimal

from ..engine.clock import format_time
from ..journal import ReplayError, dumps, read_journal, warnings_printed


class Index:
    """The journal's notes, by order id, trade id and call id."""

    def __init__(self, entries: list[dict]):
        self.orders: dict[str, dict] = {}
        self.rejects: list[dict] = []
        self.fills: list[dict] = []
        self.closed: dict[str, dict] = {}
        self.calls: dict[int, dict] = {}
        self.commands: dict[int, list[dict]] = {}
        for e in entries:
            cmd, args = e["cmd"], e.get("args") or {}
            if cmd == "order":
                self.orders[args["order"]] = e
            elif cmd == "reject":
                self.rejects.append(e)
            elif cmd == "fill":
                self.fills.append(e)
            elif cmd == "closed":
                self.closed[args["order"]] = e
            elif cmd == "call":
                self.calls[args["id"]] = e
            elif "call" in e:
                self.commands.setdefault(e["call"], []).append(e)

    def order_ids(self) -> list[str]:
        ids = dict.fromkeys(self.orders)
        for e in self.rejects:
            if e["args"].get("order"):
                ids[e["args"]["order"]] = None
        return list(ids)

    def resolve(self, ident: str) -> tuple[str, object] | None:
        """("call", n) / ("order", id) / ("trade", fill entry), or None."""
        text = ident.strip()
        for prefix in ("#", "call:"):
            if text.startswith(prefix) and text[len(prefix):].isdigit():
                n = int(text[len(prefix):])
                return ("call", n) if n in self.calls or n in self.commands else None
        if text[:1] == "n" and text[1:].isdigit():           # a rejection by its entry
            found = [e for e in self.rejects if e["n"] == int(text[1:])]
            return ("reject", found[0]) if found else None
        for e in self.fills:
            a = e["args"]
            if text in (a["maker"]["trade"], a["taker"]["trade"]):
                return "trade", e
        ids = self.order_ids() + [o for e in self.fills
                                  for o in (e["args"]["maker"]["order"],
                                            e["args"]["taker"]["order"])]
        if text in ids:
            return "order", text
        matches = sorted({i for i in ids if i.startswith(text)})
        if len(text) >= 4 and len(matches) == 1:
            return "order", matches[0]
        return None

    def rejection_of(self, order_id: str) -> dict | None:
        """The rejection of the order itself (a bulk item refused under this id), or None."""
        return next((e for e in self.rejects if e["args"].get("order") == order_id
                     and _own(e)), None)

    def refusals_of(self, order_id: str) -> list[dict]:
        """Refused commands on the order (a cancel of an order no longer active: 2009)."""
        return [e for e in self.rejects if e["args"].get("order") == order_id and not _own(e)]

    def fills_of(self, order_id: str) -> list[dict]:
        return [e for e in self.fills if order_id in (e["args"]["maker"]["order"],
                                                      e["args"]["taker"]["order"])]


def _own(reject: dict) -> bool:
    """Whether a rejection's `order` is the refused order itself (a placement), not the order
    a refused command was about (cancel_order)."""
    return reject["args"]["command"].startswith("place_")


def _ms(value) -> str:
    return f"{value:g} ms" if isinstance(value, (int, float)) else str(value)


def _call_lines(index: Index, call_id) -> list[str]:
    if call_id is None:
        return ["  by       the mock itself (resting order, participant, timeline or control API)"]
    e = index.calls.get(call_id)
    if e is None:
        return [f"  by       call #{call_id}"]
    a = e["args"]
    lat = a.get("latency") or {}
    out = [f"  by       call #{a['id']} {a['method']} ({a['via']}), sent "
           f"{format_time(a['arrived'])}, answered {format_time(e['t'])}: {a['result']}"
           + (f" {a['code']}" if a.get("code") is not None else "")]
    engine = a.get("engine")
    reached = f"; reached the engine at {format_time(engine)}" if engine is not None else ""
    out.append(f"  latency  request {_ms(lat.get('request', 0))}, response "
               f"{_ms(lat.get('response', 0))}{reached}")
    return out


def _fill_lines(e: dict, order_id: str | None) -> list[str]:
    a = e["args"]
    maker, taker = a["maker"], a["taker"]
    if order_id == maker["order"]:
        me, other, role = maker, taker, "maker"
    else:
        me, other, role = taker, maker, "taker"
    kind = (f"{other['side']} {other.get('type', 'Limit').lower()}" if other is taker
            else f"resting {other['side']}")
    fee = f", fee {me['fee']} {me['feeAsset']}" if me.get("fee") else ""
    return [f"  fill     {format_time(e['t'])}  {a['volume']} @ {a['price']} as {role}, against "
            f"the {kind} order {other['order']} ({other['account']}){fee}",
            f"           trade {me['trade']}; why: {a['rule']}"]


def _reject_lines(index: Index, e: dict) -> list[str]:
    a = e["args"]
    what = " ".join(str(x) for x in (a.get("pair"), a.get("side"), a.get("volume"))
                    if x is not None)
    if a.get("price") is not None:
        what += f" @ {a['price']}"
    item = ""
    if a.get("order"):
        item = f" (bulk item {a['order']})" if _own(e) else f" of order {a['order']}"
    out = [f"rejected {a['command']}{item}  {a['account'] or '-'}  {what}".rstrip(),
           f"  at       {format_time(e['t'])}"]
    if a.get("source"):
        out.append(f"  by       {_source(a['source'])}")
    else:
        out += _call_lines(index, a.get("call"))
    error = (f"{a['code']} {a['codeName']}: {a['message']}" if a.get("code") is not None
             else f"refused before the engine: {a['message']}")
    out += [f"  error    {error}" + (f" (field {a['field']})" if a.get("field") else ""),
            f"  why      {a['rule']}"]
    return out


def _source(source: str) -> str:
    """Who sent a command the mock ran itself: timeline[i] ACTION, market[i] NAME, control."""
    if source.startswith("timeline["):
        return f"the scenario's {source} step"
    if source.startswith("market["):
        return f"the market participant {source}"
    if source == "control":
        return "the control API (or the fixture)"
    return source


def _refusal_lines(index: Index, e: dict) -> list[str]:
    """A refused command on an order, as a line of the order's life."""
    a = e["args"]
    if a.get("source"):
        by = _source(a["source"])
    elif a.get("call") is not None:
        call = index.calls.get(a["call"])
        by = f"call #{a['call']}" + (f" {call['args']['method']}" if call else "")
    else:
        by = "the mock itself"
    error = (f"{a['code']} {a['codeName']}: {a['message']}" if a.get("code") is not None
             else a["message"])
    return [f"  refused  {format_time(e['t'])} {a['command']} by {by}: {error}",
            f"           why: {a['rule']}"]


def explain_order(index: Index, order_id: str) -> list[str]:
    rejected = index.rejection_of(order_id)
    refusals = [line for r in index.refusals_of(order_id) for line in _refusal_lines(index, r)]
    if rejected is not None:
        return _reject_lines(index, rejected) + refusals
    e = index.orders.get(order_id)
    out = []
    if e is None and refusals and not index.fills_of(order_id):
        out.append(f"order {order_id}  (no order of a tracked account)")
    elif e is None:
        out.append(f"order {order_id}  (not an order of a tracked account: its fills only)")
    else:
        a = e["args"]
        out.append(f"order {order_id}  {a['account']}  {a['pair']} {a['side']} {a['type']} "
                   f"{a['volume']} @ {a['price']}")
        out.append(f"  entered  {format_time(e['t'])}")
        out += _call_lines(index, a.get("call"))
        ahead = (f"; queue ahead {a['queueAhead']} in {a['ordersAhead']} order(s) at "
                 f"{a['price']}" if a.get("queueAhead") is not None else "; did not rest")
        out.append(f"  at entry {a['status']}, remaining {a['remaining']}{ahead}")
    for fill in index.fills_of(order_id):
        out += _fill_lines(fill, order_id)
    closed = index.closed.get(order_id)
    if closed is not None:
        c = closed["args"]
        by = f" (call #{c['call']})" if c.get("call") is not None else ""
        out.append(f"  closed   {format_time(closed['t'])} {c['status']}, remaining "
                   f"{c['remaining']}{by}")
    return out + refusals


def explain_call(index: Index, call_id: int) -> list[str]:
    out = [f"call #{call_id}"] + _call_lines(index, call_id)
    e = index.calls.get(call_id)
    if e is not None and e["args"].get("message"):
        out.append(f"  answer   {e['args']['result']} {e['args'].get('code', '')}: "
                   f"{e['args']['message']}")
    for r in index.rejects:
        if r["args"].get("call") == call_id:
            out += [""] + _reject_lines(index, r)
    for order_id, o in index.orders.items():
        if o["args"].get("call") == call_id:
            out += [""] + explain_order(index, order_id)
    return out


def explain(entries: list[dict], ident: str) -> list[str] | None:
    """The explanation's lines, or None when ident is unknown."""
    index = Index(entries)
    found = index.resolve(ident)
    if found is None:
        return None
    kind, value = found
    if kind == "call":
        return explain_call(index, value)
    if kind == "trade":
        return [f"trade {ident}"] + _fill_lines(value, None)
    if kind == "reject":
        return _reject_lines(index, value)
    return explain_order(index, value)


def listing(entries: list[dict]) -> list[str]:
    index = Index(entries)
    out = []
    for order_id, e in index.orders.items():
        a = e["args"]
        fills = index.fills_of(order_id)
        filled = sum(Decimal(f["args"]["volume"]) for f in fills)
        if order_id in index.closed:
            status = index.closed[order_id]["args"]["status"]
        elif filled >= Decimal(a["volume"]):
            status = "Matched"
        else:
            status = "PartiallyMatched" if filled else a["status"]
        out.append(f"{order_id}  {format_time(e['t'])}  {a['pair']} {a['side']} {a['type']} "
                   f"{a['volume']} @ {a['price']}  {status}, {len(fills)} fill(s)")
    for e in index.rejects:         # one row per id: a refused cancel has its call's
        a = e["args"]
        own = a.get("order") if _own(e) else None
        ref = own or (f"#{a['call']}" if a.get("call") is not None else f"n{e['n']}")
        of = f" of {a['order']}" if a.get("order") and not own else ""
        by = f" (by {a['source']})" if a.get("source") else ""
        out.append(f"{ref}  {format_time(e['t'])}  rejected {a['command']}{of}: "
                   f"{a['codeName'] or 'refused'}{by}")
    return out


def explain_main(path: str, ident: str | None, as_json: bool = False, out=None) -> int:
    out = out or sys.stdout
    try:
        with warnings_printed("mock-lykke explain"):
            header, entries = read_journal(path)
    except (OSError, ReplayError) as e:
        print(f"mock-lykke explain: {e}", file=sys.stderr)
        return 2
    if "track" not in header:
        print("mock-lykke explain: this journal has no explanations (written without "
              "tracking; use mock-lykke dryrun)", file=sys.stderr)
        return 2
    if ident is None:
        print("\n".join(listing(entries)) or "no orders or rejections", file=out)
        return 0
    lines = explain(entries, ident)
    if lines is None:
        print(f"mock-lykke explain: {ident!r} is no order, trade, call or rejection in {path}",
              file=sys.stderr)
        return 1
    if as_json:
        index = Index(entries)
        kind, value = index.resolve(ident)
        related = [e for e in entries if _related(e, kind, value)]
        print("\n".join(dumps(e) for e in related), file=out)
        return 0
    print("\n".join(lines), file=out)
    return 0


def _related(e: dict, kind: str, value) -> bool:
    a = e.get("args") or {}
    if kind == "call":
        return e.get("call") == value or a.get("call") == value or (
            e["cmd"] == "call" and a.get("id") == value)
    if kind in ("trade", "reject"):
        return e is value
    if e["cmd"] == "fill":
        return value in (a["maker"]["order"], a["taker"]["order"])
    return a.get("order") == value

