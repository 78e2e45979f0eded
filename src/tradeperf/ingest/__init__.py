"""Readers of source files into validated Arrow records, with quarantine of bad rows.

Entry points: `discover` expands files and folders into source files; `read_source` reads one
file (format told by content, record kind by columns) into a `ReadResult`.
"""

from tradeperf.ingest.assemble import parse_mapping
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.ingest.formats import FORMATS
from tradeperf.ingest.freqtrade import FreqtradeSummary, freqtrade_summary
from tradeperf.ingest.options import Limits, ReadOptions
from tradeperf.ingest.read import discover, read_source
from tradeperf.ingest.trades import TRADES_SPEC, validate_trade

__all__ = [
    "FORMATS",
    "TRADES_SPEC",
    "FreqtradeSummary",
    "Limits",
    "ReadOptions",
    "ReadResult",
    "RecordKind",
    "discover",
    "freqtrade_summary",
    "parse_mapping",
    "read_source",
    "validate_trade",
]
