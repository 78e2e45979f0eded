"""What every reader returns, and the contract readers keep.

A reader turns one source file into a `ReadResult`: the good records as an Arrow table in the
schema of their record kind, and the rejected rows with their reasons. A reader never raises
for bad rows; it raises `InputError` only when asked for something impossible (a format that
does not exist, a mapping naming no column). A file it cannot read at all comes back with
``unreadable`` set and one `RejectedRow` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

from tradeperf.records import RecordKind, RejectedRow


@dataclass(slots=True)
class ReadResult:
    """The outcome of reading one source file.

    Attributes
    ----------
    source : the path as given (resolved to an absolute path by the caller).
    kind : which record kind ``table`` holds.
    table : good records, in the Arrow schema of ``kind`` (`TRADE_SCHEMA` for trades).
    rejected : rows that were quarantined, with file, line, field and reason.
    unreadable : True when nothing of the file could be read (binary, unknown layout).
    format : the format that was used (``jsonl``, ``csv``, ``parquet``, ``freqtrade``, ...).
    end_offset : for line-oriented text, the byte offset just past the last complete line, so
        that a growing log can be read on from there; None for whole-file formats.
    end_line : for line-oriented text, the number of lines before ``end_offset`` (None when
        not known).
    capital, currency : the account a source states for itself (a freqtrade export's
        ``starting_balance`` and ``stake_currency``, an IBKR statement's base currency);
        None when it states none.
    extra : records of other kinds the source holds beside ``table`` (an IBKR statement's
        exchange rates to its base currency), stored with the source like its own rows.
    """

    source: str
    kind: RecordKind
    table: pa.Table
    rejected: list[RejectedRow] = field(default_factory=list)
    unreadable: bool = False
    format: str = ""
    end_offset: int | None = None
    end_line: int | None = None
    capital: Decimal | None = None
    currency: str | None = None
    extra: dict[RecordKind, pa.Table] = field(default_factory=dict)
