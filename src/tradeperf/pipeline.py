"""The ingestion pipeline: stat, hash, fingerprint, read and write each source, then book.

Read each source, skip what is already stored, write atomically; the store keeps the
transactions, tables and queries (`tradeperf.store`), this module decides what to read.

Each file is indexed by size, modification time, a content digest and the byte offset of its
last complete line. A file whose size and modification time are unchanged (and were not
racy, see `RACY_NS`) is skipped without being read; a line-oriented log whose read prefix
still has the same `prefix_fingerprint` is read on from that offset, so a re-ingest costs in
proportion to the appended bytes; any other file is hashed (skipped if its content digest
is the stored one) and otherwise read again in full, replacing what was stored from it.
Rows, rejects and the index entry of a file commit together.

The fingerprint sees a change of the prefix's length, head or tail, as rotation and rewriting
make; an in-place edit in the middle of a long log that keeps its length is not seen, as
with any reader that follows a log's tail.

The content digest (`content_digest`) is a SHA-256 chain over the file's 1 MiB blocks, so it
depends on the content only, not on how the file was read, and a grown log's digest goes on
from its last whole block before the read offset instead of starting again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.jsonl import count_newlines
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.ingest.read import read_source
from tradeperf.ingest.text import has_utf16_bom
from tradeperf.records import SCHEMAS, RecordKind
from tradeperf.store.base import SourceEntry, SourceWrite, Store

#: The block of `content_digest`.
DIGEST_BLOCK = 1 << 20
#: Bytes at each end of a log's read prefix that `prefix_fingerprint` hashes.
FINGERPRINT_BLOCK = 64 * 1024
#: A file modified this close to its ingestion may have changed again within the clock's
#: resolution without a new modification time: it is checked by content, not by stat.
RACY_NS = 2_000_000_000
#: Files are written in batches, one transaction each: a batch is stored whole or not at all,
#: so every file in it is too.
BATCH_ROWS = 200_000
BATCH_FILES = 500


@dataclass(slots=True)
class IngestReport:
    """What one ingestion run did, file by file and in total.

    ``files``: the absolute paths of the sources it was given; ``rejected_rows``: the rejected
    rows of the readable files read, an unreadable file counting once, in
    ``unreadable_files``; ``booked_*`` and ``late``: what booking the fills did
    (`tradeperf.store.BookingNote`).
    """

    files_read: int = 0
    files_skipped: int = 0
    files_appended: int = 0
    rows_read: int = 0
    rows_new: int = 0
    rejected_rows: int = 0
    unreadable_files: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    #: fills read to book what was written, positions booked from a checkpoint, and the
    #: symbols a late fill (earlier than ones booked) booked again, from that instant
    booked_fills: int = 0
    booked_resumed: int = 0
    late: dict[str, dt.datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContentDigest:
    """The digest of a file's content and the chain state at each block boundary it passed.

    ``states``: (offset, chain) pairs in offset order, the starting state first.
    """

    hexdigest: str
    states: list[tuple[int, bytes]]

    def state_before(self, offset: int) -> str:
        """Give the last state at or before ``offset``, stored as ``"offset:chain-hex"``."""
        at, chain = max((s for s in self.states if s[0] <= offset), key=lambda s: s[0])
        return f"{at}:{chain.hex()}"


def content_digest(path: Path, size: int, resume: str = "") -> ContentDigest:
    """Digest the first ``size`` bytes of ``path``, going on from ``resume``.

    ``resume`` is a `ContentDigest.state_before` string; empty or malformed, the digest
    starts from the beginning.

    Definition: ``c_0`` is empty; for each whole `DIGEST_BLOCK` ``b_k``,
    ``c_k = sha256(c_{k-1} || sha256(b_k))``; the digest is the hex SHA-256 of ``c_n ||
    sha256(rest) || size`` (``rest``: the bytes after the last whole block).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x"
    >>> _ = p.write_bytes(b"a" * (DIGEST_BLOCK + 10))
    >>> whole = content_digest(p, DIGEST_BLOCK + 10)
    >>> half = content_digest(p, DIGEST_BLOCK + 5)
    >>> resumed = content_digest(p, DIGEST_BLOCK + 10, half.state_before(DIGEST_BLOCK + 5))
    >>> resumed.hexdigest == whole.hexdigest, resumed.states[0][0] == DIGEST_BLOCK
    (True, True)
    """
    at, chain = 0, b""
    if resume:
        offset, _, hexed = resume.partition(":")
        try:
            at, chain = int(offset), bytes.fromhex(hexed)
        except ValueError:
            at, chain = 0, b""
        if at > size or at % DIGEST_BLOCK:
            at, chain = 0, b""
    states = [(at, chain)]
    with path.open("rb") as f:
        f.seek(at)
        while size - at >= DIGEST_BLOCK:
            block = f.read(DIGEST_BLOCK)
            if len(block) < DIGEST_BLOCK:
                break  # the file shrank under us: digest what is there
            chain = hashlib.sha256(chain + hashlib.sha256(block).digest()).digest()
            at += DIGEST_BLOCK
            states.append((at, chain))
        rest = f.read(size - at)
    final = hashlib.sha256(chain + hashlib.sha256(rest).digest() + str(size).encode())
    return ContentDigest(final.hexdigest(), states)


def prefix_fingerprint(path: Path, end: int) -> str:
    """Fingerprint the first ``end`` bytes of ``path``.

    The fingerprint is the SHA-256 of their first and last `FINGERPRINT_BLOCK` bytes and of
    ``end`` itself (all of them for a short prefix).

    Reading the whole prefix again would make every re-ingest of a growing log cost its whole
    size; a rotated or rewritten log differs at its head or just before the old offset (log
    shippers such as Filebeat and Vector recognise a file by its head in the same way).
    """
    h = hashlib.sha256(f"{end}:".encode())
    with path.open("rb") as f:
        head = f.read(min(end, FINGERPRINT_BLOCK))
        h.update(head)
        tail_start = max(len(head), end - FINGERPRINT_BLOCK)
        if tail_start < end:
            f.seek(tail_start)
            h.update(f.read(end - tail_start))
    return "fp1:" + h.hexdigest()


def ingest_paths(
    store: Store,
    files: Sequence[Path],
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Ingest ``files`` (already discovered, see `tradeperf.ingest.read.discover`) into ``store``.

    Parameters
    ----------
    store
        The open store.
    files
        Source files.
    options
        The reader options (forced format, column mapping, decimal mark, limits); a file
        stored with other options is read again in full.
    on_file
        Called after each file is read (for a progress bar).

    Returns
    -------
    IngestReport
        What the run did. Bad rows never raise: they are quarantined and counted.

    Raises
    ------
    StoreError
        If the store cannot be written (then the file being written is not stored at all).
    """
    # discover's paths are resolved already: resolving them again costs ~0.3 ms each
    files = [p if p.is_absolute() else p.resolve() for p in files]
    report = IngestReport(files=list(files))
    known = store.source_entries()
    pending: list[SourceWrite] = []
    pending_rows = 0
    for path in files:
        write = _read_one(path, known, report, options=options)
        if write is not None:
            pending.append(write)
            pending_rows += write.result.table.num_rows + len(write.result.rejected)
        if pending_rows >= BATCH_ROWS or len(pending) >= BATCH_FILES:
            report.rows_new += _write(store, pending, report)
            pending, pending_rows = [], 0
        if on_file is not None:
            on_file(path)
    report.rows_new += _write(store, pending, report)
    return report


def _write(store: Store, pending: list[SourceWrite], report: IngestReport) -> int:
    """Write ``pending``; what its booking did goes into ``report``."""
    store.booking = None
    n = store.write_sources(pending)
    note = store.booking
    if note is not None:
        report.booked_fills += note.fills
        report.booked_resumed += note.resumed
        for symbol, at in note.late.items():
            report.late[symbol] = min(at, report.late.get(symbol, at))
    return n


def _read_one(
    path: Path,
    known: dict[str, SourceEntry],
    report: IngestReport,
    *,
    options: ReadOptions,
) -> SourceWrite | None:
    """Read ``path`` as far as it is new; None when it is unchanged since last stored."""
    stat = path.stat()
    identity = options.identity()
    previous = known.get(str(path))
    if previous is not None and previous.options != identity:
        previous = None  # read with other options: read it all again, replacing what it gave
    if previous is not None and _unchanged_by_stat(previous, stat):
        report.files_skipped += 1
        return None
    if (
        previous is not None
        and previous.format == "jsonl"
        and options.input_format in (None, "jsonl")
        and stat.st_size >= previous.end_offset > 0
        and not _utf16(path)  # transcoded whole: no byte offset to go on from
        and prefix_fingerprint(path, previous.end_offset) == previous.prefix_checksum
    ):
        start, replace = previous.end_offset, False
        digest = content_digest(path, stat.st_size, previous.digest_state)
    else:
        start, replace = 0, True
        digest = content_digest(path, stat.st_size)
    if previous is not None and previous.checksum == digest.hexdigest:
        report.files_skipped += 1
        if stat.st_mtime_ns == previous.mtime_ns:
            return None
        # touched, not changed: store the new time, so that the next run needs only a stat
        kind = RecordKind(previous.kind)
        nothing = ReadResult(str(path), kind, SCHEMAS[kind].empty_table())
        now = dt.datetime.now(dt.UTC)
        touched = dataclasses.replace(previous, mtime_ns=stat.st_mtime_ns, ingested_at=now)
        return SourceWrite(touched, nothing, replace=False)
    # an appended read numbers its lines on from the stored count (0: not known, count them)
    start_line = None
    if previous is not None and start:
        start_line = previous.end_line or count_newlines(path, start)
    result = read_source(path, options=options, start_offset=start, start_line=start_line)
    end = result.end_offset if result.end_offset is not None else stat.st_size
    read = {result.kind.value: result.table.num_rows}
    for kind, extra in result.extra.items():  # other kinds it holds (a statement's FX rates)
        read[kind.value] = read.get(kind.value, 0) + extra.num_rows
    entry = SourceEntry(
        path=str(path),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        checksum=digest.hexdigest,
        prefix_checksum=prefix_fingerprint(path, end),
        end_offset=end,
        format=result.format,
        kind=result.kind.value,
        rows=sum(read.values()) + (previous.rows if not replace and previous else 0),
        rejected=len(result.rejected) + (previous.rejected if not replace and previous else 0),
        unreadable=result.unreadable,
        ingested_at=dt.datetime.now(dt.UTC),
        digest_state=digest.state_before(end),
        end_line=result.end_line or 0,
        options=identity,
        capital=_account(result.capital, previous.capital if previous and not replace else ""),
        currency=result.currency or (previous.currency if previous and not replace else ""),
    )
    report.files_read += 1
    report.files_appended += 0 if replace else 1
    report.rows_read += sum(read.values())
    if result.unreadable:  # counted once, as an unreadable file, not also as a rejected row
        report.unreadable_files.append(str(path))
    else:
        report.rejected_rows += len(result.rejected)
    for name, n in read.items():
        report.kinds[name] = report.kinds.get(name, 0) + n
    # A full read always replaces: harmless for a file never stored, and right when another
    # process stored it meanwhile (see `SQLStore.write_sources`).
    return SourceWrite(entry, result, replace=replace, after_line=start_line)


def _account(capital: Decimal | None, before: str) -> str:
    return before if capital is None else str(capital)


def _utf16(path: Path) -> bool:
    with path.open("rb") as f:
        return has_utf16_bom(f.read(2))


def _unchanged_by_stat(previous: SourceEntry, stat: os.stat_result) -> bool:
    """Tell whether ``stat`` shows the file as it was stored.

    That is the same size and modification time, and that time well before the ingestion
    (else a change within the clock's resolution could hide behind the same time).
    """
    ingested_ns = int(previous.ingested_at.timestamp() * 1e9)
    return (
        stat.st_size == previous.size
        and stat.st_mtime_ns == previous.mtime_ns
        and stat.st_mtime_ns < ingested_ns - RACY_NS
    )
