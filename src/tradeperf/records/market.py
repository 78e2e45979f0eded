"""Market data: top-of-book quotes and public trades, the references markouts are taken against.

A quote row is one update of the top of the book of a symbol: bid, ask and their sizes. A row
may carry one side only (the other null), as the LEAN/AlgoSeek tick files do; the book is then
rebuilt by carrying the last bid and the last ask forward (`tradeperf.mm.book`). A public trade
is one print of the market: price, quantity and, when the venue says, the aggressor side (the
side of the order that took liquidity).

Prices and sizes are float64, unlike fills' exact decimals: market data are reference prices
for statistics in basis points (float64 everywhere in `tradeperf.metrics`), there are hundreds
of millions of them a day, and a float64 holds any price of up to 15 significant digits
exactly enough that its shortest ``repr`` gives the decimal back (``Decimal(repr(x))``).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from tradeperf.records.trade import TIMESTAMP_TYPE

#: Arrow schema of quotes (top-of-book updates). ``bid``/``ask`` may be null on a one-sided
#: row; sizes are in units of the instrument, ``venue`` the exchange that quoted (optional).
QUOTE_SCHEMA: Final = pa.schema(
    [
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("bid", pa.float64()),
        pa.field("ask", pa.float64()),
        pa.field("bid_size", pa.float64()),
        pa.field("ask_size", pa.float64()),
        pa.field("venue", pa.string()),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

#: Arrow schema of public trades (the market's prints). ``aggressor`` is BUY when the buyer
#: took liquidity, SELL when the seller did, null when the venue does not say.
PUBLIC_TRADE_SCHEMA: Final = pa.schema(
    [
        pa.field("trade_id", pa.string(), nullable=False),
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),
        pa.field("quantity", pa.float64(), nullable=False),
        pa.field("aggressor", pa.string()),
        pa.field("venue", pa.string()),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)
