// The mock-lykke dashboard: a view of /_mock/ui/events and a remote for the /_mock control API.
// Everything it changes goes through the ordinary control routes (same origin, JSON bodies).
"use strict";

const $ = (sel) => document.querySelector(sel);
const TOKEN = (() => {
  const q = new URLSearchParams(location.search).get("token");
  if (q) sessionStorage.setItem("mock-lykke-token", q);
  return q || sessionStorage.getItem("mock-lykke-token") || "";
})();
const DEPTH_RANGE = 0.03;   // the depth chart shows the book within 3 % of the mid
const TAPE_ROWS = 200, JOURNAL_KEEP = 3000, JOURNAL_ROWS = 400;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const state = {
  pairs: [], pair: null, books: {}, trades: {}, tradeIds: new Set(), accounts: {},
  journal: [], journalN: 0, kinds: new Set(), time: null, faults: [], latency: [], quirks: {},
  market: [], mark: null, dirty: new Set(),
};

// --- the control API --------------------------------------------------------------------
async function control(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (TOKEN) { headers["Authorization"] = "Bearer " + TOKEN; headers["X-Mock-Token"] = TOKEN; }
  const resp = await fetch("/_mock" + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await resp.json(); } catch (e) { /* not JSON */ }
  if (!resp.ok) {
    const msg = (data && data.error) || resp.statusText;
    toast(`${method} /_mock${path}: ${msg}`);
    throw new Error(msg);
  }
  return data;
}

function toast(text, ok) {
  const t = $("#toast");
  t.textContent = text;
  t.className = ok ? "ok" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

async function refreshSlow() {            // after our own change: no need to wait for the feed
  const [faults, latency, quirks] = await Promise.all([
    control("GET", "/faults"), control("GET", "/latency"), control("GET", "/quirks")]);
  Object.assign(state, { faults, latency, quirks });
  renderFaults(); renderLatency(); renderQuirks();
}

// --- the feed ---------------------------------------------------------------------------
function connect() {
  const url = "/_mock/ui/events" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : "");
  const source = new EventSource(url);
  const status = $("#status");
  source.addEventListener("open", () => { status.textContent = "live"; status.className = "status live"; });
  source.addEventListener("snapshot", (e) => snapshot(JSON.parse(e.data)));
  source.addEventListener("frame", (e) => frame(JSON.parse(e.data)));
  source.addEventListener("error", () => {
    status.textContent = "disconnected; retrying"; status.className = "status down";
  });
}

function snapshot(s) {
  state.pairs = s.pairs;
  state.books = s.books;
  state.trades = {}; state.tradeIds = new Set();
  state.accounts = {};
  state.journal = []; state.journalN = 0; state.kinds = new Set();
  const name = s.scenario ? String(s.scenario).split(/[\\/]/).pop() : null;   // a file's name, not its path
  $("#scenario").textContent = [name, s.seed != null ? "seed " + s.seed : null].filter(Boolean).join(" · ");
  $("#scenario").title = s.scenario || "";
  if (!state.pair || !s.pairs.some((p) => p.id === state.pair)) state.pair = s.pairs.length ? s.pairs[0].id : null;
  addTrades(s.trades);
  for (const a of s.accounts) state.accounts[a.name] = a;
  addJournal(s.journal);
  Object.assign(state, { time: s.time, faults: s.faults || [], latency: s.latency || [],
                         quirks: s.quirks || {}, market: s.market || [] });
  if (!state.mark) state.mark = defaultMark(s);
  renderPairs(); renderMarkSelect(); renderOrderForm();
  renderAll();
  rebuildChart();
}

function frame(f) {
  if (f.books) { Object.assign(state.books, f.books); state.dirty.add("book"); }
  if (f.trades) { addTrades(f.trades, f.tradesSkipped); state.dirty.add("trades"); }
  if (f.accounts) { for (const a of f.accounts) state.accounts[a.name] = a; state.dirty.add("accounts"); }
  if (f.journal) { addJournal(f.journal, f.journalSkipped); state.dirty.add("journal"); }
  if (f.time) { state.time = f.time; state.dirty.add("time"); }
  for (const k of ["faults", "latency", "quirks", "market"]) {
    if (f[k] !== undefined) { state[k] = f[k]; state.dirty.add(k); }
  }
  requestAnimationFrame(flush);
}

function flush() {
  const d = state.dirty;
  if (!d.size) return;
  if (d.has("book")) { renderLadder(); renderDepth(); }
  if (d.has("trades")) renderTape();
  if (d.has("accounts")) renderAccounts();
  if (d.has("journal")) renderJournal();
  if (d.has("time")) renderTime();
  if (d.has("faults")) renderFaults();
  if (d.has("latency")) renderLatency();
  if (d.has("quirks")) renderQuirks();
  if (d.has("market")) renderMarket();
  d.clear();
}

function addTrades(list, skipped) {
  for (const t of list) {
    if (state.tradeIds.has(t.id)) continue;          // a snapshot and a frame may overlap
    state.tradeIds.add(t.id);
    (state.trades[t.pair] = state.trades[t.pair] || []).push(t);
    if (t.pair === state.pair) updateCandle(t);
  }
  for (const p in state.trades) {
    const arr = state.trades[p];
    if (arr.length > 20000) state.trades[p] = arr.slice(-10000);
  }
  if (skipped) $("#tape-note").textContent = `(${skipped} trades skipped: faster than the screen)`;
}

function addJournal(entries, skipped) {
  for (const e of entries) {
    if (e.n <= state.journalN) continue;
    state.journalN = e.n;
    state.journal.push(e);
    if (!state.kinds.has(e.cmd)) { state.kinds.add(e.cmd); renderKinds(); }
  }
  if (state.journal.length > JOURNAL_KEEP) state.journal.splice(0, state.journal.length - JOURNAL_KEEP);
  if (skipped) $("#j-note").textContent = `${skipped} entries skipped (GET /_mock/journal has them)`;
}

function defaultMark(s) {
  if (s.bot) return s.bot;                  // a dry-run's bot
  const makers = new Set((s.market || []).map((m) => m.account));
  const names = s.accounts.map((a) => a.name).filter((n) => n !== "fees");
  return names.find((n) => !makers.has(n)) || names[0] || null;
}

// --- rendering --------------------------------------------------------------------------
const fmtTime = (ms) => new Date(ms).toISOString().slice(11, 23);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
};

function renderAll() {
  renderLadder(); renderDepth(); renderTape(); renderAccounts(); renderJournal(); renderTime();
  renderFaults(); renderLatency(); renderQuirks(); renderMarket();
}

function renderPairs() {
  const box = $("#pairs");
  box.replaceChildren(...state.pairs.map((p) => el("button", {
    class: p.id === state.pair ? "on" : "", "data-pair": p.id,
    onclick: () => { state.pair = p.id; renderPairs(); renderLadder(); renderDepth(); renderTape(); rebuildChart(); },
  }, p.id)));
}

function renderMarkSelect() {
  const sel = $("#mark");
  sel.replaceChildren(...Object.keys(state.accounts).map((n) => el("option", { value: n }, n)));
  sel.value = state.mark || "";
  sel.onchange = () => { state.mark = sel.value; renderLadder(); renderAccounts(); };
}

function renderLadder() {
  const book = state.books[state.pair] || { bids: [], asks: [] };
  const rows = [];
  const maxVol = Math.max(1e-12, ...book.bids.concat(book.asks).map((l) => +l[1]));
  const row = (l, cls) => {
    const own = state.mark && l[2][state.mark];
    const width = Math.round(100 * (+l[1]) / maxVol);
    const color = cls === "ask" ? "rgba(239,83,80,.18)" : "rgba(38,166,154,.18)";
    const tr = el("tr", { class: cls + (own ? " mine" : ""), "data-price": l[0] },
      el("td", {}, l[0]),
      el("td", { class: "bar", style: `background: linear-gradient(to left, ${color} ${width}%, transparent ${width}%)` }, l[1]),
      el("td", { class: "own" }, own ? "◆ " + own : ""));
    rows.push(tr);
  };
  for (const l of book.asks.slice(0, 12).reverse()) row(l, "ask");
  const bid = book.bids[0], ask = book.asks[0];
  const spread = bid && ask ? (+ask[0] - +bid[0]).toPrecision(6).replace(/\.?0+$/, "") : "–";
  rows.push(el("tr", { class: "spread" }, el("td", { colspan: 3 }, `spread ${spread}`)));
  for (const l of book.bids.slice(0, 12)) row(l, "bid");
  $("#ladder tbody").replaceChildren(...rows);
}

function renderDepth() {
  const canvas = $("#depth");
  const w = canvas.clientWidth || 280, h = canvas.clientHeight || 150;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext("2d");
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, h);
  const book = state.books[state.pair] || { bids: [], asks: [] };
  if (!book.bids.length && !book.asks.length) return;
  // within DEPTH_RANGE of the mid (a far-away order would squash the rest)
  const best = [book.bids[0], book.asks[0]].filter(Boolean).map((l) => +l[0]);
  const mid = best.reduce((a, b) => a + b, 0) / best.length;
  const near = (l) => Math.abs(+l[0] - mid) <= mid * DEPTH_RANGE;
  const cum = (levels) => { let s = 0; return levels.filter(near).map((l) => [+l[0], (s += +l[1])]); };
  const bids = cum(book.bids), asks = cum(book.asks);
  if (!bids.length && !asks.length) return;
  const prices = bids.concat(asks).map((p) => p[0]);
  const lo = Math.min(...prices), hi = Math.max(...prices);
  const top = Math.max(...bids.concat(asks).map((p) => p[1]));
  const x = (p) => hi === lo ? w / 2 : ((p - lo) / (hi - lo)) * (w - 8) + 4;
  const y = (v) => h - 14 - (v / top) * (h - 22);
  const area = (pts, stroke, fill) => {
    if (!pts.length) return;
    let prev = y(0);
    g.beginPath(); g.moveTo(x(pts[0][0]), prev);
    for (const [p, v] of pts) { g.lineTo(x(p), prev); g.lineTo(x(p), (prev = y(v))); }
    g.lineTo(x(pts[pts.length - 1][0]), y(0)); g.closePath();
    g.fillStyle = fill; g.fill(); g.strokeStyle = stroke; g.stroke();
  };
  area(bids, "#26a69a", "rgba(38,166,154,.25)");
  area(asks, "#ef5350", "rgba(239,83,80,.25)");
  if (state.mark) {                        // the marked account's orders on the price axis
    g.fillStyle = "#f5c542";
    for (const l of book.bids.concat(book.asks)) if (l[2][state.mark]) g.fillRect(x(+l[0]) - 1.5, h - 13, 3, 6);
  }
  g.fillStyle = "#7d8893"; g.font = "10px monospace";
  g.fillText(String(lo), 2, h - 2);
  const label = String(hi); g.fillText(label, w - g.measureText(label).width - 2, h - 2);
}

function renderTape() {
  const list = (state.trades[state.pair] || []).slice(-TAPE_ROWS).reverse();
  $("#tape tbody").replaceChildren(...list.map((t) => el("tr", { class: t.side, "data-trade": t.id },
    el("td", {}, fmtTime(t.t)), el("td", {}, t.price), el("td", {}, t.volume), el("td", {}, t.side))));
}

function renderAccounts() {
  const box = $("#accounts");
  const names = Object.keys(state.accounts).sort((a, b) => (b === state.mark) - (a === state.mark));
  box.replaceChildren(...names.map((name) => {
    const a = state.accounts[name];
    const bal = Object.entries(a.balances).map(([asset, [total, reserved]]) =>
      el("tr", {}, el("td", {}, asset), el("td", {}, total), el("td", { class: "muted" }, reserved !== "0" ? "reserved " + reserved : "")));
    const orders = a.orders.slice(0, 8).map((o) => el("tr", { "data-order": o.id },
      el("td", {}, `${o.side} ${o.pair}`), el("td", {}, `${o.remaining}/${o.volume}`), el("td", {}, "@ " + o.price),
      el("td", {}, el("button", { class: "small", title: "explain", onclick: () => explain(o.id) }, "?"),
        " ", el("button", { class: "small", title: "cancel", onclick: () => cancel(o.id, name) }, "✕"))));
    return el("div", { class: "account", "data-account": name },
      el("div", { class: "name" + (name === state.mark ? " mine" : "") }, name,
        el("span", { class: "muted" }, `  ${a.openOrders} open order${a.openOrders === 1 ? "" : "s"}`)),
      el("table", {}, el("tbody", {}, ...bal)),
      orders.length ? el("table", { class: "orders" }, el("tbody", {}, ...orders)) : null);
  }));
}

function renderKinds() {
  const sel = $("#j-kind"), keep = sel.value;
  sel.replaceChildren(el("option", { value: "" }, "every kind"),
    ...[...state.kinds].sort().map((k) => el("option", { value: k }, k)));
  sel.value = keep;
}

function journalMatches(e, account, order, kind) {
  if (kind && e.cmd !== kind) return false;
  const args = e.args || {};
  if (account && args.account !== account && !(JSON.stringify(args).includes(`"${account}"`))) return false;
  if (order && !JSON.stringify(args).includes(order)) return false;
  return true;
}

function renderJournal() {
  const account = $("#j-account").value.trim(), order = $("#j-order").value.trim(), kind = $("#j-kind").value;
  const rows = [];
  for (let i = state.journal.length - 1; i >= 0 && rows.length < JOURNAL_ROWS; i--) {
    const e = state.journal[i];
    if (!journalMatches(e, account, order, kind)) continue;
    const text = JSON.stringify(e.args || {});
    const id = (text.match(UUID) || [])[0];
    rows.push(el("tr", { class: id ? "link" : "", "data-n": e.n, title: id ? "explain " + id : "",
      onclick: id ? () => explain(id) : undefined },
      el("td", { class: "n" }, String(e.n)), el("td", {}, fmtTime(e.t)), el("td", { class: "cmd" }, e.cmd),
      el("td", { class: "args" }, text)));
  }
  $("#journal tbody").replaceChildren(...rows);
}

function renderTime() {
  const t = state.time;
  if (!t) return;
  $("#clock").textContent = t.iso.replace("T", " ").replace("Z", "");
  const mode = $("#clock-mode");
  mode.textContent = t.mode + (t.speed && t.speed !== 1 ? ` ×${t.speed}` : "") + (t.paused ? " · paused" : "");
  mode.className = "pill" + (t.paused ? " paused" : "");
  mode.dataset.mode = t.mode;
  $("#pause").disabled = t.mode === "virtual" || t.paused;
  $("#resume").disabled = t.mode === "virtual" || !t.paused;
  $("#advance").disabled = t.mode !== "virtual";
  $("#set-speed").disabled = t.mode !== "realtime";
}

function renderFaults() {
  const ul = $("#faults");
  if (!state.faults.length) { ul.replaceChildren(el("li", { class: "none" }, "no faults in force")); return; }
  ul.replaceChildren(...state.faults.map((f) => {
    const { id, fired, calls, messages, ...spec } = f;
    return el("li", { "data-fault": id }, el("span", {}, `#${id} ${JSON.stringify(spec)} fired ${fired ?? 0}`),
      el("button", { class: "small", title: "remove", onclick: () => act(() => control("DELETE", `/faults/${id}`)) }, "✕"));
  }));
}

function renderLatency() {
  const ul = $("#latency");
  ul.replaceChildren(...(state.latency.length ? state.latency.map((r, i) => el("li", { "data-latency": i },
    el("span", {}, JSON.stringify(r)),
    el("button", { class: "small", title: "remove", onclick: () => act(() => editLatency((rules) => {
      const at = rules.findIndex((x) => JSON.stringify(x) === JSON.stringify(r));
      return at < 0 ? null : rules.filter((_, k) => k !== at);
    })) }, "✕")))
    : [el("li", { class: "none" }, "no latency rules")]));
}

// Latency rules have no ids and PUT replaces them all: edit the list in force now, not the one drawn.
async function editLatency(change) {
  const rules = change(await control("GET", "/latency"));
  return rules === null ? null : control("PUT", "/latency", { rules });
}

function renderMarket() {
  const ul = $("#market");
  ul.replaceChildren(...(state.market.length ? state.market.map((m) => el("li", {},
    `${m.name} (${m.account}): ${m.commands} commands${m.mid ? ", mid " + (+m.mid).toFixed(3) : ""}${m.lastError ? ", last error " + m.lastError : ""}`))
    : [el("li", { class: "none" }, "no simulated participants")]));
}

function renderQuirks() {
  const box = $("#quirks");
  box.replaceChildren(...Object.entries(state.quirks).map(([id, on]) => {
    const cb = el("input", { type: "checkbox", "data-quirk": id });
    cb.checked = on;
    cb.onchange = () => act(() => control("PATCH", "/quirks", { [id]: cb.checked }));
    return el("label", {}, cb, " " + id);
  }));
}

function renderOrderForm() {
  $("#o-account").replaceChildren(...Object.keys(state.accounts).map((n) => el("option", {}, n)));
  $("#o-account").value = state.mark || "";
  $("#o-pair").replaceChildren(...state.pairs.map((p) => el("option", {}, p.id)));
  $("#o-pair").value = state.pair || "";
}

// --- the price chart (vendored lightweight-charts) --------------------------------------
let chart = null, series = null, candles = [];
function rebuildChart() {
  const box = $("#chart");
  if (typeof LightweightCharts === "undefined") { box.textContent = "chart library missing"; return; }
  if (!chart) {
    chart = LightweightCharts.createChart(box, {
      autoSize: true, layout: { background: { color: "#161c23" }, textColor: "#aab4be" },
      grid: { vertLines: { color: "#1f2830" }, horzLines: { color: "#1f2830" } },
      timeScale: { timeVisible: true, secondsVisible: true }, rightPriceScale: { borderColor: "#263039" },
    });
    series = chart.addSeries(LightweightCharts.CandlestickSeries, {
      upColor: "#26a69a", downColor: "#ef5350", wickUpColor: "#26a69a", wickDownColor: "#ef5350", borderVisible: false,
    });
  }
  const pair = state.pairs.find((p) => p.id === state.pair);
  if (pair) series.applyOptions({ priceFormat: { type: "price", precision: pair.priceAccuracy, minMove: Math.pow(10, -pair.priceAccuracy) } });
  candles = [];
  for (const t of state.trades[state.pair] || []) bucket(t);
  series.setData(candles);
  chart.timeScale().fitContent();
}

function bucket(t) {
  const step = +$("#interval").value;
  const time = Math.floor(t.t / 1000 / step) * step, price = +t.price;
  const last = candles[candles.length - 1];
  if (last && last.time === time) {
    last.high = Math.max(last.high, price); last.low = Math.min(last.low, price); last.close = price;
    return last;
  }
  if (last && time < last.time) return null;             // out of order: ignore in the chart
  const bar = { time, open: price, high: price, low: price, close: price };
  candles.push(bar);
  return bar;
}

function updateCandle(t) {
  if (!series) return;
  const count = candles.length;
  const bar = bucket(t);
  if (bar) series.update({ ...bar });
  if (candles.length !== count && candles.length <= 120) chart.timeScale().fitContent();  // until it is full
}

// --- controls -----------------------------------------------------------------------------
async function act(fn, okText) {
  try {
    const r = await fn();
    if (okText) toast(okText(r), true);
    await refreshSlow();
    return r;
  } catch (e) { return null; }
}

async function cancel(id, account) {
  await act(() => control("DELETE", `/orders/${encodeURIComponent(id)}?account=${encodeURIComponent(account)}`),
    () => `cancelled ${id}`);
}

async function explain(id) {
  try {
    const headers = TOKEN ? { "Authorization": "Bearer " + TOKEN, "X-Mock-Token": TOKEN } : {};
    const resp = await fetch("/_mock/ui/explain/" + encodeURIComponent(id), { headers });
    const data = await resp.json();
    $("#explain-id").textContent = id;
    $("#explain-text").textContent = data.lines ? data.lines.join("\n") : data.error;
    $("#explain").showModal();
  } catch (e) { toast("explain failed: " + e.message); }
}

async function sessions() {
  let data;
  try {
    const headers = TOKEN ? { "Authorization": "Bearer " + TOKEN, "X-Mock-Token": TOKEN } : {};
    const resp = await fetch("/_mock/sessions", { headers });
    if (!resp.ok) return;                          // no sessions API here: no tabs
    data = await resp.json();
  } catch (e) { return; }
  const list = (data && data.sessions) || [];
  if (!list.length) return;
  const here = location.origin;
  const nav = $("#sessions");
  nav.replaceChildren(...list.map((s) => {
    const base = s.rest ? String(s.rest).replace(/\/$/, "") : here;
    const href = base + "/_mock/ui" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : "");
    return el("a", { href, class: base === here ? "on" : "", "data-session": s.id }, String(s.id));
  }));
  nav.hidden = false;
}

function wire() {
  $("#pause").onclick = () => act(() => control("POST", "/clock/pause"));
  $("#resume").onclick = () => act(() => control("POST", "/clock/resume"));
  $("#advance").onclick = () => act(() => control("POST", "/advance", { by: $("#advance-by").value.trim() }),
    (r) => `advanced to ${r.iso} (${r.timersRun} timers ran)`);
  $("#set-speed").onclick = () => act(() => control("PUT", "/clock/speed", { speed: $("#speed").value.trim() }));
  $("#reset").onclick = () => { if (confirm("Reset the exchange to the scenario's start?")) act(() => control("POST", "/reset")); };
  $("#interval").onchange = rebuildChart;
  for (const id of ["#j-account", "#j-order"]) $(id).oninput = renderJournal;
  $("#j-kind").onchange = renderJournal;
  $("#order-form").onsubmit = (e) => {
    e.preventDefault();
    const type = $("#o-type").value;
    const body = { account: $("#o-account").value, assetPairId: $("#o-pair").value, side: $("#o-side").value,
                   volume: $("#o-volume").value.trim() };
    if (type === "limit") body.price = $("#o-price").value.trim();
    act(() => control("POST", "/orders/" + type, body), (r) => `placed ${r.orderId}`);
  };
  $("#fault-form").onsubmit = (e) => {
    e.preventDefault();
    let spec;
    try { spec = JSON.parse($("#fault-spec").value); } catch (err) { toast("the fault is not JSON: " + err.message); return; }
    act(() => control("POST", "/faults", spec), (r) => `added fault #${r.map((f) => f.id).join(", #")}`);
  };
  $("#latency-form").onsubmit = (e) => {
    e.preventDefault();
    let spec;
    try { spec = JSON.parse($("#latency-spec").value); } catch (err) { toast("the rule is not JSON: " + err.message); return; }
    act(() => editLatency((rules) => rules.concat(spec)), (r) => `${r.length} latency rule(s) in force`);
  };
  window.addEventListener("resize", renderDepth);
}

wire();
connect();
sessions();
