"""Ingestion into the store: read each source, skip what is already stored, write atomically.

Each file is fingerprinted (size, modification time, SHA-256). An unchanged file is skipped; a
line-oriented log that only grew is read on from the byte offset of its last complete line; a
file that changed before that offset (rewritten, rotated) is read again in full and replaces
what was stored from it. Rows, rejects and the index entry of a file commit together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tradeperf.ingest.read import read_source
from tradeperf.store.base import SourceEntry, SourceWrite, Store

_CHUNK = 1 << 20
#: Files are written in batches, one transaction each: a batch is stored whole or not at all,
#: so every file in it is too.
BATCH_ROWS = 200_000
BATCH_FILES = 500


@dataclass(slots=True)
class IngestReport:
    """What one ingestion run did, file by file and in total (``files``: the absolute paths
    of the sources it was given)."""

    files_read: int = 0
    files_skipped: int = 0
    files_appended: int = 0
    rows_read: int = 0
    rows_new: int = 0
    rejected_rows: int = 0
    unreadable_files: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def _sha256(path: Path, *, prefix: int | None = None) -> tuple[str, str | None]:
    """SHA-256 of the whole file and, in the same pass, of its first ``prefix`` bytes (None
    when no prefix is asked for or the file is shorter)."""
    h = hashlib.sha256()
    at_prefix = None
    done = 0
    with path.open("rb") as f:
        while True:
            n = _CHUNK if prefix is None or done >= prefix else min(_CHUNK, prefix - done)
            block = f.read(n)
            if not block:
                break
            h.update(block)
            done += len(block)
            if prefix is not None and done == prefix:
                at_prefix = h.hexdigest()  # hexdigest leaves the running hash as it is
    return h.hexdigest(), at_prefix


def ingest_paths(
    store: Store,
    files: Sequence[Path],
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Ingest ``files`` (already discovered, see `tradeperf.ingest.read.discover`) into ``store``.

    Parameters
    ----------
    store : the open store.
    files : source files.
    format : force a reader (``jsonl``, ``csv``, ``parquet``, ``freqtrade``...) instead of
        detecting it from the content.
    mapping : column mapping, canonical name -> source column name.
    on_file : called after each file is read (for a progress bar).

    Returns
    -------
    IngestReport. Bad rows never raise: they are quarantined and counted.

    Raises
    ------
    StoreError
        If the store cannot be written (then the file being written is not stored at all).
    """
    report = IngestReport(files=[p.resolve() for p in files])
    known = store.source_entries()
    pending: list[SourceWrite] = []
    pending_rows = 0
    for path in files:
        write = _read_one(path.resolve(), known, report, format=format, mapping=mapping)
        if write is not None:
            pending.append(write)
            pending_rows += write.result.table.num_rows + len(write.result.rejected)
        if pending_rows >= BATCH_ROWS or len(pending) >= BATCH_FILES:
            report.rows_new += store.write_sources(pending)
            pending, pending_rows = [], 0
        if on_file is not None:
            on_file(path)
    report.rows_new += store.write_sources(pending)
    return report


def _read_one(
    path: Path,
    known: dict[str, SourceEntry],
    report: IngestReport,
    *,
    format: str | None,
    mapping: dict[str, str] | None,
) -> SourceWrite | None:
    """Read ``path`` as far as it is new; None when it is unchanged since last stored."""
    stat = path.stat()
    previous = known.get(str(path))
    checksum, prefix = _sha256(path, prefix=previous.end_offset if previous else None)
    if previous is not None and previous.checksum == checksum:
        report.files_skipped += 1
        return None
    start = 0
    replace = True
    if (
        previous is not None
        and previous.format == "jsonl"
        and format in (None, "jsonl")
        and stat.st_size > previous.end_offset > 0
        and prefix == previous.prefix_checksum
    ):
        start, replace = previous.end_offset, False
    result = read_source(path, format=format, mapping=mapping, start_offset=start)
    end = result.end_offset if result.end_offset is not None else stat.st_size
    entry = SourceEntry(
        path=str(path),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        checksum=checksum,
        prefix_checksum=checksum if end == stat.st_size else _sha256(path, prefix=end)[1] or "",
        end_offset=end,
        format=result.format,
        kind=result.kind.value,
        rows=result.table.num_rows + (previous.rows if not replace and previous else 0),
        rejected=len(result.rejected) + (previous.rejected if not replace and previous else 0),
        unreadable=result.unreadable,
        ingested_at=dt.datetime.now(dt.UTC),
    )
    report.files_read += 1
    report.files_appended += 0 if replace else 1
    report.rows_read += result.table.num_rows
    report.rejected_rows += len(result.rejected)
    if result.unreadable:
        report.unreadable_files.append(str(path))
    report.kinds[result.kind.value] = report.kinds.get(result.kind.value, 0) + result.table.num_rows
    # A full read always replaces: harmless for a file never stored, and right when another
    # process stored it meanwhile (see `SQLStore.write_sources`).
    return SourceWrite(entry, result, replace=replace)
