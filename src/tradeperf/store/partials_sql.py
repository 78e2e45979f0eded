"""Daily partial aggregates of closed trades, computed inside the engine.

One row per (reporting timezone, local day of the exit, strategy, symbol) holds figures that
merge exactly into any longer window (see `tradeperf.analytics.partials`): counts, exact
decimal sums, a float sum of squares, extremes, first/last exit, the ends and the longest of
the day's win and loss runs, and the running-sum extremes that make drawdowns mergeable.

Besides the (strategy, symbol) rows, every day has roll-up rows with ``strategy = '*'`` and/or
``symbol = '*'`` (`ALL`): streaks and drawdowns follow the order of the trades, which a merge
of per-symbol rows cannot recover when symbols interleave within a day, so the roll-ups are
computed over the interleaved trades themselves.

The SQL is written by hand, once, in the subset both DuckDB and PostgreSQL understand
(window functions, ``FILTER``, ``greatest``/``least``); the two engine hooks are the local day
of a timestamp and the epoch in microseconds. See docs/store.md for why not Ibis.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from tradeperf.records import EXIT_ORDER_DESC_SQL, EXIT_ORDER_SQL, TradeStatus
from tradeperf.sessions import Session
from tradeperf.timezones import TradingDayZone, clock_zone, resolve_timezone

_CLOSED: Final = TradeStatus.CLOSED.value
#: The trades that count in figures: closed, with an exit time and a net P&L.
CLOSED_SQL: Final = f"status = '{_CLOSED}' AND exit_time IS NOT NULL AND net_pnl IS NOT NULL"

#: The strategy/symbol value of a roll-up row ("every strategy", "every symbol").
ALL: Final = "*"

MONEY: Final = pa.decimal128(38, 18)

#: The largest integer part of a stored money value: DECIMAL(38, 18) holds |s| < 1e20, so a
#: stored sum s is kept when its integer part is within +/-LIMIT; see docs/store.md.
LIMIT: Final = 10**20 - 1

#: A day whose sum of |net| + |fees| + |gross| (in floats) is below this has every sum well
#: inside the range, so its sums are plain DECIMAL sums; other days take the split sums.
_PLAIN_BELOW: Final = "9e19"

#: Money columns that hold sums (or running sums): NULL when the sum is out of range.
SUM_COLUMNS: Final = frozenset(
    {"net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum", "max_prefix", "min_prefix",
     "max_drawdown"}
)  # fmt: skip

#: Columns of ``daily_partials`` (key first).
PARTIALS_SCHEMA: Final = pa.schema(
    [
        pa.field("timezone", pa.string(), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("trades", pa.int64(), nullable=False),
        pa.field("wins", pa.int64(), nullable=False),
        pa.field("losses", pa.int64(), nullable=False),
        pa.field("breakevens", pa.int64(), nullable=False),
        pa.field("net_pnl", MONEY),
        pa.field("gross_pnl", MONEY),
        pa.field("fees", MONEY),
        pa.field("win_sum", MONEY),
        pa.field("loss_sum", MONEY),
        pa.field("net_sq_sum", pa.float64(), nullable=False),
        pa.field("max_win", MONEY),
        pa.field("min_loss", MONEY),
        pa.field("holding_us_sum", pa.int64(), nullable=False),
        pa.field("holding_count", pa.int64(), nullable=False),
        pa.field("first_exit", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("last_exit", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("lead_win", pa.int64(), nullable=False),
        pa.field("trail_win", pa.int64(), nullable=False),
        pa.field("best_win_run", pa.int64(), nullable=False),
        pa.field("lead_loss", pa.int64(), nullable=False),
        pa.field("trail_loss", pa.int64(), nullable=False),
        pa.field("best_loss_run", pa.int64(), nullable=False),
        pa.field("max_prefix", MONEY),
        pa.field("min_prefix", MONEY),
        pa.field("max_drawdown", MONEY),
    ]
)

PARTIALS_KEY: Final = ("timezone", "day", "strategy", "symbol")


#: Separates the day key from the breakdown key in the key of kept breakdown partials.
BY_SEP: Final = "#"

#: Breakdown keys whose partials the store keeps once asked for (per day and label, rolled
#: up over strategies and symbols): attributes of a trade, not of its day (weekday merges
#: the daily partials) nor of the configuration (sessions can change).
KEPT_KEYS: Final = frozenset(
    {"hour", "entry_hour", "side", "exit_reason", "tag", "signal", "account", "venue"}
)


def breakdown_key(tz: str, key: str) -> str:
    """Give the key of the kept partials of ``tz`` (a day key) broken down by ``key``.

    Examples
    --------
    >>> breakdown_key("Europe/Berlin", "hour")
    'Europe/Berlin#hour'
    """
    return f"{tz}{BY_SEP}{key}"


def split_key(key: str) -> tuple[str, str | None]:
    """Give the day key and the breakdown key (or None) of a kept partials key."""
    tz, sep, by = key.partition(BY_SEP)
    return tz, (by if sep else None)


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def local_wall_sql(column: str, tz: str, *, dialect: str) -> str:
    """Build SQL for the local wall time (a TIMESTAMP) of the TIMESTAMPTZ ``column``.

    ``tz`` is an IANA zone, or a day key ``"ZONE@HH:MM"`` (`tradeperf.timezones`): then the
    zone's wall clock is shifted by the day cut, as `TradingDayZone` does, so that its date
    is the trading day.
    """
    zone = resolve_timezone(tz)
    real = quote_literal(clock_zone(zone).key)
    wall = (
        f"({column} AT TIME ZONE {real})"
        if dialect == "postgres"
        else (f"timezone({real}, {column})")
    )
    if isinstance(zone, TradingDayZone):
        minutes = int(zone.shift.total_seconds()) // 60
        wall = f"({wall} + INTERVAL '{minutes} minutes')"
    return wall


def local_day_sql(column: str, tz: str, *, dialect: str) -> str:
    """Build SQL for the local day of the TIMESTAMPTZ ``column`` in ``tz`` (a zone or day key).

    With a day key, the trading day (`local_wall_sql`).
    """
    return f"CAST({local_wall_sql(column, tz, dialect=dialect)} AS DATE)"


def _epoch_us_sql(column: str, *, dialect: str) -> str:
    if dialect == "postgres":
        return f"CAST(extract(epoch FROM {column}) * 1000000 AS BIGINT)"
    return f"epoch_us({column})"


def _wide_type(dialect: str) -> str:
    """Return an exact integer type far wider than 20 digits.

    HUGEINT (about 1.7e38) on DuckDB, NUMERIC (unbounded) on PostgreSQL.
    """
    return "NUMERIC" if dialect == "postgres" else "HUGEINT"


def _split_sum(parts: tuple[str, str], *, name: str) -> str:
    """Select the two aggregate columns ``{name}_hi`` and ``{name}_lo`` of a split sum.

    The sum is split into integer parts (``parts[0]``, in the wide type) and fractional parts
    in [0, 2) (``parts[1]``, DECIMAL(38, 18)): neither can overflow, whatever the amounts
    (below 1.7e18 trades).
    """
    hi, lo = parts
    return f"{hi} AS {name}_hi, {lo} AS {name}_lo"


def _narrow(name: str, *, wide: str, pg: bool) -> str:
    """Give the split sum ``{name}_hi + {name}_lo`` as DECIMAL(38, 18), or NULL if out of range.

    The fractional sum's integer part is carried into the wide one, and a negative sum with
    a fraction borrows one back, so the sum is h + r with h its integer part truncated
    towards zero and r of its sign in (-1, 1): it fits 38 digits (|sum| < 1e20) exactly
    when |h| <= LIMIT. Only h is cast, clamped first, so no engine traps on a wide value.
    """
    dec = "NUMERIC(38,18)" if pg else "DECIMAL(38,18)"
    hi, lo = f"{name}_hi", f"{name}_lo"
    h0 = f"({hi} + CAST(floor({lo}) AS {wide}))"
    r0 = f"({lo} - floor({lo}))"
    borrow = f"({h0} < 0 AND {r0} > 0)"
    h = f"(CASE WHEN {borrow} THEN {h0} + 1 ELSE {h0} END)"
    r = f"(CASE WHEN {borrow} THEN {r0} - 1 ELSE {r0} END)"
    fits = f"({h} BETWEEN -{LIMIT} AND {LIMIT})"
    safe = f"CAST(CASE WHEN {fits} THEN {h} ELSE 0 END AS {dec})"
    return f"CASE WHEN {fits} THEN CAST({safe} + {r} AS {dec}) END"


def partials_select_sql(
    tz: str,
    *,
    dialect: str,
    day_filter: str | None,
    source: str = "trades",
    rollups: bool = True,
    key: str | None = None,
) -> str:
    """Build a SELECT yielding `PARTIALS_SCHEMA` rows for the closed trades of ``source``.

    Parameters
    ----------
    tz
        IANA timezone of the local days (already validated).
    dialect
        ``duckdb`` or ``postgres``.
    day_filter
        A SQL condition on the trades' columns plus ``day`` (their local day), e.g.
        ``day IN (...)``; None for every day.
    source
        The trades: the table, or a subquery with its columns (`grouped_trades_sql`, whose
        ``strategy`` is a breakdown's group label).
    rollups
        Also the `ALL` rows (every strategy, every symbol); False gives the (strategy,
        symbol) rows alone, a quarter of the work.
    key
        The ``timezone`` column of the rows (default ``tz``): a `breakdown_key`.
    """
    day = local_day_sql("exit_time", tz, dialect=dialect)
    hold = (
        f"CASE WHEN entry_time IS NULL THEN NULL ELSE "
        f"{_epoch_us_sql('exit_time', dialect=dialect)} - "
        f"{_epoch_us_sql('entry_time', dialect=dialect)} END"
    )
    where = f"WHERE {day_filter}" if day_filter else ""
    pg = dialect == "postgres"
    wide = _wide_type(dialect)

    def whole(v: str) -> str:
        return f"CAST(floor({v}) AS {wide})"

    def frac(v: str) -> str:
        return f"({v} - floor({v}))"

    # gross defaults to net + fees, split part by part so the row sum cannot overflow either
    g_hi = f"CASE WHEN g IS NULL THEN {whole('x')} + {whole('f')} ELSE {whole('g')} END"
    g_lo = f"CASE WHEN g IS NULL THEN {frac('x')} + {frac('f')} ELSE {frac('g')} END"
    money_sums = ",\n         ".join(
        _split_sum(parts, name=name)
        for name, parts in (
            ("net_pnl", (f"sum({whole('x')})", f"sum({frac('x')})")),
            ("gross_pnl", (f"sum({g_hi})", f"sum({g_lo})")),
            ("fees", (f"sum({whole('f')})", f"sum({frac('f')})")),
            (
                "win_sum",
                (
                    f"coalesce(sum({whole('x')}) FILTER (WHERE o = 1), 0)",
                    f"coalesce(sum({frac('x')}) FILTER (WHERE o = 1), 0)",
                ),
            ),
            (
                "loss_sum",
                (
                    f"coalesce(sum({whole('x')}) FILTER (WHERE o = -1), 0)",
                    f"coalesce(sum({frac('x')}) FILTER (WHERE o = -1), 0)",
                ),
            ),
        )
    )
    narrowed = ",\n         ".join(
        f"{_narrow(name, wide=wide, pg=pg)} AS {name}"
        for name in ("net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum")
    )
    # the plain sums, for the days whose amounts are far from the range (nearly all): the
    # split sums cost half as much again, so they run only over the other days
    plain = """sum(x) AS net_pnl, sum(coalesce(g, x + f)) AS gross_pnl, sum(f) AS fees,
         coalesce(sum(x) FILTER (WHERE o = 1), 0) AS win_sum,
         coalesce(sum(x) FILTER (WHERE o = -1), 0) AS loss_sum"""
    common = f"""day,
         CASE WHEN grouping(strategy) = 1 THEN {quote_literal(ALL)} ELSE strategy END AS gs,
         CASE WHEN grouping(symbol) = 1 THEN {quote_literal(ALL)} ELSE symbol END AS gy,
         count(*) AS trades,
         count(*) FILTER (WHERE o = 1) AS wins,
         count(*) FILTER (WHERE o = -1) AS losses,
         count(*) FILTER (WHERE o = 0) AS breakevens,
         sum(CAST(x AS DOUBLE PRECISION) * CAST(x AS DOUBLE PRECISION)) AS net_sq_sum,
         max(x) FILTER (WHERE o = 1) AS max_win,
         min(x) FILTER (WHERE o = -1) AS min_loss,
         coalesce(sum(hold_us), 0) AS holding_us_sum,
         count(hold_us) AS holding_count,
         min(exit_time) AS first_exit, max(exit_time) AS last_exit"""
    sets = (
        "GROUPING SETS ((day, strategy, symbol), (day, strategy), (day, symbol), (day))"
        if rollups
        else "GROUPING SETS ((day, strategy, symbol))"
    )

    def path(column: str) -> str:
        return f"CASE WHEN p.ok = 1 THEN {column} END AS {column}"

    levels = " UNION ALL ".join(
        f"SELECT day, {gs} AS gs, {gy} AS gy, xp AS x, o, ord, ok FROM t"
        for gs, gy in (
            ("strategy", "symbol"),
            ("strategy", quote_literal(ALL)),
            (quote_literal(ALL), "symbol"),
            (quote_literal(ALL), quote_literal(ALL)),
        )[: 4 if rollups else 1]
    )
    part = "PARTITION BY day, gs, gy"
    cum = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    return f"""
WITH base AS (
  SELECT {day} AS day, strategy, symbol, net_pnl AS x, gross_pnl AS g, fees AS f,
         exit_time, entry_time, trade_id, {hold} AS hold_us,
         CASE WHEN net_pnl > 0 THEN 1 WHEN net_pnl < 0 THEN -1 ELSE 0 END AS o
  FROM {source}
  WHERE {CLOSED_SQL}
),
filtered AS (
  SELECT base.*,
         CASE WHEN sum({whole("abs(x)")}) OVER (PARTITION BY day)
                   + CAST(floor(sum({frac("abs(x)")}) OVER (PARTITION BY day)) AS {wide})
                   <= {LIMIT}
              THEN 1 ELSE 0 END AS ok,
         CASE WHEN sum(abs(CAST(x AS DOUBLE PRECISION)) + abs(CAST(f AS DOUBLE PRECISION))
                       + abs(CAST(coalesce(g, 0) AS DOUBLE PRECISION))) OVER (PARTITION BY day)
                   < {_PLAIN_BELOW}
              THEN 1 ELSE 0 END AS plain
  FROM base {where}
),
t AS (
  SELECT filtered.*, CASE WHEN ok = 1 THEN x ELSE 0 END AS xp,
         row_number() OVER (ORDER BY {EXIT_ORDER_SQL}) AS ord
  FROM filtered
),
sums AS (
  SELECT {common},
         {plain}
  FROM t WHERE plain = 1
  GROUP BY {sets}
  UNION ALL
  SELECT day, gs, gy, trades, wins, losses, breakevens, net_sq_sum, max_win, min_loss,
         holding_us_sum, holding_count, first_exit, last_exit,
         {narrowed}
  FROM (
    SELECT {common},
           {money_sums}
    FROM t WHERE plain = 0
    GROUP BY {sets}
  ) split
),
lv AS ({levels}),
seq AS (
  SELECT day, gs, gy, x, o, ok,
         row_number() OVER ({part} ORDER BY ord) AS rn,
         sum(x) OVER ({part} ORDER BY ord {cum}) AS p,
         CASE WHEN o = lag(o) OVER ({part} ORDER BY ord) THEN 0 ELSE 1 END AS brk,
         count(*) OVER ({part}) AS n
  FROM lv
),
peak AS (
  SELECT day, gs, gy, o, rn, p, n, ok,
         max(p) OVER ({part} ORDER BY rn {cum}) AS runmax,
         sum(brk) OVER ({part} ORDER BY rn {cum}) AS run
  FROM seq
),
runs AS (
  SELECT day, gs, gy, o, count(*) AS len, min(rn) AS first_rn, max(rn) AS last_rn, max(n) AS n,
         min(ok) AS ok, max(p) AS hi, min(p) AS lo, max(greatest(runmax, 0) - p) AS fall
  FROM peak GROUP BY day, gs, gy, o, run
),
paths AS (
  SELECT day, gs, gy, min(ok) AS ok,
         greatest(0, max(hi)) AS max_prefix,
         least(0, min(lo)) AS min_prefix,
         greatest(0, max(fall)) AS max_drawdown,
         coalesce(max(len) FILTER (WHERE o = 1 AND first_rn = 1), 0) AS lead_win,
         coalesce(max(len) FILTER (WHERE o = 1 AND last_rn = n), 0) AS trail_win,
         coalesce(max(len) FILTER (WHERE o = 1), 0) AS best_win_run,
         coalesce(max(len) FILTER (WHERE o = -1 AND first_rn = 1), 0) AS lead_loss,
         coalesce(max(len) FILTER (WHERE o = -1 AND last_rn = n), 0) AS trail_loss,
         coalesce(max(len) FILTER (WHERE o = -1), 0) AS best_loss_run
  FROM runs GROUP BY day, gs, gy
)
SELECT {quote_literal(key or tz)} AS timezone, s.day AS day, s.gs AS strategy, s.gy AS symbol,
       trades, wins, losses, breakevens, net_pnl, gross_pnl, fees, win_sum, loss_sum,
       net_sq_sum, max_win, min_loss, holding_us_sum, holding_count, first_exit, last_exit,
       lead_win, trail_win, best_win_run, lead_loss, trail_loss, best_loss_run,
       {path("max_prefix")}, {path("min_prefix")}, {path("max_drawdown")}
FROM sums s JOIN paths p ON s.day = p.day AND s.gs = p.gs AND s.gy = p.gy
"""


#: The label of a trade without the attribute a breakdown groups by.
NONE_LABEL: Final = "(none)"
#: Between the labels of a breakdown by several keys, in one group label.
LABEL_SEP: Final = "\x1f"


def _label_sql(key: str, tz: str, *, dialect: str) -> str:
    """Build SQL for a trade's label for the breakdown key ``key`` (`analytics.breakdowns`)."""
    none = quote_literal(NONE_LABEL)
    clock = clock_zone(resolve_timezone(tz)).key

    def local(column: str, duck: str, pg: str, zone: str) -> str:
        wall = local_wall_sql(column, zone, dialect=dialect)
        value = (
            f"to_char({wall}, '{pg}')" if dialect == "postgres" else (f"strftime({wall}, '{duck}')")
        )
        return f"coalesce({value}, {none})"

    # hours are those of the clock; a weekday is that of the (trading) day
    if key == "hour":
        return local("exit_time", "%H", "HH24", clock)
    if key == "entry_hour":
        return local("entry_time", "%H", "HH24", clock)
    if key == "weekday":
        return local("exit_time", "%a", "Dy", tz)
    column = {"signal": "signal_id", "tag": "tag", "session": "session"}.get(key, key)
    return f"coalesce(NULLIF(CAST({column} AS VARCHAR), ''), {none})"


def _unnest(values: str, dialect: str) -> str:
    """Build SQL for one row per element of the list ``values``; one NULL row if it is empty."""
    size, empty = (
        ("cardinality", "ARRAY[NULL::VARCHAR]")
        if dialect == "postgres"
        else (
            "len",
            "[NULL::VARCHAR]",
        )
    )
    return f"unnest(CASE WHEN {size}({values}) > 0 THEN {values} ELSE {empty} END)"


def grouped_trades_sql(
    keys: tuple[str, ...],
    tz: str,
    *,
    dialect: str,
    where: str,
    last: int | None = None,
    each: bool = True,
    sessions: tuple[Session, ...] = (),
) -> str:
    """Build a subquery of the trades with their breakdown group label as ``strategy``.

    Its rows have the columns `partials_select_sql` reads; ``strategy`` holds the labels of
    ``keys`` joined by `LABEL_SEP` (empty without keys) and ``symbol`` is empty. A trade
    with several tags is one row per tag (a trade without one has `NONE_LABEL`).

    Parameters
    ----------
    keys
        Breakdown keys (`tradeperf.analytics.breakdowns.KEYS`), checked.
    tz
        The reporting timezone or day key (hours are local, weekdays those of the day).
    dialect
        ``duckdb`` or ``postgres``.
    where
        A SQL condition on the ``trades`` columns (the selection), ``TRUE`` for all.
    last
        Keep the last ``last`` closed trades of each group (exit order), or all.
    each
        With ``last``: the last of each group (True) or the last of all, then grouped.
    sessions
        The named sessions, for the key ``session`` (a trade in several: one row each).
    """
    cols = "net_pnl, gross_pnl, fees, exit_time, entry_time, trade_id, status"
    clock = clock_zone(resolve_timezone(tz)).key
    if "session" in keys:  # one row per session the exit is in (like tags)
        names = [
            f"CASE WHEN {s.sql_on('exit_time', clock, dialect=dialect)} "
            f"THEN {quote_literal(s.name)} END"
            for s in sessions
        ]
        if dialect == "postgres":
            listed = f"array_remove(ARRAY[{', '.join(names)}]::VARCHAR[], NULL)"
        else:
            listed = f"list_filter([{', '.join(names)}]::VARCHAR[], lambda x: x IS NOT NULL)"
        inner = f"SELECT t.*, {_unnest(listed, dialect)} AS session FROM trades t WHERE {where}"
    elif "tag" in keys:
        inner = f"SELECT t.*, {_unnest('tags', dialect)} AS tag FROM trades t WHERE {where}"
    else:
        inner = f"SELECT * FROM trades WHERE {where}"
    parts = [_label_sql(k, tz, dialect=dialect) for k in keys]
    label = f" || {quote_literal(LABEL_SEP)} || ".join(parts) if parts else "''"
    labelled = f"SELECT {cols}, {label} AS strategy, '' AS symbol FROM ({inner}) u"
    if last is None:
        return f"({labelled}) trades"
    if not each:  # the last of all: a top-N, no ranking of every trade
        top = (
            f"SELECT * FROM ({labelled}) l WHERE {CLOSED_SQL} "
            f"ORDER BY {EXIT_ORDER_DESC_SQL} LIMIT {int(last)}"
        )
        return f"({top}) trades"
    ranked = (
        f"SELECT l.*, row_number() OVER ({'PARTITION BY strategy ' if each else ''}"
        f"ORDER BY {EXIT_ORDER_DESC_SQL}) "
        f"AS rn_last FROM ({labelled}) l WHERE {CLOSED_SQL}"
    )
    return (
        f"(SELECT {cols}, strategy, symbol FROM ({ranked}) r WHERE rn_last <= {int(last)}) trades"
    )
