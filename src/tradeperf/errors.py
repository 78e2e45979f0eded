"""The library's own errors.

Every error a user can cause (bad input, a bad option, an unreachable store) is a
`TradeperfError`; the CLI turns it into one line on stderr and the exit code given by
``exit_code``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class TradeperfError(Exception):
    """Base of all errors a user can cause. ``exit_code`` is the CLI's exit status."""

    exit_code = 1


class InputError(TradeperfError):
    """Input that cannot be read, naming the file, line and field where known.

    Parameters
    ----------
    message
        What is wrong, in a user's words.
    path
        The file, if any.
    line
        1-based line (or row) number, if any.
    field
        The field or column, if any.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = message
        where = ":".join(str(p) for p in (path, line) if p is not None)
        prefix = f"{where}: " if where else ""
        suffix = f" (field {field!r})" if field else ""
        super().__init__(f"{prefix}{message}{suffix}")


class NoSourceFilesError(InputError):
    """A folder given as input holds no source file (yet: ``watch`` waits for one)."""


class NothingReadError(InputError):
    """An input of which nothing at all could be read.

    Its files gave no record, and at least one was unreadable or had its rows rejected.

    Parameters
    ----------
    unreadable_files
        How many of the files could not be read at all.
    rejected_rows
        How many rows of the readable files were rejected.
    """

    def __init__(self, *, unreadable_files: int, rejected_rows: int) -> None:
        self.unreadable_files = unreadable_files
        self.rejected_rows = rejected_rows
        counts = [
            f"{n} {word}{'' if n == 1 else 's'}"
            for n, word in ((unreadable_files, "unreadable file"), (rejected_rows, "rejected row"))
            if n
        ]
        super().__init__(f"nothing could be read: {', '.join(counts)}; see `tradeperf quarantine`")


class ConfigError(TradeperfError):
    """An invalid option or setting (unknown timezone, bad store URL, bad mapping)."""

    exit_code = 3


class StoreError(TradeperfError):
    """The store cannot be opened, migrated or written."""

    exit_code = 4
