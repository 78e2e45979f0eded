"""The entry points: find source files, and read one file with the right reader.

`read_source` never raises for bad content: a file that cannot be opened or understood comes
back ``unreadable`` with one `RejectedRow` saying why, bad rows are quarantined, good rows are
kept. It raises only for impossible requests (an unknown format, a bad column mapping, an
offset on a format that has none). An empty file (or only blank lines) is fine: zero rows, no
rejects, not unreadable, ``format="empty"``.

Sources are named by their absolute path (symlinks resolved); a derived trade id depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from tradeperf.errors import InputError, NoSourceFilesError
from tradeperf.ingest.assemble import unreadable
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.formats import FORMATS, ReadRequest, Sniffed, get_format, sniff_format
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.records import RecordKind

#: File name endings picked up when a folder is given (case-insensitive).
SOURCE_SUFFIXES: Final = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".log")
#: Endings skipped in folders: freqtrade's run metadata beside a backtest export.
SKIPPED_SUFFIXES: Final = (".meta.json",)
#: Names skipped in folders: tradeperf's own alert log (`tradeperf.alerts.sinks`), which
#: sits in a bot's ``logs/`` by default.
SKIPPED_NAMES: Final = frozenset({"performance-alerts.jsonl"})


def discover(paths: str | Path | Iterable[str | Path], *, skip: Iterable[Path] = ()) -> list[Path]:
    """Expand files and folders into the list of source files to read.

    A file named explicitly is always taken, whatever its extension. A folder is searched
    recursively for files ending in `SOURCE_SUFFIXES`, skipping hidden files and folders
    (names starting with ``.``), freqtrade's ``*.meta.json``, tradeperf's own alert log
    (`SKIPPED_NAMES`) and the files of ``skip``. The result is sorted within each folder, in
    the order the paths were given, without duplicates, as absolute paths.

    Parameters
    ----------
    paths
        One path or several.
    skip
        Files a folder's search leaves out (the alert log of the settings).

    Returns
    -------
    list of absolute file paths.

    Raises
    ------
    InputError
        If a path does not exist, or (`NoSourceFilesError`) a folder holds no source files.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    skipped = {p.resolve() for p in skip}
    if not items:
        raise InputError("no input paths given")
    found: dict[Path, None] = {}
    for item in items:
        path = Path(item).expanduser()
        if not path.exists():
            raise InputError("no such file or folder", path=str(item))
        if path.is_file():
            found[path.resolve()] = None
            continue
        # the folder is resolved once: what lies in it is then absolute and resolved, but for
        # symbolic links, resolved each (a resolve per file is ~0.3 ms, too much for `watch`)
        root = path.resolve()
        picked = sorted(
            p.resolve() if p.is_symlink() else p
            for p in root.rglob("*")
            if p.name.lower().endswith(SOURCE_SUFFIXES)
            and not p.name.lower().endswith(SKIPPED_SUFFIXES)
            and p.name.lower() not in SKIPPED_NAMES
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
            and p.is_file()
        )
        picked = [p for p in picked if p not in skipped]
        if not picked:
            raise NoSourceFilesError(
                "folder holds no trade files (looked for "
                + ", ".join(f"*{s}" for s in SOURCE_SUFFIXES)
                + ", skipping hidden files)",
                path=str(item),
            )
        found.update(dict.fromkeys(picked))
    return list(found)


def read_source(
    path: str | Path,
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    start_offset: int = 0,
    start_line: int | None = None,
    kind: RecordKind | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read one source file into validated records and quarantined rows.

    Parameters
    ----------
    path
        The file.
    options
        The reader options: ``input_format`` (one of `FORMATS`) skips detection by
        content; ``mapping`` renames source columns (canonical -> source); ``decimal`` is the
        decimal mark of CSV numbers; ``limits`` bound lines, values and nesting.
    start_offset
        Byte offset to start a JSONL file at (the previous ``end_offset``).
    start_line
        The number of lines before ``start_offset`` (the previous ``end_line``); None
        counts them.
    kind
        The record kind; None detects it from the columns.
    fast
        Use the vectorised columnar path for CSV, Parquet and JSONL where it applies; False
        forces the row path; None follows the environment variable ``TRADEPERF_INGEST_FAST``
        (``0`` turns it off; on by default). The result is the same.

    Returns
    -------
    ReadResult; ``source`` is the absolute path.

    Raises
    ------
    InputError
        For an unknown ``input_format``, a mapping naming a column the file lacks, or a
        ``start_offset`` on a file that is not JSONL.
    """
    name = options.input_format
    if name is not None and name not in FORMATS:
        raise InputError(f"unknown input format {name!r} (known: {', '.join(FORMATS)})")
    p = Path(path).expanduser()
    try:
        p = p.resolve()
        source = str(p)
        sniffed = Sniffed(name) if name else sniff_format(p)
    except OSError as exc:
        return unreadable(str(p), f"cannot read file: {exc.strerror or exc}")
    fmt = sniffed.format
    if start_offset and not (fmt == "empty" or (fmt and get_format(fmt).appendable)):
        raise InputError(
            f"a start offset applies to JSONL files only; this file is {fmt or 'unreadable'}",
            path=source,
        )
    if fmt is None:
        return unreadable(source, sniffed.reason)
    request = ReadRequest(
        source=source,
        options=options,
        kind=kind,
        start_offset=start_offset,
        start_line=start_line,
        fast=fast,
    )
    try:
        if fmt == "empty":
            result = get_format("jsonl").read(p, request)
            result.format = "empty"
            return result
        return get_format(fmt).read(p, request)
    except OSError as exc:
        return unreadable(source, f"cannot read file: {exc.strerror or exc}", fmt=fmt)
