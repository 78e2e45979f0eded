"""The daily partials of a few closed trades, folded from their rows.

The engine computes the partials of any selection of trades with one SQL statement
(`tradeperf.store.partials_sql`), but planning that statement costs some 30 ms on DuckDB
whatever it runs over; the last 20 trades or the trades of the last hour need a tenth of that.
For a selection of at most `FEW_TRADES` closed trades a summary reads their rows instead
(`tradeperf.store.Store.labelled_trades`) and folds them here: each trade's partial is
`tradeperf.analytics.partials.Partial.of_trade` laid out as a column, and the trades of one
day and group merge with `DailyPartials.merged`, the merge the kept partials go through.
The rows are those `Store.trade_partials` gives for the same selection (tested equal).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.partials import ZERO, DailyPartials
from tradeperf.store.partials_sql import LIMIT, PARTIALS_SCHEMA, SUM_COLUMNS

#: The most closed trades a summary folds from their rows rather than in the engine.
FEW_TRADES: Final = 1000

#: The sums and the drawdown path's columns of a partial.
_PATH: Final = ("max_prefix", "min_prefix", "max_drawdown")
_SUMS: Final = tuple(sorted(SUM_COLUMNS - set(_PATH)))


def partials_of_trades(rows: pa.Table, key: str) -> pa.Table | None:
    """Give the daily partials of closed trades, per day and group, from their rows.

    Parameters
    ----------
    rows
        Closed trades in exit order with the columns ``day`` (their local day, date32),
        ``strategy`` and ``symbol`` (the group), ``net_pnl``, ``gross_pnl`` (null: net +
        fees), ``fees`` (decimal, the account currency), ``exit_time`` and ``entry_time``
        (UTC): what `tradeperf.store.Store.labelled_trades` returns.
    key
        The ``timezone`` column of the rows (the reporting timezone or day key).

    Returns
    -------
    pa.Table or None
        `PARTIALS_SCHEMA` rows, one per (group, day) with a trade, sorted by group and day;
        a day whose sums leave the stored range has them NULL, as the store's have. None
        when a trade's gross P&L (net + fees) itself leaves it: the engine's split sums
        then take the selection.

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    >>> rows = pa.table({
    ...     "day": pa.array([dt.date(2024, 5, 1)] * 2), "strategy": ["a", "a"],
    ...     "symbol": ["", ""], "net_pnl": [Decimal(5), Decimal(-2)],
    ...     "gross_pnl": [None, None], "fees": [Decimal(1), Decimal(1)],
    ...     "exit_time": pa.array([t, t], pa.timestamp("us", tz="UTC")),
    ...     "entry_time": pa.array([None, None], pa.timestamp("us", tz="UTC"))})
    >>> p = partials_of_trades(rows, "UTC").to_pylist()[0]
    >>> p["trades"], p["wins"], str(p["gross_pnl"]), str(p["max_drawdown"])
    (2, 1, '5.000000000000000000', '2.000000000000000000')
    """
    n = rows.num_rows
    if n == 0:
        return PARTIALS_SCHEMA.empty_table()
    order = pc.sort_indices(  # stable: exit order within a group
        rows, sort_keys=[("strategy", "ascending"), ("symbol", "ascending"), ("day", "ascending")]
    )
    t = rows.take(order)
    net = t.column("net_pnl").to_pylist()
    fees = t.column("fees").to_pylist()
    gross = [
        x + f if g is None else g
        for x, g, f in zip(net, t.column("gross_pnl").to_pylist(), fees, strict=True)
    ]
    if any(abs(g) > LIMIT for g in gross):
        return None
    exit_us = pc.cast(t.column("exit_time"), pa.int64())
    entry_us = pc.cast(t.column("entry_time"), pa.int64())
    held = pc.subtract(exit_us, entry_us)  # null without an entry time
    win = [x > 0 for x in net]
    loss = [x < 0 for x in net]
    wins, losses = np.array(win, np.int64), np.array(loss, np.int64)
    won, lost = pa.array(wins), pa.array(losses)

    def money(values: list[Decimal | None]) -> pa.Array:
        return pa.array(values, pa.decimal128(38, 18))

    trades = pa.table(
        {
            "timezone": pa.array([key] * n, pa.string()),
            "day": t.column("day"),
            "strategy": t.column("strategy"),
            "symbol": t.column("symbol"),
            "trades": pa.array(np.ones(n, np.int64)),
            "wins": won,
            "losses": lost,
            "breakevens": pa.array(1 - wins - losses),
            "net_pnl": money(net),
            "gross_pnl": money(gross),
            "fees": money(fees),
            "win_sum": money([x if w else ZERO for x, w in zip(net, win, strict=True)]),
            "loss_sum": money([x if lo else ZERO for x, lo in zip(net, loss, strict=True)]),
            "net_sq_sum": pa.array([float(x) * float(x) for x in net], pa.float64()),
            "max_win": money([x if w else None for x, w in zip(net, win, strict=True)]),
            "min_loss": money([x if lo else None for x, lo in zip(net, loss, strict=True)]),
            "holding_us_sum": pc.fill_null(held, 0),
            "holding_count": pc.cast(pc.is_valid(held), pa.int64()),
            "first_exit": t.column("exit_time"),
            "last_exit": t.column("exit_time"),
            "lead_win": won,
            "trail_win": won,
            "best_win_run": won,
            "lead_loss": lost,
            "trail_loss": lost,
            "best_loss_run": lost,
            "max_prefix": money([max(ZERO, x) for x in net]),
            "min_prefix": money([min(ZERO, x) for x in net]),
            "max_drawdown": money([max(ZERO, -x) for x in net]),
        }
    )
    keys = pc.binary_join_element_wise(
        t.column("strategy"), t.column("symbol"), pc.cast(t.column("day"), pa.string()), "\x1f"
    ).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    merged = DailyPartials.from_table(trades.cast(PARTIALS_SCHEMA)).merged(starts)
    # as in the engine: a sum out of range is NULL alone; the drawdown path of a day whose
    # absolute net P&L (over every group) leaves the range is NULL in each of its groups
    days = t.column("day").to_pylist()
    strategies, symbols = t.column("strategy").to_pylist(), t.column("symbol").to_pylist()
    day_abs: dict[object, Decimal] = {}
    for d, x in zip(days, net, strict=True):
        day_abs[d] = day_abs.get(d, ZERO) + abs(x)
    out = []
    for s, part in zip(starts.tolist(), merged, strict=True):
        row: dict[str, object] = {
            "timezone": key, "day": days[s], "strategy": strategies[s], "symbol": symbols[s],
        }  # fmt: skip
        for field in PARTIALS_SCHEMA.names[4:]:
            row[field] = getattr(part, field)
        for name in _SUMS:
            value = row[name]
            if isinstance(value, Decimal) and abs(value) > LIMIT:
                row[name] = None
        if day_abs[days[s]] > LIMIT:
            row.update(dict.fromkeys(_PATH))
        out.append(row)
    return pa.Table.from_pylist(out, schema=PARTIALS_SCHEMA)
