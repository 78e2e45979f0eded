"""Exchange rates: what one unit of a currency is worth in an account's base currency.

A rate is dated (the day it applies to, as IBKR's ``fxRateToBase`` applies to the trade date
of its execution): ``rate`` is the base currency's amount for one unit of ``currency``
(EUR base, USD at 0.88221: 1 USD = 0.88221 EUR). Amounts convert with the rate of their
booking day (`tradeperf.analytics.fx`).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from tradeperf.records.money import MONEY_TYPE

#: Arrow schema of exchange rates (``rate``: units of ``base`` per unit of ``currency``).
FX_RATE_SCHEMA: Final = pa.schema(
    [
        pa.field("date", pa.date32(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("base", pa.string(), nullable=False),
        pa.field("rate", MONEY_TYPE, nullable=False),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)
