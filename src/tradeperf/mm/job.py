"""``tradeperf mm report``: read fills (or the market's maker flow) and quotes, write markouts.

Fills come from files (`tradeperf.mm.sources`), from a public-trades file read as the fills of
its passive side (``public_trades_as="maker"``: an aggressor BUY is a maker SELL), or from a
store. Public trades without an aggressor are classified first by the Lee–Ready rule
(`tradeperf.mm.classify`) against the book from the quotes; the output says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tradeperf.errors import ConfigError, InputError
from tradeperf.mm.book import REFERENCES
from tradeperf.mm.horizons import parse_horizons
from tradeperf.mm.markouts import duckdb_markouts
from tradeperf.mm.report import markouts_document, markouts_markdown
from tradeperf.mm.sources import Relation, register
from tradeperf.records import RecordKind


@dataclass(frozen=True, slots=True)
class MarkoutRequest:
    """What to compute markouts of.

    Attributes
    ----------
    quotes : quote files (Parquet, CSV, JSONL, LEAN ``*_quote.zip``).
    fills : the desk's fill files; or none, with ``public_trades`` and ``public_trades_as``.
    public_trades : public-trade files (Parquet, CSV, JSONL, LEAN ``*_trade.zip``).
    public_trades_as : ``"maker"`` reads the public trades as the fills of their passive side.
    horizons : e.g. ``"100ms,1s,5s"`` (``0s`` always added); None gives the defaults.
    fee_bps : fee in bps of notional for fills with a fee of 0 (none recorded).
    reference : ``mid``, ``weighted_mid`` or ``micro_price``.
    symbol : the symbol of files that have no symbol column.
    store : a store URL: the fills (or, with ``public_trades_as``, the public trades) and the
        quotes stored there, instead of files.
    daily_tz : add the rows of each local day of this IANA timezone (None: the whole input).
    """

    quotes: Sequence[Path] = ()
    fills: Sequence[Path] = ()
    public_trades: Sequence[Path] = ()
    public_trades_as: str | None = None
    horizons: str | None = None
    fee_bps: float | None = None
    reference: str = "mid"
    symbol: str | None = None
    store: str | None = None
    daily_tz: str | None = None


def _maker_fills_sql(trades: str, *, seq: bool = True) -> str:
    """SELECT of public trades as maker fills (an aggressor BUY is a maker SELL).

    ``seq`` keeps the trades' input-order column (the relations of `tradeperf.mm.sources`
    have one; a store's table has not).
    """
    return (
        "SELECT trade_id AS fill_id, timestamp, symbol, "
        "CASE aggressor WHEN 'BUY' THEN 'SELL' WHEN 'SELL' THEN 'BUY' END AS side, "
        "quantity, price, 0.0 AS fee, NULL::VARCHAR AS fee_currency, NULL::VARCHAR AS currency, "
        f"'MAKER' AS liquidity, 'market' AS strategy, 1.0 AS multiplier{', seq' if seq else ''} "
        f"FROM {trades} WHERE aggressor IS NOT NULL"
    )


def _summary(rel: Relation) -> dict[str, Any]:
    return {"rows": rel.rows, "rejected": rel.rejects.count, "examples": rel.rejects.examples}


def compute_markouts(
    request: MarkoutRequest, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, Any]:
    """Compute the markouts document of ``request`` (see `tradeperf.mm.report`).

    Raises
    ------
    ConfigError
        If neither fills nor public trades read as maker fills are given, or an option is
        not valid.
    InputError
        If a file cannot be read as its kind.
    """
    if request.reference not in REFERENCES:
        raise ConfigError(f"--reference {request.reference!r}: choose {', '.join(REFERENCES)}")
    if request.public_trades_as not in (None, "maker"):
        raise ConfigError(f"--public-trades-as {request.public_trades_as!r}: only 'maker'")
    horizons = parse_horizons(request.horizons)
    if request.store is not None:
        if request.quotes or request.fills or request.public_trades:
            raise ConfigError("give --store or files (--quotes, --fills), not both")
        from tradeperf.mm.store_job import markouts_from_store

        return markouts_from_store(request, horizons)
    if not request.quotes:
        raise ConfigError("give --quotes (or --store)")
    if not request.fills and not (request.public_trades and request.public_trades_as):
        raise ConfigError("give --fills, or --public-trades with --public-trades-as maker")
    con = con or duckdb.connect()
    quotes = register(con, "mm_quotes", RecordKind.QUOTES, request.quotes, symbol=request.symbol)
    if not quotes.rows:
        raise InputError("the quotes hold no valid row: no markout can be taken")
    inputs: dict[str, dict[str, Any]] = {"quotes": _summary(quotes)}
    notes: list[str] = []
    if request.fills:
        fills = register(con, "mm_fills", RecordKind.FILLS, request.fills, symbol=request.symbol)
        inputs["fills"] = _summary(fills)
        fills_name = "mm_fills"
    else:
        trades = register(
            con, "mm_trades", RecordKind.PUBLIC_TRADES, request.public_trades, symbol=request.symbol
        )
        inputs["public_trades"] = _summary(trades)
        fills_name = _maker_fills(con, "mm_trades", "mm_quotes", inputs["public_trades"], notes)
    markouts = duckdb_markouts(
        con,
        fills_name,
        "mm_quotes",
        horizons,
        reference=request.reference,
        fee_bps=request.fee_bps,
        scanned=quotes.quotes,
    )
    return markouts_document(
        markouts,
        reference=request.reference,
        fee_bps=request.fee_bps,
        inputs=inputs,
        notes=notes,
        daily_tz=request.daily_tz,
    )


def _maker_fills(
    con: duckdb.DuckDBPyConnection,
    trades: str,
    quotes: str,
    summary: dict[str, Any],
    notes: list[str],
) -> str:
    """View ``mm_maker``: the public trades as maker fills, classified first where unflagged."""
    source = trades
    unflagged = con.execute(f"SELECT count(*) FROM {trades} WHERE aggressor IS NULL").fetchone()
    if unflagged and unflagged[0]:
        from tradeperf.mm.classify import classify_trades

        _classification_book(con, quotes)
        classify_trades(con, trades, "_mm_tob").create("_mm_classified")
        counts = dict(
            con.execute(
                "SELECT coalesce(classified_by, 'unclassified'), count(*) "
                "FROM _mm_classified GROUP BY ALL"
            ).fetchall()
        )
        summary["classified_by"] = counts
        notes.append(
            f"{unflagged[0]} public trades carry no aggressor flag: their side is inferred "
            "by the Lee-Ready rule (quote rule against the consolidated best bid and offer, "
            "tick rule at the mid); unclassified trades are left out"
        )
        source = "_mm_classified"
    con.execute(f"CREATE OR REPLACE TEMP VIEW mm_maker AS {_maker_fills_sql(source)}")
    notes.append("fills are the public trades' passive (maker) side")
    return "mm_maker"


def _classification_book(con: duckdb.DuckDBPyConnection, quotes: str) -> None:
    """``_mm_tob``: the consolidated top of book (symbol, timestamp, bid, ask) per timestamp."""
    w = "OVER (PARTITION BY symbol ORDER BY timestamp, seq ROWS UNBOUNDED PRECEDING)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mm_tob AS SELECT symbol, timestamp, "
        "arg_max(bid, seq) AS bid, arg_max(ask, seq) AS ask FROM ("
        f"SELECT symbol, timestamp, seq, last_value(bid IGNORE NULLS) {w} AS bid, "
        f"last_value(ask IGNORE NULLS) {w} AS ask FROM {quotes}) q GROUP BY symbol, timestamp"
    )


def write_markouts(doc: dict[str, Any], out: Path) -> list[Path]:
    """Write ``markouts.json`` (validated), ``markouts.md`` and ``markouts.html`` into ``out``."""
    from tradeperf.mm.html import markouts_html
    from tradeperf.reports.schema import validate

    validate(doc, "markouts")
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "markouts.json", out / "markouts.md", out / "markouts.html"]
    paths[0].write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    paths[1].write_text(markouts_markdown(doc), encoding="utf-8")
    paths[2].write_text(markouts_html(doc), encoding="utf-8")
    return paths
