"""The store interface: what every backend (DuckDB, PostgreSQL) provides.

The store only keeps records; it knows nothing of figures. A source file's rows, its rejected
rows and its ingestion-index entry are written in one transaction (`Store.write_source`), so a
crash leaves the store as it was before that file or fully after it.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyarrow as pa

from tradeperf.ingest.base import ReadResult, RecordKind

#: Natural key of each record kind: a row whose key is already stored is not stored again.
NATURAL_KEYS: Final[dict[RecordKind, tuple[str, ...]]] = {
    RecordKind.TRADES: ("trade_id",),
    RecordKind.FILLS: ("fill_id",),
    RecordKind.MARKS: ("symbol", "timestamp"),
    RecordKind.FUNDING: ("source", "source_line"),
    RecordKind.CASH_FLOWS: ("source", "source_line"),
}


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """The ingestion-index entry of one source file.

    ``end_offset`` is the byte offset just past the last complete line read (line-oriented
    formats) or the file size (whole-file formats); ``prefix_checksum`` is the SHA-256 of the
    file's first ``end_offset`` bytes, so a grown log is recognised as the same log.
    """

    path: str
    size: int
    mtime_ns: int
    checksum: str
    prefix_checksum: str
    end_offset: int
    format: str
    kind: str
    rows: int
    rejected: int
    unreadable: bool
    ingested_at: datetime


@dataclass(frozen=True, slots=True)
class TradeQuery:
    """Which trades to load: all filters optional, times are UTC, ``end`` exclusive."""

    start: datetime | None = None
    end: datetime | None = None
    strategies: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What a store holds: rows per table, the trade date range, sources and rejects."""

    url: str
    schema_version: int
    counts: dict[str, int]
    first_exit: datetime | None
    last_exit: datetime | None
    sources: int
    unreadable_files: int
    rejected_rows: int
    size_bytes: int | None


class Store(abc.ABC):
    """A place that keeps records. Backends: `DuckDBStore` (default), `PostgresStore`."""

    url: str

    @abc.abstractmethod
    def source_entry(self, path: str) -> SourceEntry | None:
        """The index entry of ``path`` (absolute), or None if it was never ingested."""

    @abc.abstractmethod
    def write_source(self, entry: SourceEntry, result: ReadResult, *, replace: bool) -> int:
        """Store one source's rows, rejects and index entry in one transaction.

        Parameters
        ----------
        entry : the index entry to record for the source.
        result : what the reader produced.
        replace : True to first delete everything earlier read from this source (the file was
            rewritten); False to add to it (a grown log read from its offset).

        Returns
        -------
        int, the number of new rows stored (rows whose natural key was already stored are
        skipped).

        Raises
        ------
        StoreError
            If the write fails; nothing of the source is then stored.
        """

    @abc.abstractmethod
    def trades(self, query: TradeQuery | None = None) -> pa.Table:
        """Stored trades (every status) matching ``query``, as a `TRADE_SCHEMA` table sorted
        by exit time, entry time and trade id."""

    @abc.abstractmethod
    def records(self, kind: RecordKind) -> pa.Table:
        """All stored records of ``kind`` (fills, marks, ...) in timestamp order."""

    @abc.abstractmethod
    def quarantine(self) -> pa.Table:
        """The quarantined rows (`QUARANTINE_SCHEMA`), by source and line."""

    @abc.abstractmethod
    def info(self) -> StoreInfo:
        """A description of what is stored."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
