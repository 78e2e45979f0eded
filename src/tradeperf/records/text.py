"""Which text a record's names and ids may hold: no control characters.

A control character in a symbol, an id or a name is junk from a damaged file (a NUL after a
crash), and the store's booking keys join text with NUL: one such value would break the
booking of every row beside it. The readers quarantine the row (`tradeperf.ingest.rows`),
the records refuse the value (`require_clean_text`), both by `CONTROL_CHARACTER`.
"""

from __future__ import annotations

import re
from typing import Final

#: ASCII control characters other than tab, LF and CR (which a quoted CSV cell may hold).
CONTROL_CHARACTER: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def require_clean_text(name: str, value: str | None) -> None:
    r"""Raise ValueError naming ``name`` if ``value`` holds a `CONTROL_CHARACTER`.

    Examples
    --------
    >>> require_clean_text("symbol", "BTC-USD")
    >>> require_clean_text("symbol", "X\x00Y")
    Traceback (most recent call last):
    ...
    ValueError: symbol holds a control character: 'X\x00Y'
    """
    if value is not None and CONTROL_CHARACTER.search(value):
        raise ValueError(f"{name} holds a control character: {value!r}")
