"""The names of the readers in the format registry (`tradeperf.ingest.formats.REGISTRY`, which
checks them), for what only names a reader: an option's help, a setting's check.
"""

from __future__ import annotations

from typing import Final

FORMAT_NAMES: Final = ("parquet", "freqtrade", "json", "jsonl", "csv", "ibkr-flex")
