"""Readers of source files into validated Arrow records, with quarantine of bad rows.

Entry points: `discover` expands files and folders into source files; `read_source` reads one
file (format told by content, record kind by columns) into a `ReadResult`.

The names below are loaded on first use (PEP 562), so that a module needing only
`tradeperf.ingest.base` or `tradeperf.ingest.options` (the settings, the store) does not load
every reader and kind with it: the command line starts faster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeperf.ingest.assemble import parse_mapping
    from tradeperf.ingest.base import ReadResult
    from tradeperf.ingest.formats import FORMATS
    from tradeperf.ingest.freqtrade import FreqtradeSummary, freqtrade_summary
    from tradeperf.ingest.options import Limits, ReadOptions
    from tradeperf.ingest.read import discover, read_source
    from tradeperf.ingest.trades import TRADES_SPEC, validate_trade

#: Public name -> the module that defines it.
_HOMES = {
    "parse_mapping": "assemble",
    "ReadResult": "base",
    "FORMATS": "formats",
    "FreqtradeSummary": "freqtrade",
    "freqtrade_summary": "freqtrade",
    "Limits": "options",
    "ReadOptions": "options",
    "discover": "read",
    "read_source": "read",
    "TRADES_SPEC": "trades",
    "validate_trade": "trades",
}

__all__ = [
    "FORMATS",
    "TRADES_SPEC",
    "FreqtradeSummary",
    "Limits",
    "ReadOptions",
    "ReadResult",
    "discover",
    "freqtrade_summary",
    "parse_mapping",
    "read_source",
    "validate_trade",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tradeperf.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tradeperf.ingest.{home}"), name)
