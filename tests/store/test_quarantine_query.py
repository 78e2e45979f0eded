"""`Store.quarantine` narrowed in the engine: by sources and to a limit, in source and line order,
on both backends."""

from __future__ import annotations

from pathlib import Path

from tradeperf import jobs
from tradeperf.store import open_store


def test_quarantine_by_sources_and_limit(store_url: str, tmp_path: Path) -> None:
    files = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jsonl"
        good = (
            f'{{"trade_id": "{name}1", "strategy": "s", "symbol": "X", "side": "long", '
            '"status": "CLOSED", "exit_time": "2024-05-01T12:00:00Z", "net_pnl": "1"}\n'
        )
        path.write_text(good + "".join(f'{{"broken": {i}\n' for i in range(4)))
        files.append(path)
    with open_store(store_url) as store:
        jobs.ingest(store, files)
        every = store.quarantine().to_pylist()
        only_b = store.quarantine([str(files[1].resolve())]).to_pylist()
        first = store.quarantine(limit=2).to_pylist()
    assert len(every) == 8
    assert only_b == [r for r in every if r["source"] == str(files[1].resolve())]
    assert len(only_b) == 4
    assert first == every[:2]
