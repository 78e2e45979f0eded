"""Hourly markout partials in a SQL store: sums per hour and group, merged into any window.

One row per UTC hour (of the fills' times), reference price, symbol, side, liquidity,
strategy, horizon and gross/net: the count of fills with a markout, those without, and the
sums of the markout, of its square, of the notional and notional × markout, of spread
capture and adverse selection over the same fills (`tradeperf.mm.partials` computes them).
A rolling 24 h or 7/30/90-day window adds rows up; nothing joins quotes again, so raw quotes
older than the hours built (``markout_state.built_through``) can be pruned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pyarrow as pa

from tradeperf.errors import StoreError

#: The partials' columns (and their order in the table).
MARKOUT_PARTIALS_SCHEMA: Final = pa.schema(
    [
        pa.field("reference", pa.string(), nullable=False),
        pa.field("hour", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("side", pa.string(), nullable=False),
        pa.field("liquidity", pa.string(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("horizon_ns", pa.int64(), nullable=False),
        pa.field("net_of_fee", pa.bool_(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("missing", pa.int64(), nullable=False),
        pa.field("sum", pa.float64(), nullable=False),
        pa.field("sum_sq", pa.float64(), nullable=False),
        pa.field("sum_w", pa.float64(), nullable=False),
        pa.field("sum_wx", pa.float64(), nullable=False),
        pa.field("sum_capture", pa.float64(), nullable=False),
        pa.field("sum_adverse", pa.float64(), nullable=False),
    ]
)


class MarkoutTables:
    """What a SQL store keeps of markouts (a mixin of `tradeperf.store.sql.SQLStore`)."""

    # provided by the SQL store
    _exec: Any
    _fetch: Any
    _fetch_arrow: Any
    _stage: Any
    _unstage: Any
    _transaction: Any
    _lock: Any
    url: str

    def replace_markout_partials(
        self,
        reference: str,
        since: dt.datetime | None,
        rows: pa.Table,
        *,
        built_through: dt.datetime,
        horizons: str,
    ) -> int:
        """Replace the partials of ``reference`` from hour ``since`` on (None: all) with ``rows``.

        ``built_through`` is the instant up to which every markout is final (the last quote
        minus the longest horizon); ``horizons`` the horizons they were built with. One
        transaction: a reader sees the old partials or the new ones.

        Raises
        ------
        StoreError
            If the store cannot be written.
        """
        try:
            with self._transaction():
                self._lock()
                if since is None:
                    self._exec("DELETE FROM markout_partials WHERE reference = ?", [reference])
                else:
                    self._exec(
                        "DELETE FROM markout_partials WHERE reference = ? AND hour >= ?",
                        [reference, since],
                    )
                if rows.num_rows:
                    self._stage("_mo_rows", rows)
                    cols = ", ".join(f'"{f.name}"' for f in MARKOUT_PARTIALS_SCHEMA)
                    self._exec(f"INSERT INTO markout_partials ({cols}) SELECT {cols} FROM _mo_rows")
                    self._unstage("_mo_rows")
                self._exec("DELETE FROM markout_state WHERE reference = ?", [reference])
                self._exec(
                    "INSERT INTO markout_state (reference, horizons, built_through, built_at) "
                    "VALUES (?, ?, ?, ?)",
                    [reference, horizons, built_through, dt.datetime.now(dt.UTC)],
                )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot store markout partials in {self.url}: {exc}") from exc
        return int(rows.num_rows)

    def markout_state(self, reference: str) -> tuple[str, dt.datetime] | None:
        """Return (horizons, built_through) of the partials of ``reference``, or None."""
        rows = self._fetch(
            "SELECT horizons, built_through FROM markout_state WHERE reference = ?", [reference]
        )
        return (str(rows[0][0]), rows[0][1]) if rows else None

    def markouts_built_through(self) -> dt.datetime | None:
        """Return the earliest instant up to which every reference's partials are final."""
        rows = self._fetch("SELECT min(built_through) FROM markout_state")
        return rows[0][0] if rows and rows[0][0] is not None else None

    def markout_partials(self, reference: str, start: dt.datetime, end: dt.datetime) -> pa.Table:
        """Return the partials of ``reference`` with ``start <= hour < end``."""
        cols = ", ".join(f'"{f.name}"' for f in MARKOUT_PARTIALS_SCHEMA)
        return self._fetch_arrow(
            f"SELECT {cols} FROM markout_partials WHERE reference = ? AND hour >= ? AND hour < ?",
            [reference, start, end],
        )
