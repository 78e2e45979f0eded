/* tradeperf live dashboard.
 *
 * Reads GET /v1/dashboard once, then follows GET /v1/stream (server-sent events): every
 * `dashboard` event carries the whole document and is drawn in place. When the stream
 * drops the page says so and, once it is back, reads /v1/dashboard again. Plain JS, no
 * framework; charts by Plotly.js (the cartesian bundle served at /static/plotly.min.js).
 * Only same-origin requests: /v1/... and /static/...
 */
"use strict";
(function () {
  const TOKEN_KEY = "tradeperf.token";
  const RECORDS_GRACE_MS = 1200; // a `records` event with no `dashboard` after it: read it
  const MAX_BACKOFF_MS = 15000;
  const STALE_MARK_S = 300;

  const state = {
    doc: null,
    version: -1,
    stream: "connecting",
    dropped: false,
    droppedAt: null,
    renders: 0,
    loads: 0,
    seenFills: null,
    keys: {},
    readNeedsToken: false,
    sort: {
      "by-strategy": { key: "net_pnl", dir: -1 },
      "by-symbol": { key: "net_pnl", dir: -1 },
    },
  };
  // what a test (or a curious person in the console) can look at
  window.tradeperfDashboard = state;

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ formatting
  let CCY = "USD";
  let TZ;
  const formats = new Map();

  function cached(key, make) {
    let f = formats.get(key);
    if (f === undefined) {
      try {
        f = make();
      } catch (e) {
        f = null;
      }
      formats.set(key, f);
    }
    return f;
  }

  function num(v) {
    if (v === null || v === undefined || v === "") return null;
    const n = typeof v === "number" ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  }

  function minus(text) {
    return text.replace("-", "\u2212");
  }

  function currencyFormat(ccy, dec, maxDec, signed) {
    const opts = { style: "currency", currency: ccy, minimumFractionDigits: dec, maximumFractionDigits: maxDec };
    // "negative": no minus on what rounds to zero (−0.001 is $0.00); older browsers: "auto"
    try {
      return new Intl.NumberFormat("en-US", Object.assign({ signDisplay: signed ? "exceptZero" : "negative" }, opts));
    } catch (e) {
      return new Intl.NumberFormat("en-US", Object.assign({ signDisplay: signed ? "exceptZero" : "auto" }, opts));
    }
  }

  function money(v, opts) {
    let n = num(v);
    if (n === null) return "—";
    if (n === 0) n = 0; // never "−$0.00"
    const o = opts || {};
    const ccy = o.currency || CCY;
    const signed = !!o.signed;
    const dec = o.decimals === undefined ? 2 : o.decimals;
    const maxDec = o.maxDecimals === undefined ? dec : o.maxDecimals;
    const f = cached("m|" + ccy + "|" + signed + "|" + dec + "|" + maxDec, () =>
      currencyFormat(ccy, dec, maxDec, signed)
    );
    if (f) return minus(f.format(n));
    // not an ISO 4217 code (USDT, BTC, ...): the number and the code
    const g = cached("n|" + signed + "|" + dec + "|" + maxDec, () =>
      new Intl.NumberFormat("en-US", {
        minimumFractionDigits: dec,
        maximumFractionDigits: maxDec,
        signDisplay: signed ? "exceptZero" : "auto",
      })
    );
    return minus(g.format(n)) + " " + ccy;
  }

  function price(v, ccy) {
    const n = num(v);
    if (n === null) return "—";
    const a = Math.abs(n);
    const maxDec = a >= 100 ? 2 : a >= 1 ? 4 : 8;
    return money(n, { currency: ccy, decimals: 2, maxDecimals: maxDec });
  }

  function plain(v, maxDec, signed) {
    const n = num(v);
    if (n === null) return "—";
    const d = maxDec === undefined ? 2 : maxDec;
    const f = cached("p|" + d + "|" + !!signed, () =>
      new Intl.NumberFormat("en-US", {
        maximumFractionDigits: d,
        signDisplay: signed ? "exceptZero" : "auto",
      })
    );
    return minus(f.format(n));
  }

  function fixed(v, dec) {
    const n = num(v);
    if (n === null) return "—";
    const f = cached("f|" + dec, () =>
      new Intl.NumberFormat("en-US", { minimumFractionDigits: dec, maximumFractionDigits: dec })
    );
    return minus(f.format(n));
  }

  function pct(v, dec) {
    const n = num(v);
    if (n === null) return "—";
    return fixed(n * 100, dec === undefined ? 1 : dec) + "%";
  }

  function ddPct(v) {
    // a drawdown is shown as a fall: −5.0% whichever sign the server uses
    const n = num(v);
    if (n === null) return "—";
    return n === 0 ? "0.0%" : pct(-Math.abs(n), 1);
  }

  function tone(v) {
    const n = num(v);
    if (n === null || n === 0) return "";
    return n > 0 ? "pos" : "neg";
  }

  function esc(s) {
    return String(s === null || s === undefined ? "" : s)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function zoned(key, opts) {
    return (
      cached("t|" + key + "|" + TZ, () =>
        new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: TZ, hourCycle: "h23" }, opts))
      ) || cached("t|" + key + "|local", () => new Intl.DateTimeFormat("en-GB", opts))
    );
  }

  function parseTime(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  function clock(iso) {
    const d = parseTime(iso);
    return d ? zoned("clock", { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(d) : "—";
  }

  function dayKey(d) {
    return zoned("day", { year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  }

  function when(iso) {
    // a time today (in the service's timezone) as 14:03:22, another day as 31 Dec 14:03
    const d = parseTime(iso);
    if (!d) return "—";
    const ref = parseTime(state.doc && state.doc.as_of) || new Date();
    if (dayKey(d) === dayKey(ref)) return clock(iso);
    const sameYear =
      zoned("y", { year: "numeric" }).format(d) === zoned("y", { year: "numeric" }).format(ref);
    const opts = sameYear
      ? { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" }
      : { year: "numeric", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" };
    return zoned(sameYear ? "dm" : "ydm", opts).format(d);
  }

  function wallClock(iso) {
    // Plotly ignores time zones: give it the wall-clock time in the service's timezone
    const d = parseTime(iso);
    if (!d) return iso;
    const parts = {};
    zoned("wall", {
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    })
      .formatToParts(d)
      .forEach((p) => {
        parts[p.type] = p.value;
      });
    return (
      parts.year + "-" + parts.month + "-" + parts.day + " " +
      parts.hour + ":" + parts.minute + ":" + parts.second
    );
  }

  function age(seconds) {
    const s = num(seconds);
    if (s === null) return "";
    if (s < 90) return Math.round(s) + "s";
    if (s < 5400) return Math.round(s / 60) + "m";
    if (s < 172800) return Math.round(s / 3600) + "h";
    return Math.round(s / 86400) + "d";
  }

  function since(iso) {
    const d = parseTime(iso);
    if (!d) return "";
    const ref = parseTime(state.doc && state.doc.as_of) || new Date();
    return age(Math.max(0, (ref - d) / 1000));
  }

  // ------------------------------------------------------------------ small DOM helpers
  function changed(name, value) {
    const key = JSON.stringify(value === undefined ? null : value);
    if (state.keys[name] === key) return false;
    state.keys[name] = key;
    return true;
  }

  function toast(text, kind, ms) {
    const box = $("toasts");
    const el = document.createElement("div");
    el.className = "toast " + (kind || "");
    el.textContent = text;
    box.appendChild(el);
    while (box.children.length > 4) box.removeChild(box.firstChild);
    setTimeout(() => el.remove(), ms || 6000);
  }

  function setStream(s) {
    state.stream = s;
    document.body.dataset.stream = s;
    const text = { live: "live", connecting: "connecting…", down: "disconnected" }[s];
    $("conn-text").textContent = text;
    const banner = $("banner");
    if (s === "down") {
      const last = state.doc ? " Figures shown are from " + clock(state.doc.as_of) + "." : "";
      banner.textContent = "Disconnected — reconnecting…" + last;
      banner.hidden = false;
    } else if (s === "live") {
      banner.hidden = true;
    }
  }

  function setNotices(doc, error) {
    const items = [];
    if (error) items.push('<div class="notice error">' + esc(error) + "</div>");
    if (doc && doc.partial) {
      items.push(
        '<div class="notice">Partial figures: some inputs are missing or still being read, ' +
          "so a few numbers may be incomplete.</div>"
      );
    }
    const html = items.join("");
    if (changed("notices", html)) $("notices").innerHTML = html;
  }

  // ------------------------------------------------------------------ rendering
  function kpi(key, label, value, cls, sub, title) {
    return (
      '<div class="kpi" data-k="' + key + '"' + (title ? ' title="' + esc(title) + '"' : "") + ">" +
      '<div class="kpi-label">' + esc(label) + "</div>" +
      '<div class="kpi-value ' + (cls || "") + '">' + esc(value) + "</div>" +
      '<div class="kpi-sub">' + (sub || "&nbsp;") + "</div></div>"
    );
  }

  function trades(n) {
    const t = num(n);
    if (t === null) return "";
    return plain(t, 0) + (t === 1 ? " trade" : " trades");
  }

  function renderHeadline(doc) {
    const h = doc.headline || {};
    const p = doc.periods || {};
    if (!changed("kpis", [h, p, CCY])) return;
    const period = (key, label) => {
      const x = p[key] || {};
      const start = parseTime(x.start);
      const title = start ? label + " since " + when(x.start) : label;
      return kpi(key, label, money(x.pnl, { signed: true }), tone(x.pnl), esc(trades(x.trades)), title);
    };
    const dd = num(h.drawdown);
    const ddSub = [];
    if (num(h.drawdown_abs)) ddSub.push(money(-Math.abs(num(h.drawdown_abs))));
    if (num(h.max_drawdown) !== null) ddSub.push("max " + ddPct(h.max_drawdown));
    const pnlSub = [];
    if (num(h.fees) !== null) pnlSub.push("after " + money(h.fees) + " fees");
    $("kpis").innerHTML =
      kpi("equity", "Equity", money(h.equity), "", esc(trades(h.trades)), "Equity now") +
      kpi("net_pnl", "Net P&L", money(h.net_pnl, { signed: true }), tone(h.net_pnl), esc(pnlSub.join(" · ")),
        "Net profit and loss after fees") +
      period("today", "Today") +
      period("week", "This week") +
      period("month", "This month") +
      kpi("drawdown", "Drawdown", ddPct(dd), dd ? "neg" : "", esc(ddSub.join(" · ")),
        "Current fall from the equity peak");

    const stat = (label, value, cls, title) =>
      '<span class="stat" data-k="' + label.toLowerCase().replace(/ /g, "_") + '"' + (title ? ' title="' + esc(title) + '"' : "") + '><span class="stat-label">' +
      esc(label) + '</span><span class="stat-value ' + (cls || "") + '">' + esc(value) + "</span></span>";
    $("stats").innerHTML =
      stat("Trades", plain(h.trades, 0), "", "Closed trades") +
      stat("Win rate", pct(h.win_rate), "") +
      stat("Profit factor", fixed(h.profit_factor, 2), "", "Gross profit / gross loss") +
      stat("Sharpe", fixed(h.sharpe_ratio, 2), tone(h.sharpe_ratio)) +
      stat("Max drawdown", ddPct(h.max_drawdown), num(h.max_drawdown) ? "neg" : "") +
      stat("Realized", money(h.realized_pnl, { signed: true }), tone(h.realized_pnl)) +
      stat("Unrealized", money(h.unrealized_pnl, { signed: true }), tone(h.unrealized_pnl)) +
      stat("Fees", money(h.fees), "");
  }

  function renderDay(doc) {
    const d = doc.last_24h || {};
    if (!changed("day", [d, CCY, TZ])) return;
    $("day-since").textContent = d.since ? "since " + when(d.since) : "";
    const wins = num(d.wins);
    const cell = (label, value, cls) =>
      '<div><span class="label">' + esc(label) + '</span><span class="value ' + (cls || "") + '">' +
      esc(value) + "</span></div>";
    $("day-stats").innerHTML =
      '<div class="big ' + tone(d.pnl) + '">' + esc(money(d.pnl, { signed: true })) + "</div>" +
      cell("Trades", plain(d.trades, 0)) +
      cell("Win rate", pct(d.win_rate) + (wins !== null ? " (" + plain(wins, 0) + " won)" : "")) +
      cell("Fills", plain(d.fills, 0));
  }

  function row(cells) {
    return "<tr>" + cells.join("") + "</tr>";
  }

  function td(text, cls, title) {
    return (
      "<td" + (cls ? ' class="' + cls + '"' : "") + (title ? ' title="' + esc(title) + '"' : "") + ">" +
      esc(text) + "</td>"
    );
  }

  function head(cols, sort) {
    return (
      "<thead><tr>" +
      cols
        .map((c) => {
          let aria = "";
          if (sort && sort.key === c.key) aria = ' aria-sort="' + (sort.dir > 0 ? "ascending" : "descending") + '"';
          return (
            '<th data-key="' + esc(c.key) + '"' + (c.num ? ' class="num"' : "") + aria +
            (c.title ? ' title="' + esc(c.title) + '"' : "") + ">" + esc(c.label) + "</th>"
          );
        })
        .join("") +
      "</tr></thead>"
    );
  }

  function emptyBody(n, text) {
    return '<tbody><tr><td class="empty-row" colspan="' + n + '">' + esc(text) + "</td></tr></tbody>";
  }

  function renderPositions(doc) {
    const rows = doc.positions || [];
    if (!changed("positions", [rows, CCY])) return;
    const cols = [
      { key: "account", label: "Account" },
      { key: "symbol", label: "Symbol" },
      { key: "quantity", label: "Qty", num: true },
      { key: "avg_cost", label: "Avg cost", num: true },
      { key: "mark", label: "Mark", num: true, title: "Last mark price and its age" },
      { key: "unrealized_pnl", label: "Unrealized", num: true },
    ];
    $("positions-note").textContent = rows.length ? rows.length + " open" : "";
    let html = head(cols);
    if (!rows.length) {
      html += emptyBody(cols.length, "No open positions");
    } else {
      html +=
        "<tbody>" +
        rows
          .map((p) => {
            const ageS = num(p.mark_age_seconds);
            const stale = ageS !== null && ageS > STALE_MARK_S;
            const markCell =
              '<td class="num' + (stale ? " stale" : "") + '"' +
              (p.mark === null || p.mark === undefined
                ? ' title="No mark price yet">—'
                : (stale ? ' title="Mark is ' + age(ageS) + ' old"' : "") + ">" + esc(price(p.mark, p.currency)) +
                  (ageS !== null ? '<span class="age">' + esc(age(ageS)) + "</span>" : "")) +
              "</td>";
            return row([
              td(p.account, "muted"),
              td(p.symbol, "sym"),
              td(plain(p.quantity, 8), "num " + tone(p.quantity)),
              td(price(p.avg_cost, p.currency), "num"),
              markCell,
              td(money(p.unrealized_pnl, { signed: true, currency: p.currency }), "num " + tone(p.unrealized_pnl)),
            ]);
          })
          .join("") +
        "</tbody>";
      const same = rows.every((p) => !p.currency || p.currency === CCY);
      if (rows.length > 1 && same) {
        const known = rows.map((p) => num(p.unrealized_pnl)).filter((v) => v !== null);
        if (known.length) {
          const total = known.reduce((a, b) => a + b, 0);
          html +=
            '<tfoot><tr><td colspan="5">Total' + (known.length < rows.length ? " (marked positions)" : "") +
            '</td><td class="num ' + tone(total) + '">' + esc(money(total, { signed: true })) + "</td></tr></tfoot>";
        }
      }
    }
    $("positions").innerHTML = html;
  }

  function renderFills(doc) {
    const rows = doc.fills || [];
    if (!changed("fills", [rows, CCY, TZ])) return;
    const cols = [
      { key: "timestamp", label: "Time" },
      { key: "symbol", label: "Symbol" },
      { key: "side", label: "Side" },
      { key: "quantity", label: "Qty", num: true },
      { key: "price", label: "Price", num: true },
      { key: "fee", label: "Fee", num: true },
      { key: "strategy", label: "Strategy" },
      { key: "fill_id", label: "Fill ID" },
    ];
    const first = state.seenFills === null;
    const seen = state.seenFills || new Set();
    $("fills-note").textContent = rows.length ? "newest first · " + rows.length + " shown" : "";
    let html = head(cols);
    if (!rows.length) {
      html += emptyBody(cols.length, "No fills yet");
    } else {
      html +=
        "<tbody>" +
        rows
          .map((f) => {
            const side = String(f.side || "").toUpperCase();
            const isNew = !first && !seen.has(f.fill_id);
            return (
              '<tr data-fill-id="' + esc(f.fill_id) + '"' + (isNew ? ' class="new"' : "") + ">" +
              td(when(f.timestamp), "", f.timestamp) +
              td(f.symbol, "sym") +
              '<td><span class="side ' + (side === "BUY" ? "buy" : "sell") + '">' + esc(side) + "</span></td>" +
              td(plain(f.quantity, 8), "num") +
              td(price(f.price), "num") +
              td(money(f.fee), "num muted") +
              td(f.strategy || "—", "") +
              td(f.fill_id, "id", f.fill_id) +
              "</tr>"
            );
          })
          .join("") +
        "</tbody>";
    }
    state.seenFills = new Set(rows.map((f) => f.fill_id));
    $("fills").innerHTML = html;
  }

  const BREAKDOWN_COLS = [
    { key: "name", label: "Name" },
    { key: "trades", label: "Trades", num: true },
    { key: "win_rate", label: "Win rate", num: true },
    { key: "net_pnl", label: "Net P&L", num: true },
    { key: "profit_factor", label: "PF", num: true, title: "Profit factor: gross profit / gross loss" },
    { key: "max_drawdown", label: "Max DD", num: true, title: "Maximum drawdown" },
    { key: "sharpe_ratio", label: "Sharpe", num: true },
  ];

  function renderBreakdown(id, rows) {
    const sort = state.sort[id];
    if (!changed(id, [rows, sort, CCY])) return;
    const sorted = rows.slice().sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      if (sort.key === "name") return sort.dir * String(x).localeCompare(String(y));
      const nx = num(x);
      const ny = num(y);
      if (nx === null && ny === null) return 0;
      if (nx === null) return 1; // unknowns last either way
      if (ny === null) return -1;
      return sort.dir * (nx - ny);
    });
    let html = head(BREAKDOWN_COLS, sort);
    if (!sorted.length) {
      html += emptyBody(BREAKDOWN_COLS.length, "No closed trades yet");
    } else {
      html +=
        "<tbody>" +
        sorted
          .map((r) =>
            row([
              td(r.name, "sym"),
              td(plain(r.trades, 0), "num"),
              td(pct(r.win_rate), "num"),
              td(money(r.net_pnl, { signed: true }), "num " + tone(r.net_pnl)),
              td(fixed(r.profit_factor, 2), "num"),
              td(ddPct(r.max_drawdown), "num" + (num(r.max_drawdown) ? " neg" : "")),
              td(fixed(r.sharpe_ratio, 2), "num " + tone(r.sharpe_ratio)),
            ])
          )
          .join("") +
        "</tbody>";
    }
    $(id).innerHTML = html;
  }

  function onSort(ev) {
    const th = ev.target.closest("th[data-key]");
    if (!th) return;
    const table = th.closest("table");
    const sort = state.sort[table.id];
    const key = th.dataset.key;
    if (sort.key === key) sort.dir = -sort.dir;
    else {
      sort.key = key;
      sort.dir = key === "name" ? 1 : -1;
    }
    if (state.doc) renderBreakdowns(state.doc);
  }

  function renderBreakdowns(doc) {
    renderBreakdown("by-strategy", doc.by_strategy || []);
    renderBreakdown("by-symbol", doc.by_symbol || []);
  }

  const SEVERITY = { critical: 0, warning: 1, info: 2 };
  const STATUS = { firing: 0, acknowledged: 1, silenced: 2 };

  function renderAlerts(doc) {
    const alerts = (doc.alerts || []).slice();
    if (!changed("alerts", [alerts, TZ])) return;
    alerts.sort(
      (a, b) =>
        (STATUS[a.status] ?? 3) - (STATUS[b.status] ?? 3) ||
        (SEVERITY[a.severity] ?? 3) - (SEVERITY[b.severity] ?? 3) ||
        String(b.last_seen).localeCompare(String(a.last_seen))
    );
    const firing = alerts.filter((a) => a.status === "firing").length;
    const count = $("alerts-count");
    count.textContent = firing ? firing + " firing" : alerts.length ? alerts.length + " held" : "";
    count.className = "count" + (firing ? " firing" : "");
    count.hidden = !alerts.length;
    const list = $("alerts");
    if (!alerts.length) {
      list.innerHTML = '<li class="all-clear">No alerts firing</li>';
      return;
    }
    list.innerHTML = alerts
      .map((a, i) => {
        const scope = [a.strategy, a.symbol].filter(Boolean).join(" · ");
        const value =
          a.value === null || a.value === undefined
            ? ""
            : typeof a.value === "object"
              ? JSON.stringify(a.value)
              : String(a.value);
        const buttons = [];
        if (a.status === "firing") buttons.push('<button type="button" class="btn" data-act="ack" data-i="' + i + '">Ack</button>');
        if (a.status !== "silenced") buttons.push('<button type="button" class="btn" data-act="silence" data-i="' + i + '">Silence</button>');
        return (
          '<li class="alert sev-' + esc(a.severity) + " st-" + esc(a.status) + '" data-alert-id="' + esc(a.alert_id) + '">' +
          '<div class="alert-top"><span class="pill sev-' + esc(a.severity) + '">' + esc(a.severity) + "</span>" +
          '<span class="alert-rule">' + esc(a.rule) + "</span>" +
          (a.status !== "firing" ? '<span class="pill">' + esc(a.status) + "</span>" : "") +
          '<span class="alert-actions">' + buttons.join("") + "</span></div>" +
          '<div class="alert-msg">' + esc(a.message) + "</div>" +
          '<div class="alert-meta">' +
          (scope ? "<span>" + esc(scope) + "</span>" : "") +
          (value ? "<span>value " + esc(value) + "</span>" : "") +
          '<span title="first seen ' + esc(a.first_seen) + '">since ' + esc(when(a.first_seen)) +
          " (" + esc(since(a.first_seen)) + ")</span>" +
          '<span title="' + esc(a.last_seen) + '">last ' + esc(when(a.last_seen)) + "</span>" +
          "</div></li>"
        );
      })
      .join("");
    list._alerts = alerts;
  }

  // ------------------------------------------------------------------ charts
  const COLORS = { equity: "#58a6ff", dd: "#f85149", r7: "#d2a8ff", r30: "#58a6ff", r90: "#3fb950" };
  const PLOT_CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };

  function baseLayout(extra) {
    const axis = {
      gridcolor: "#222a33",
      zerolinecolor: "#3a434f",
      linecolor: "#2a323d",
      tickfont: { size: 10.5 },
      automargin: true,
    };
    return Object.assign(
      {
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 11, color: "#8b949e" },
        margin: { l: 8, r: 8, t: 6, b: 6 },
        hovermode: "x unified",
        hoverlabel: { bgcolor: "#1b222c", bordercolor: "#2a323d", font: { color: "#e6edf3" } },
        showlegend: false,
        xaxis: Object.assign({ type: "date" }, axis),
        yaxis: Object.assign({}, axis),
        dragmode: false,
      },
      extra ? extra(axis) : {}
    );
  }

  // Plotly's "$" format is the currency of the registered locale: −$2,000, not $-2,000
  let localeFor = null;
  function moneyLocale() {
    if (typeof Plotly === "undefined" || localeFor === CCY) return;
    let pre = "";
    let suf = " " + CCY;
    try {
      const parts = new Intl.NumberFormat("en-US", { style: "currency", currency: CCY }).formatToParts(1);
      const at = parts.findIndex((x) => x.type === "integer");
      const last = parts.map((x) => x.type).lastIndexOf("fraction");
      pre = parts.slice(0, at).map((x) => x.value).join("");
      suf = parts.slice(last + 1).map((x) => x.value).join("");
    } catch (e) {
      /* not an ISO 4217 code: the code after the number */
    }
    const name = "tp" + CCY.toLowerCase().replace(/[^a-z0-9]/g, "");
    Plotly.register({ moduleType: "locale", name, dictionary: {}, format: { currency: [pre, suf] } });
    PLOT_CONFIG.locale = name;
    localeFor = CCY;
  }

  const DAY_MS = 86400000;
  function dayRange(days, atLeast) {
    // a daily axis of a few points spans a week or so (not milliseconds around one point)
    if (!days.length) return undefined;
    const first = Date.parse(days[0] + "T00:00:00Z");
    const last = Date.parse(days[days.length - 1] + "T00:00:00Z");
    if (!Number.isFinite(first) || !Number.isFinite(last) || last - first >= atLeast * DAY_MS) return undefined;
    const wall = (ms) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
    return [wall(Math.min(first, last - (atLeast - 1) * DAY_MS) - DAY_MS / 2), wall(last + DAY_MS / 2)];
  }

  function plot(id, data, layout) {
    if (typeof Plotly === "undefined") return Promise.resolve();
    moneyLocale();
    return Plotly.react($(id), data, layout, PLOT_CONFIG).catch((e) => {
      console.warn("chart " + id + " failed: " + e);
    });
  }

  function renderEquity(doc) {
    const curve = doc.equity_curve || [];
    if (!changed("chart-equity", [curve, CCY])) return;
    const x = curve.map((p) => p.t);
    const mode = curve.length < 3 ? "lines+markers" : "lines";
    const eq = curve.map((p) => num(p.equity));
    const dd = curve.map((p) => { const v = num(p.drawdown); return v === null ? null : -Math.abs(v); });
    const deepest = Math.min.apply(null, dd.filter((v) => v !== null).concat([0]));
    const eqRange = rangeOf(eq);
    $("equity-note").textContent = curve.length ? curve.length + (curve.length === 1 ? " day" : " days") : "";
    const data = [
      {
        x, y: eq, type: "scatter", mode, name: "Equity",
        line: { color: COLORS.equity, width: 1.8 },
        hovertemplate: "%{y:$,.2f}<extra>equity</extra>",
      },
      {
        x, y: dd, type: "scatter", mode, name: "Drawdown", yaxis: "y2", fill: "tozeroy",
        line: { color: COLORS.dd, width: 1 }, fillcolor: "rgba(248,81,73,0.25)",
        hovertemplate: "%{y:.2%}<extra>drawdown</extra>",
      },
    ];
    const layout = baseLayout((axis) => ({
      xaxis: Object.assign({ type: "date", anchor: "y2" }, axis, { range: dayRange(x, 10) }),
      yaxis: Object.assign({ domain: [0.34, 1], tickformat: moneyTicks(eqRange), range: eqRange }, axis),
      yaxis2: Object.assign(
        { domain: [0, 0.27], tickformat: deepest > -0.05 ? ".1%" : ".0%", nticks: 4 },
        axis,
        { range: [Math.min(deepest * 1.12, -0.01), 0.0015] }
      ),
    }));
    plot("chart-equity", data, layout);
  }

  function renderIntraday(doc) {
    const pts = doc.intraday || [];
    if (!changed("chart-intraday", [pts, CCY, TZ])) return;
    const none = pts.length < 2;
    $("intraday-none").hidden = !none;
    $("chart-intraday").hidden = none;
    if (none) return;
    const ys = pts.map((p) => num(p.equity));
    const first = ys.find((v) => v !== null);
    const last = ys[ys.length - 1];
    const up = last === null || first === undefined || last >= first;
    plot(
      "chart-intraday",
      [
        {
          x: pts.map((p) => wallClock(p.t)), y: ys, type: "scatter", mode: "lines", fill: "tozeroy",
          line: { color: up ? "#3fb950" : "#f85149", width: 1.5 },
          fillcolor: up ? "rgba(63,185,80,0.12)" : "rgba(248,81,73,0.12)",
          hovertemplate: "%{y:$,.2f}<extra></extra>",
        },
      ],
      baseLayout((axis) => ({
        xaxis: Object.assign({ type: "date", tickformat: "%H:%M" }, axis),
        yaxis: Object.assign({ tickformat: moneyTicks(rangeOf(ys)), nticks: 4 }, axis, {
          range: rangeOf(ys),
        }),
      }))
    );
  }

  function rangeOf(ys) {
    const known = ys.filter((v) => v !== null);
    if (!known.length) return undefined;
    const lo = Math.min.apply(null, known);
    const hi = Math.max.apply(null, known);
    const pad = Math.max((hi - lo) * 0.08, Math.abs(hi + lo) * 0.001, 1);
    return [lo - pad, hi + pad];
  }

  function moneyTicks(range) {
    // whole units unless the axis spans so little that they would repeat ($498, $498)
    return range && range[1] - range[0] < 6 ? "$,.2f" : "$,.0f";
  }

  function renderRolling(doc) {
    const r = doc.rolling || {};
    if (!changed("rolling", [r, CCY])) return;
    const windows = [["7d", COLORS.r7], ["30d", COLORS.r30], ["90d", COLORS.r90]];
    const legend = { orientation: "h", x: 0, y: 1.14, font: { size: 11 }, bgcolor: "rgba(0,0,0,0)" };
    const days = [];
    windows.forEach(([w]) => (r[w] || []).forEach((p) => days.push(p.t)));
    days.sort();
    const xrange = dayRange(days.length ? [days[0], days[days.length - 1]] : [], 10);
    const draw = (id, field, fmt, yaxis, why) => {
      const traces = windows
        .filter(([w]) => (r[w] || []).some((p) => num(p[field]) !== null))
        .map(([w, color]) => ({
          x: r[w].map((p) => p.t),
          y: r[w].map((p) => num(p[field])),
          type: "scatter", mode: r[w].length < 3 ? "lines+markers" : "lines", name: w,
          line: { color, width: 1.5 }, connectgaps: false,
          hovertemplate: fmt + "<extra>" + w + "</extra>",
        }));
      const none = !traces.length;
      $(id + "-none").hidden = !none;
      $(id).hidden = none;
      if (none) {
        $(id + "-none").textContent = why;
        return;
      }
      const ys = [];
      traces.forEach((t) => t.y.forEach((v) => ys.push(v)));
      const yrange = rangeOf(ys);
      const ticks = yaxis.tickformat === "$" ? { tickformat: moneyTicks(yrange) } : yaxis;
      plot(id, traces, baseLayout((axis) => ({
        showlegend: true, legend, margin: { l: 8, r: 8, t: 22, b: 6 },
        xaxis: Object.assign({ type: "date" }, axis, { range: xrange }),
        yaxis: Object.assign({}, axis, ticks, { range: yrange }),
      })));
    };
    draw("chart-rolling-pnl", "pnl", "%{y:$,.2f}", { tickformat: "$" }, "No rolling P&L yet");
    draw("chart-rolling-sharpe", "sharpe_ratio", "%{y:.2f}", { tickformat: ".1f", zeroline: true },
      "Not enough daily history for a rolling Sharpe ratio yet");
  }

  // ------------------------------------------------------------------ the whole page
  function render(doc) {
    state.doc = doc;
    state.version = num(doc.version) === null ? state.version : num(doc.version);
    CCY = doc.currency || "USD";
    TZ = doc.timezone || undefined;
    document.body.dataset.version = String(state.version);
    $("updated").textContent = "updated " + clock(doc.as_of);
    $("updated").title = "figures as of " + (doc.as_of || "—") + (TZ ? " (shown in " + TZ + ")" : "");
    $("meta").textContent = [CCY, TZ].filter(Boolean).join(" · ");
    $("settings-btn").classList.toggle("needs-token", !!doc.auth_required && !getToken());
    setNotices(doc, null);
    $("loading").hidden = true;
    const empty = !!doc.empty;
    $("empty").hidden = !empty;
    $("content").hidden = empty;
    document.body.dataset.state = empty ? "empty" : "ready";
    const firing = (doc.alerts || []).filter((a) => a.status === "firing").length;
    const eq = doc.headline ? money(doc.headline.equity) : "";
    document.title = (firing ? "(" + firing + "!) " : "") + (empty ? "" : eq + " · ") + "tradeperf live";
    if (!empty) {
      renderHeadline(doc);
      renderDay(doc);
      renderAlerts(doc);
      renderPositions(doc);
      renderFills(doc);
      renderBreakdowns(doc);
      renderEquity(doc);
      renderIntraday(doc);
      renderRolling(doc);
    }
    state.renders += 1;
    window.tradeperfReady = true;
  }

  function accept(doc, force) {
    if (!doc || typeof doc !== "object") return;
    if (!force && state.doc) {
      const v = num(doc.version);
      const newer = v === null || v >= state.version;
      const later = parseTime(doc.as_of) > parseTime(state.doc.as_of);
      if (!newer && !later) return; // an older document arriving late
    }
    try {
      render(doc);
    } catch (e) {
      console.error("render failed: " + (e && e.stack ? e.stack : e));
    }
  }

  // ------------------------------------------------------------------ the API
  function getToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function setToken(t) {
    try {
      if (t) localStorage.setItem(TOKEN_KEY, t);
      else localStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* private mode: kept for this page only */
    }
    memoryToken = t;
  }
  let memoryToken = "";
  const token = () => getToken() || memoryToken;

  async function reason(res) {
    let text = "";
    try {
      text = await res.text();
    } catch (e) {
      /* no body */
    }
    let msg = "";
    try {
      const body = JSON.parse(text);
      if (typeof body === "string") msg = body;
      else if (body.message) msg = body.message;
      else if (typeof body.detail === "string") msg = body.detail;
      else if (Array.isArray(body.detail) && body.detail.length) msg = body.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
      else if (body.detail && body.detail.message) msg = body.detail.message;
      else if (body.error) msg = String(body.error);
    } catch (e) {
      msg = text.slice(0, 300);
    }
    return "HTTP " + res.status + (msg ? ": " + msg : res.statusText ? " " + res.statusText : "");
  }

  let loading = null;
  let reloadAgain = false;
  let retryLoad = null;

  function load(force) {
    // one read at a time; a request for another while one runs reads once more after it
    if (loading) {
      reloadAgain = true;
      return loading;
    }
    clearTimeout(retryLoad);
    const headers = { Accept: "application/json" };
    if (state.readNeedsToken && token()) headers.Authorization = "Bearer " + token();
    state.loads += 1;
    loading = fetch("/v1/dashboard", { headers, cache: "no-store" })
      .then(async (res) => {
        if (res.status === 401 && !state.readNeedsToken) {
          state.readNeedsToken = true;
          if (token()) {
            reloadAgain = true;
            return;
          }
        }
        if (!res.ok) {
          const msg = await reason(res);
          setNotices(state.doc, "Could not read the figures (" + msg + ").");
          if (res.status === 401 || res.status === 403) openSettings(msg);
          else retryLoad = setTimeout(load, 5000);
          if (!state.doc) document.body.dataset.state = "error";
          return;
        }
        accept(await res.json(), force);
      })
      .catch((e) => {
        setNotices(state.doc, "Could not reach the service: " + e.message);
        if (!state.doc) {
          document.body.dataset.state = "error";
          $("loading").textContent = "Cannot reach the service — retrying…";
        }
        retryLoad = setTimeout(load, 5000);
      })
      .finally(() => {
        loading = null;
        if (reloadAgain) {
          reloadAgain = false;
          load(force);
        }
      });
    return loading;
  }

  async function post(path, body) {
    if (state.doc && state.doc.auth_required && !token()) {
      const ok = await askToken("This service needs its API token to change alerts.");
      if (!ok) return false;
    }
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    let res;
    try {
      res = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
    } catch (e) {
      toast("Could not reach the service: " + e.message, "error");
      return false;
    }
    if (!res.ok) {
      const msg = await reason(res);
      toast(msg, "error", 9000);
      if (res.status === 401 || res.status === 403) openSettings(msg);
      return false;
    }
    load(true);
    return true;
  }

  // ------------------------------------------------------------------ token and silence dialogs
  let tokenWaiter = null;

  function openSettings(error) {
    const dlg = $("settings");
    const err = $("settings-error");
    err.textContent = error || "";
    err.hidden = !error;
    $("token-input").value = token();
    if (!dlg.open) dlg.showModal();
    $("token-input").focus();
  }

  function askToken(why) {
    $("settings-why").textContent = why;
    openSettings(null);
    return new Promise((resolve) => {
      tokenWaiter = resolve;
    });
  }

  function wireDialogs() {
    const dlg = $("settings");
    $("settings-btn").addEventListener("click", () => {
      $("settings-why").textContent =
        "Acknowledging and silencing alerts send this token as \u201cAuthorization: Bearer \u2026\u201d. " +
        "It is kept in this browser only (localStorage).";
      openSettings(null);
    });
    $("token-clear").addEventListener("click", () => {
      setToken("");
      $("token-input").value = "";
      toast("Token forgotten", "ok", 2500);
      $("settings-btn").classList.toggle("needs-token", !!(state.doc && state.doc.auth_required));
    });
    dlg.addEventListener("close", () => {
      const saved = dlg.returnValue === "save";
      if (saved) {
        setToken($("token-input").value.trim());
        $("settings-btn").classList.toggle("needs-token", !!(state.doc && state.doc.auth_required) && !token());
        if (state.readNeedsToken) load(true);
      }
      if (tokenWaiter) {
        const w = tokenWaiter;
        tokenWaiter = null;
        w(saved && !!token());
      }
      dlg.returnValue = "";
    });

    const sil = $("silence");
    sil.addEventListener("close", async () => {
      const a = sil._alert;
      sil._alert = null;
      if (sil.returnValue !== "silence" || !a) return;
      sil.returnValue = "";
      const body = {
        rule: a.rule,
        for: $("silence-for").value,
        reason: $("silence-reason").value.trim() || "silenced from the dashboard",
        strategy: a.strategy ?? null,
        symbol: a.symbol ?? null,
      };
      if (await post("/v1/silences", body)) toast("Silenced " + a.rule + " for " + body.for, "ok", 3000);
    });

    $("alerts").addEventListener("click", async (ev) => {
      const btn = ev.target.closest("button[data-act]");
      if (!btn) return;
      const a = ($("alerts")._alerts || [])[Number(btn.dataset.i)];
      if (!a) return;
      if (btn.dataset.act === "ack") {
        btn.disabled = true;
        const ok = await post("/v1/alerts/" + encodeURIComponent(a.alert_id) + "/ack", {});
        btn.disabled = false;
        if (ok) toast("Acknowledged " + a.rule, "ok", 3000);
      } else {
        $("silence-what").textContent =
          a.rule + ([a.strategy, a.symbol].filter(Boolean).length ? " · " + [a.strategy, a.symbol].filter(Boolean).join(" · ") : "") +
          " — " + (a.message || "");
        $("silence-reason").value = "";
        sil._alert = a;
        sil.showModal();
      }
    });
  }

  // ------------------------------------------------------------------ the stream
  let source = null;
  let backoff = 1000;
  let reconnectTimer = null;
  let recordsTimer = null;

  function data(ev) {
    try {
      return JSON.parse(ev.data);
    } catch (e) {
      return null;
    }
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (source) source.close();
    if (typeof EventSource === "undefined") {
      setNotices(state.doc, "This browser has no EventSource: the page will not update by itself.");
      return;
    }
    const es = new EventSource("/v1/stream");
    source = es;
    es.onopen = () => {
      backoff = 1000;
      const wasDown = state.dropped;
      state.dropped = false;
      setStream("live");
      if (wasDown) load(true); // whatever happened while we were away
    };
    es.onerror = () => {
      if (source !== es) return;
      if (!state.dropped) state.droppedAt = Date.now();
      state.dropped = true;
      setStream("down");
      if (es.readyState === EventSource.CLOSED) {
        // the browser gave up (an error status): try again ourselves, more slowly each time
        es.close();
        reconnectTimer = setTimeout(connect, backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    };
    es.addEventListener("hello", (ev) => {
      const d = data(ev);
      if (state.stream !== "live") setStream("live");
      // the first read is under way when the page opens; later, a new version is read again
      if (d && state.doc && num(d.version) !== null && num(d.version) !== state.version) load(true);
    });
    es.addEventListener("dashboard", (ev) => {
      const d = data(ev);
      if (d) accept(d, false);
    });
    es.addEventListener("records", (ev) => {
      const d = data(ev);
      const v = d && num(d.version);
      if (v === null || v <= state.version) return;
      if (state.doc && Array.isArray(d.fills) && d.fills.length) {
        // the fills show at once; the figures follow with the next `dashboard` event
        const known = new Set(d.fills.map((f) => f.fill_id));
        const kept = (state.doc.fills || []).filter((f) => !known.has(f.fill_id));
        state.doc.fills = d.fills.concat(kept).slice(0, 20);
        if (state.doc.empty) {
          state.doc.empty = false;
          accept(state.doc, true);
        } else {
          renderFills(state.doc);
        }
      }
      clearTimeout(recordsTimer);
      recordsTimer = setTimeout(() => {
        if (state.version < v) load(false);
      }, RECORDS_GRACE_MS);
    });
    es.addEventListener("alert", (ev) => {
      const d = data(ev);
      if (d && d.message) toast(String(d.message), "alert", 10000);
    });
  }

  function start() {
    wireDialogs();
    $("by-strategy").addEventListener("click", onSort);
    $("by-symbol").addEventListener("click", onSort);
    load(false);
    connect();
    window.addEventListener("beforeunload", () => source && source.close());
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
