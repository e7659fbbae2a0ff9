"""The live dashboard: `GET /_mock/ui`, a page the mock serves itself (docs/dashboard.md).

- `/_mock/ui` the page, `/_mock/ui/static/<file>` its scripts, styles and the vendored chart
  library (all in the package: nothing comes from the network);
- `/_mock/ui/events` server-sent events: a full picture first, then one frame per screen tick
  (`FRAME_S`) with what changed since the last one (books and accounts of what moved, new
  public trades, new journal entries, the clock; faults, latency, quirks and the market's
  participants when they differ);
- `/_mock/ui/explain/<order id>` why an order is where it is (the journal's notes, else its
  history and journal entries).

The page steers the mock through the ordinary control routes (`/_mock/...`), so everything it
does goes through the Controller and lands in the journal like any other control call.

While no page is open nothing here runs: no listener on the exchange, no task, no encoding.
With pages open, one `Feed` listens to the exchange (it only marks what changed), builds each
frame once and hands the same bytes to every page. A page that falls `BEHIND_FRAMES` frames
behind (a browser that does not read) is cut off, as a slow stream consumer is. The page is no
participant of a lockstep clock: it neither holds nor moves it.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from ..engine import events as ev
from ..engine.clock import format_time
from ..engine.orders import BUY, SELL

log = logging.getLogger(__name__)

UI_PATH = "/_mock/ui"
STATIC = Path(__file__).with_name("ui_static")
FRAME_S = 0.1                 # the screen's pace: at most 10 frames a second
SLOW_EVERY = 10               # faults / latency / quirks / market: compared every 10th tick
DEPTH = 25                    # price levels per side sent for a ladder
TAPE_SNAPSHOT = 300           # public trades per pair in the first picture
JOURNAL_SNAPSHOT = 300        # journal entries in the first picture
MAX_ROWS = 500                # new trades / journal entries per frame (older ones skipped)
BEHIND_FRAMES = 50            # frames a page may be behind before it is cut off
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
         ".md": "text/plain", "": "text/plain"}


def _dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False,
                      default=lambda v: str(v) if isinstance(v, Decimal) else repr(v))


class Page:
    """One open page: the frames not yet written to it."""
    __slots__ = ("frames", "waiter", "closed", "cut", "transport")

    def __init__(self, transport=None):
        self.transport = transport              # to notice a page that went away
        self.frames: deque = deque()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.cut = False                    # fell behind

    def push(self, data: bytes) -> bool:
        if len(self.frames) >= BEHIND_FRAMES:
            return False
        self.frames.append(data)
        self._wake()
        return True

    def close(self, cut: bool = False) -> None:
        self.closed, self.cut = True, self.cut or cut
        self.frames.clear()
        self._wake()
        if cut and self.transport is not None:
            self.transport.abort()      # its writer may be stuck on a browser that does not read

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def next(self) -> bytes | None:
        while not self.frames:
            if self.closed:
                return None
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.frames.popleft()


class Feed:
    """What every open page of one mock is sent; runs only while a page is open."""

    def __init__(self, mock):
        self.mock = mock
        self.pages: dict[Page, None] = {}
        self._task: asyncio.Task | None = None
        self._unsubscribe = None
        self._bound = None
        self._pairs: set[str] = set()           # books that changed since the last frame
        self._wallets: set[str] = set()         # accounts that changed
        self._trades: deque = deque(maxlen=MAX_ROWS)
        self._skipped_trades = 0
        self._journal_n = 0
        self._now = None
        self._slow: dict = {}
        self._ticks = 0
        self.idle = asyncio.Event()             # set while no page is open
        self.idle.set()

    # --- pages ------------------------------------------------------------------------
    def open(self, transport=None) -> Page:
        """A new page, its first message (the whole picture) already queued."""
        if not self.pages:
            self._start()
        page = Page(transport)
        page.push(self._encode("snapshot", self.picture()))
        self.pages[page] = None
        return page

    def close(self, page: Page) -> None:
        self.pages.pop(page, None)
        page.close()
        if not self.pages:
            self._stop()

    def _start(self) -> None:
        if self._shutdown not in self.mock.on_stop:      # once: the server's stop ends pages
            self.mock.on_stop.append(self._shutdown)
        self._bind()
        self.idle.clear()
        self.mock.on_reset.append(self._on_reset)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="dashboard")

    def _stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._bound = None
        if self._on_reset in self.mock.on_reset:
            self.mock.on_reset.remove(self._on_reset)
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.idle.set()

    async def _shutdown(self) -> None:
        for page in list(self.pages):
            self.close(page)

    def _bind(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        ex = self.mock.exchange
        self._bound = ex
        self._unsubscribe = ex.subscribe(self._on_events)
        self._pairs.clear()
        self._wallets.clear()
        self._trades.clear()
        self._skipped_trades = 0
        journal = self._journal()
        self._journal_n = journal.count if journal is not None else 0
        self._now = ex.clock.now()              # as the picture a page gets now says
        self._slow = self._slow_parts()

    def _on_reset(self) -> None:
        """A new exchange: every page gets the whole picture again."""
        self._bind()
        self._broadcast(self._encode("snapshot", self.picture()))

    def _on_events(self, events: list) -> None:
        # only marks what changed: the frame reads the state once per tick
        for e in events:
            t = type(e)
            if t is ev.BookChanged:
                self._pairs.add(e.pair_id)
            elif t is ev.PublicTradesAdded:
                over = len(self._trades) + len(e.trades) - MAX_ROWS
                if over > 0:                    # the deque drops the oldest
                    self._skipped_trades += over
                self._trades.extend(e.trades)
            elif t is ev.BalancesChanged or t is ev.OrdersChanged:
                self._wallets.add(e.wallet_id)

    # --- frames -------------------------------------------------------------------------
    async def _run(self) -> None:
        while self.pages:
            await asyncio.sleep(FRAME_S)
            for page in [p for p in self.pages if _gone(p)]:
                self.close(page)
            if not self.pages:
                break
            try:
                frame = self._frame()
            except Exception:           # a bug here must not end the mock
                log.exception("dashboard frame failed")
                continue
            if frame:
                self._broadcast(self._encode("frame", frame))

    def _broadcast(self, data: bytes) -> None:
        for page in list(self.pages):
            if not page.push(data):
                self.pages.pop(page, None)
                page.close(cut=True)
        if not self.pages:
            self._stop()

    @staticmethod
    def _encode(kind: str, data: dict) -> bytes:
        return f"event: {kind}\ndata: {_dumps(data)}\n\n".encode()

    def _frame(self) -> dict:
        if self.mock.exchange is not self._bound:
            self._on_reset()
            return {}
        ex = self._bound
        out: dict = {}
        if self._pairs:
            out["books"] = {p: self.ladder(p) for p in sorted(self._pairs)}
            self._pairs.clear()
        if self._trades:
            out["trades"] = [_trade(t) for t in self._trades]
            if self._skipped_trades:
                out["tradesSkipped"] = self._skipped_trades
            self._trades.clear()
            self._skipped_trades = 0
        if self._wallets:
            accounts = [ex.accounts[w] for w in sorted(self._wallets) if w in ex.accounts]
            out["accounts"] = [self.account(a) for a in accounts if a.api_key]
            self._wallets.clear()
        journal = self._journal()
        if journal is not None and journal.count != self._journal_n:
            new = journal.count - self._journal_n
            out["journal"] = _last(journal.entries, min(new, MAX_ROWS))
            if new > MAX_ROWS:
                out["journalSkipped"] = new - MAX_ROWS
            self._journal_n = journal.count
        now = ex.clock.now()
        if out or now != self._now:
            out["time"] = self.time()
            self._now = now
        self._ticks += 1
        if self._ticks % SLOW_EVERY == 0 or "journal" in out:
            slow = self._slow_parts()
            changed = {k: v for k, v in slow.items() if self._slow.get(k) != v}
            if changed:
                out.update(changed)
                self._slow = slow
        return out

    # --- the parts of a picture ------------------------------------------------------------
    def _journal(self):
        c = self.mock.controller
        return c.journal if c is not None else None

    def _slow_parts(self) -> dict:
        c = self.mock.controller
        if c is None:
            return {"quirks": self.mock.exchange.quirks.as_dict()}
        faults = c.faults.describe() if c.faults is not None else []
        return {"faults": faults, "latency": c.latency(), "quirks": c.quirks(),
                "market": c.market(), "warnings": list(c.warnings)}

    def time(self) -> dict:
        clock = self.mock.exchange.clock
        out = {"now": clock.now(), "iso": format_time(clock.now()), "mode": clock.mode,
               "start": clock.start_ms, "paused": bool(getattr(clock, "paused", False))}
        if hasattr(clock, "speed"):
            out["speed"] = clock.speed
        if clock.tracks_activity:
            out["until"] = clock.limit
        return out

    def ladder(self, pair_id: str) -> dict:
        """The best DEPTH levels each side: [price, volume, {account: volume}] (every owner's
        share, so that the page can mark any account's own orders)."""
        ex = self._bound or self.mock.exchange
        book = ex.books.get(pair_id)
        if book is None:
            return {"bids": [], "asks": []}
        names = {w: a.name for w, a in ex.accounts.items()}
        return {"bids": _levels(book.bids, names), "asks": _levels(book.asks, names)}

    def account(self, acc) -> dict:
        ex = self._bound or self.mock.exchange
        orders = ex.history.active_orders(acc.wallet_id)
        return {"name": acc.name, "walletId": acc.wallet_id,
                "balances": {b.asset_id: [str(b.total), str(b.reserved)]
                             for b in ex.balances(acc, truncated=False)},
                "orders": [{"id": o.id, "pair": o.pair_id, "side": o.side, "price": str(o.price),
                            "volume": str(o.volume), "remaining": str(o.remaining),
                            "created": o.created} for o in orders[:200]],
                "openOrders": len(orders)}

    def picture(self) -> dict:
        """Everything a page shows, at this moment."""
        ex = self.mock.exchange
        c = self.mock.controller
        pairs = [{"id": p.pair_id, "base": p.base, "quote": p.quote,
                  "priceAccuracy": p.price_accuracy} for p in ex.reference.visible_pairs()]
        journal = self._journal()
        header = journal.header if journal is not None else None
        return {
            "scenario": c.scenario.name if c is not None and c.scenario is not None else None,
            "seed": c.seed if c is not None else None,
            "bot": ((header or {}).get("dryrun") or {}).get("account"),
            "pairs": pairs,
            "books": {p["id"]: self.ladder(p["id"]) for p in pairs},
            "trades": [_trade(t) for p in pairs
                       for t in reversed(ex.public_trades(p["id"], 0, TAPE_SNAPSHOT))],
            "accounts": [self.account(a) for a in ex.accounts.values() if a.api_key],
            "journal": _last(journal.entries, JOURNAL_SNAPSHOT) if journal is not None else [],
            "time": self.time(),
            **self._slow_parts(),
        }


def _levels(side, names: dict) -> list:
    out = []
    for level in side.in_order():
        total = Decimal(0)
        owners: dict[str, str] = {}
        by_owner: dict[str, Decimal] = {}
        for order in level.active():
            total += order.remaining
            name = names.get(order.wallet_id, order.wallet_id)
            by_owner[name] = by_owner.get(name, Decimal(0)) + order.remaining
        if not total:
            continue
        for name, volume in by_owner.items():
            owners[name] = str(volume)
        out.append([str(level.price), str(total), owners])
        if len(out) >= DEPTH:
            break
    return out


def _gone(page: Page) -> bool:
    transport = page.transport
    return transport is not None and transport.is_closing()


def _trade(t) -> dict:
    return {"id": t.id, "pair": t.pair_id, "t": t.timestamp, "price": str(t.price),
            "volume": str(t.volume), "side": t.side}


def _last(entries: deque, n: int) -> list:
    """The last n entries, oldest first (without walking the whole journal)."""
    if n <= 0:
        return []
    return list(islice(reversed(entries), n))[::-1]


def feed_of(mock) -> Feed:
    feed = mock.extras.get("ui_feed")
    if feed is None:
        feed = mock.extras["ui_feed"] = Feed(mock)
    return feed


# --- explain ------------------------------------------------------------------------------
def explain_order(mock, order_id: str) -> dict:
    """Why an order is where it is: `mock-lykke explain` over the journal's notes when the run
    tracks them (dry-runs), else the order's history and the journal entries that name it."""
    from ..dryrun.explain import explain
    c = mock.controller
    entries = list(c.journal.entries) if c is not None else []
    lines = explain(entries, order_id) if entries else None
    if lines:
        return {"id": order_id, "lines": lines}
    ex = mock.exchange
    order = ex.history.orders.get(order_id)
    if order is None:
        raise web.HTTPNotFound(text=_dumps({"error": f"unknown order {order_id!r}"}),
                               content_type="application/json")
    owner = ex.accounts.get(order.wallet_id)
    lines = [f"order {order.id} ({owner.name if owner else order.wallet_id}): "
             f"{order.type.lower()} {order.side} {order.volume} {order.pair_id}"
             + (f" at {order.price}" if order.type == "Limit" else ""),
             f"  created {format_time(order.created)}; status {order.status}; "
             f"filled {order.volume - order.remaining} of {order.volume}"]
    for t in ex.history.order_trades(order.wallet_id, order.id):
        fee = f", fee {t.fee_size} {t.fee_asset}" if t.fee_size else ""
        lines.append(f"  fill {format_time(t.timestamp)}: {t.base_volume} at {t.price} "
                     f"as {t.role.lower()}{fee}")
    named = [e for e in entries if order_id in _dumps(e.get("args"))]
    lines += [f"  journal #{e['n']} {format_time(e['t'])} {e['cmd']} {_dumps(e['args'])}"
              for e in named[-20:]]
    lines.append("  (a dry-run's journal tracks more: the call, the queue ahead, each rule; "
                 "docs/dryrun.md)")
    return {"id": order_id, "lines": lines}


# --- the routes ---------------------------------------------------------------------------
def add_ui_routes(app, mock) -> None:
    """Add the dashboard's routes (before the control API's catch-all)."""
    async def page(request: web.Request) -> web.StreamResponse:
        html = _files()["index.html"].read_text(encoding="utf-8")
        # with a control token the page's own files ask with it too (a script tag sends no
        # header); the page keeps it and sends it as a header on every control call
        token = request.query.get("token")
        query = "?" + urlencode({"token": token}) if token else ""
        return web.Response(text=html.replace("__Q__", query), content_type="text/html",
                            headers={"Cache-Control": "no-store",
                                     "X-Content-Type-Options": "nosniff",
                                     "Referrer-Policy": "no-referrer"})

    async def static(request: web.Request) -> web.StreamResponse:
        path = _files().get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return _file(path)

    async def events(request: web.Request) -> web.StreamResponse:
        refused = _cross_origin(request)
        if refused is not None:
            return refused
        feed = feed_of(mock)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
        await resp.prepare(request)
        p = feed.open(request.transport)
        try:
            while (data := await p.next()) is not None:
                await resp.write(data)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            feed.close(p)
        return resp

    async def explain(request: web.Request) -> web.StreamResponse:
        return web.Response(text=_dumps(explain_order(mock, request.match_info["id"])),
                            content_type="application/json")

    app.router.add_route("GET", UI_PATH, page)
    app.router.add_route("GET", UI_PATH + "/", page)
    app.router.add_route("GET", UI_PATH + "/static/{name:.+}", static)
    app.router.add_route("GET", UI_PATH + "/events", events)
    app.router.add_route("GET", UI_PATH + "/explain/{id}", explain)


def is_ui_stream(path: str) -> bool:
    """The page's event stream: long-lived, not work a lockstep clock waits for."""
    return path == UI_PATH + "/events"


@cache
def _files() -> dict[str, Path]:
    """The page's files by their path under ui_static/ (looked up once, on first use)."""
    return {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*") if p.is_file()}


def _file(path: Path) -> web.Response:
    return web.Response(body=path.read_bytes(), headers={
        "Content-Type": TYPES.get(path.suffix, "application/octet-stream") + "; charset=utf-8",
        "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


def _cross_origin(request: web.Request) -> web.Response | None:
    """EventSource of another origin: refused (another site's page must not read the state)."""
    origin = request.headers.get("Origin")
    host = request.headers.get("Host")
    if origin is None or host is None:
        return None
    if origin.split("://", 1)[-1].rstrip("/").lower() == host.lower():
        return None
    return web.Response(status=403, text=_dumps({"error": "the dashboard's events are for "
                                                          "its own page only"}),
                        content_type="application/json")
