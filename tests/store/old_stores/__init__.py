"""Stores as old schema versions left them, checked in as SQL dumps (``v{N}.{dialect}.sql``).

Each dump holds the tables version ``N`` created (the frozen DDL of migrations 1..N, verbatim)
and the rows such a store held after ingesting `write_inputs` (trade logs with a bad line,
fills, marks). `make.py` wrote them once; the migration test loads them and opens the store
with the current code. In a dump each statement ends with ``;`` at the end of a line.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import GOOD
from tests.cli.test_fills_report import FILLS, MARKS

HERE = Path(__file__).parent

#: The schema versions checked in: the first, the first with every record kind's table, the
#: first with exchange rates and conflicts, the first with books, the first with checkpoints,
#: the last whose trades had no account and venue.
VERSIONS = (1, 3, 9, 10, 11, 12)

#: The inputs: two closed trades of the CLI tests and the fills and marks of the fills report
#: tests (change them and run `make.py` again: the dumps hold what these inputs give).
TRADES = GOOD[:2]
#: The fills with the venue each executed at (a round trip kept from them has its opening
#: fill's venue).
VENUE_FILLS = (
    "\n".join(
        f"{line},venue" if i == 0 else f"{line},{'coinbase' if 'BTC' in line else 'kraken'}"
        for i, line in enumerate(FILLS.strip().splitlines())
    )
    + "\n"
)

#: Written after the migration, to both the migrated and a new store.
LATER_FILLS = """fill_id,timestamp,symbol,side,quantity,price,fee,strategy
g1,2024-05-06T09:00:00Z,ETH-USD,buy,4,2900,1,mm
"""


def write_inputs(folder: Path, *, with_fills: bool) -> list[Path]:
    """Write the inputs the dumps were made from into ``folder``; return the paths to ingest.

    ``with_fills`` is false for stores older than version 3 (no fills table yet).
    """
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(t) for t in TRADES] + ['{"trade_id": "b1", "net_pnl": "twelve"']
    (logs / "2024-05-01.jsonl").write_text("\n".join(lines) + "\n")
    paths = [logs]
    if with_fills:
        (folder / "fills.csv").write_text(VENUE_FILLS)
        (folder / "marks.csv").write_text(MARKS)
        paths += [folder / "fills.csv", folder / "marks.csv"]
    return paths


def statements(path: Path) -> list[str]:
    """The statements of a dump, in order (comment lines skipped)."""
    out: list[str] = []
    pending: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not pending and (line.startswith("--") or not line.strip()):
            continue
        pending.append(line)
        if line.endswith(";"):
            out.append("\n".join(pending).removesuffix(";"))
            pending = []
    assert not pending, f"{path}: the last statement has no ';'"
    return out
