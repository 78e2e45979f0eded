"""Who holds a DuckDB store: the file beside it that a running ``tradeperf serve`` leaves.

A DuckDB file has one writing process, and while it runs no other process may open the file,
even to read. The service writes ``STORE.service.json`` beside the store it holds (its URL and
process id) and removes it when it stops; the commands read it, to go through the service's
API or to say what holds the store, instead of failing on a lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Holder", "holder_of", "holder_path", "release", "write_holder"]


@dataclass(frozen=True, slots=True)
class Holder:
    """A running service that holds a store: its base URL and process id."""

    url: str
    pid: int
    started: str

    def describe(self) -> str:
        """Say what holds the store, for an error message."""
        return (
            f"`tradeperf serve` (pid {self.pid}, since {self.started}) holds it and serves it "
            f"at {self.url}: ask it (curl {self.url}/v1/summary) or stop it"
        )


def holder_path(store_path: str | Path) -> Path:
    """Return the path of the holder file of the DuckDB file ``store_path``."""
    p = Path(store_path)
    return p.with_name(p.name + ".service.json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_of(store_path: str | Path) -> Holder | None:
    """Return the live service holding ``store_path``, or None (no file, or its process ended).

    A damaged or stale file (its process gone) is ignored.
    """
    if str(store_path) == ":memory:":
        return None
    try:
        doc = json.loads(holder_path(store_path).read_text(encoding="utf-8"))
        holder = Holder(str(doc["url"]), int(doc["pid"]), str(doc.get("started", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return holder if _alive(holder.pid) else None


def write_holder(store_path: str | Path, url: str, started: str) -> Path:
    """Write the holder file of ``store_path`` for this process (atomically); return its path."""
    path = holder_path(store_path)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"url": url, "pid": os.getpid(), "started": started}), encoding="utf-8"
    )
    os.replace(tmp, path)
    return path


def release(store_path: str | Path) -> None:
    """Remove the holder file of ``store_path`` if this process wrote it."""
    path = holder_path(store_path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if int(doc.get("pid", -1)) == os.getpid():
            path.unlink()
    except (OSError, ValueError, TypeError):
        return
