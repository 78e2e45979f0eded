"""The closed trades of a summary as text rows: ``trades.csv`` and the tear sheet's trade list.

One row per closed trade the figures count (`tradeperf.analytics.model.Summary.closed`), in
exit order. Money is in the summary's currency (converted where the figures are), written as
its exact decimal with the trailing zeros of the fraction dropped (as the JSON writes it);
times are UTC ISO 8601 with the offset (``2024-03-31T00:30:01.542000+00:00``); ``exit_day``
is the local day of the exit in the reporting timezone (the day the trade counts in);
``holding_seconds`` is exit minus entry (empty without an entry time).

The text is made by an in-memory DuckDB (its DECIMAL to VARCHAR cast writes every digit in
plain notation, where Arrow's writes ``0E-18``), not per row in Python: 100,000 trades
take about a quarter of a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa

#: The columns of ``trades.csv``, in order.
COLUMNS: Final = (
    "trade_id", "exit_day", "entry_time", "exit_time", "holding_seconds", "strategy",
    "symbol", "side", "account", "venue", "quantity", "entry_price", "exit_price",
    "gross_pnl", "fees", "net_pnl", "currency", "return_pct", "exit_reason", "source",
    "source_line",
)  # fmt: skip

_MONEY: Final = ("quantity", "entry_price", "exit_price", "gross_pnl", "fees", "net_pnl")


def _decimal_sql(column: str) -> str:
    """Give the SQL of a decimal column as plain text without trailing fraction zeros."""
    text = f'CAST("{column}" AS VARCHAR)'
    trimmed = f"rtrim(rtrim({text}, '0'), '.')"
    return (
        f'CASE WHEN "{column}" IS NULL THEN NULL WHEN "{column}" = 0 THEN \'0\' '
        f"WHEN contains({text}, '.') THEN {trimmed} ELSE {text} END"
    )


def trade_rows(closed: pa.Table, days: np.ndarray, currency: str) -> pa.Table:
    """Give the closed trades as a table of the `COLUMNS`, all text but ``source_line``.

    Parameters
    ----------
    closed
        Closed trades (`tradeperf.records.TRADE_SCHEMA`), in exit order, shape (n,).
    days
        The local day of each exit (``datetime64[D]``), shape (n,).
    currency
        The currency the money columns are in (the summary's).

    Examples
    --------
    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> from tradeperf.records import TRADE_SCHEMA
    >>> t = dt.datetime(2024, 1, 2, 15, 30, tzinfo=dt.UTC)
    >>> row = {name: None for name in TRADE_SCHEMA.names} | {
    ...     "trade_id": "t1", "strategy": "s", "symbol": "AAPL", "side": "long",
    ...     "status": "CLOSED", "entry_time": t - dt.timedelta(hours=2), "exit_time": t,
    ...     "fees": Decimal("0.10"), "net_pnl": Decimal("12.50")}
    >>> table = pa.Table.from_pylist([row], schema=TRADE_SCHEMA)
    >>> out = trade_rows(table, np.array(["2024-01-02"], "datetime64[D]"), "USD")
    >>> [out.column(c)[0].as_py() for c in ("exit_time", "holding_seconds", "net_pnl", "fees")]
    ['2024-01-02T15:30:00.000000+00:00', '7200', '12.5', '0.1']
    """
    import duckdb

    utc = pa.timestamp("us", tz="UTC")
    frame = pa.table(
        {
            **{c: closed.column(c) for c in ("trade_id", "strategy", "symbol", "side")},
            **{c: closed.column(c) for c in ("account", "venue", "exit_reason", "source")},
            **{c: closed.column(c) for c in _MONEY},
            "return_pct": closed.column("return_pct"),
            "source_line": closed.column("source_line"),
            "entry_us": closed.column("entry_time").cast(utc).cast(pa.int64()),
            "exit_us": closed.column("exit_time").cast(utc).cast(pa.int64()),
            "exit_day": pa.array(days.astype("datetime64[D]"), pa.date32()),
            "currency": pa.array([currency] * closed.num_rows, pa.string()),
        }
    )
    money = {c: _decimal_sql(c) for c in _MONEY}
    select = {
        **{c: c for c in COLUMNS},
        **money,
        "exit_day": "CAST(exit_day AS VARCHAR)",
        "entry_time": _time_sql("entry_us"),
        "exit_time": _time_sql("exit_us"),
        "holding_seconds": "regexp_replace(CAST((exit_us - entry_us) / 1e6 AS VARCHAR),"
        " '\\.0$', '')",
        "return_pct": "CASE WHEN isfinite(return_pct) THEN CAST(return_pct AS VARCHAR) END",
    }
    con = duckdb.connect()
    try:
        con.register("trades", frame)
        columns = ", ".join(f'{select[c]} AS "{c}"' for c in COLUMNS)
        return con.sql(f"SELECT {columns} FROM trades").to_arrow_table()
    finally:
        con.close()


def _time_sql(column: str) -> str:
    """Give the SQL of UTC microseconds since the epoch as ISO 8601 text with ``+00:00``."""
    return f"strftime(make_timestamp({column}), '%Y-%m-%dT%H:%M:%S.%f') || '+00:00'"


def write_trades_csv(rows: pa.Table, path: Path) -> Path:
    """Write `trade_rows` as CSV (a header, then a row per trade; empty cells for null).

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    import pyarrow.csv as pacsv

    pacsv.write_csv(
        rows, path, write_options=pacsv.WriteOptions(quoting_style="needed", include_header=True)
    )
    return path
