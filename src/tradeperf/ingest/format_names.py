"""The names of the readers in the format registry, for what only names a reader.

What only names a reader is, say, an option's help or a setting's check; the registry
(`tradeperf.ingest.formats.REGISTRY`) checks the names.
"""

from __future__ import annotations

from typing import Final

FORMAT_NAMES: Final = ("parquet", "freqtrade", "json", "jsonl", "csv", "ibkr-flex")
