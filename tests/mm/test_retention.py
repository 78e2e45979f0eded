"""Retention per kind from the config file, applied on ingest and by store prune."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import shared_file
from tradeperf.cli.app import app
from tradeperf.store import open_store


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tradeperf.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_ingest_applies_retention_to_quotes(shared_data: Path, tmp_path: Path) -> None:
    quotes = shared_file(shared_data, "nautilus-binance-btcusdt/btcusdt-quotes.parquet")
    trades = shared_file(shared_data, "nautilus-binance-btcusdt/btcusdt-trades.parquet")
    store = f"duckdb://{tmp_path / 's.duckdb'}"
    config = _config(tmp_path, '[retention]\nquotes = "7d"\npublic_trades = "forever"\n')
    ran = CliRunner().invoke(
        app, ["ingest", str(quotes), str(trades), "--store", store, "--config", str(config)]
    )
    assert ran.exit_code == 0, ran.output
    # 2021 quotes are older than a week and no fill needs them: all go but the symbol's last
    # book (a later fill's markout starts from it); public trades are kept for ever
    assert "quotes: 450 rows past their retention deleted (1 older kept" in ran.output
    with open_store(store) as st:
        assert st._fetch("SELECT count(*) FROM quotes")[0][0] == 1  # the book's last row
        # the trades file has no symbol column: its rows are quarantined naming the field
        assert st._fetch("SELECT count(*) FROM public_trades")[0][0] == 0
        fields = {r[0] for r in st._fetch("SELECT DISTINCT field FROM quarantine")}
        assert fields == {"symbol"}


def test_store_prune_uses_retention_and_refuses_without(tmp_path: Path) -> None:
    from tradeperf.mm.generator import MMDayConfig, generate_mm_day, write_mm_day

    day = generate_mm_day(MMDayConfig(seed=2, hours=0.1, stress_start=0.05, stress_hours=0.01))
    files = write_mm_day(day, tmp_path / "day")
    store = f"duckdb://{tmp_path / 's.duckdb'}"
    runner = CliRunner()
    ran = runner.invoke(
        app,
        [
            "ingest",
            str(files["quotes"]),
            str(files["fills"]),
            "--store",
            store,
            "--config",
            str(_config(tmp_path, "")),
        ],
    )
    assert ran.exit_code == 0, ran.output
    refused = runner.invoke(
        app, ["store", "prune", "--store", store, "--config", str(_config(tmp_path, ""))]
    )
    assert refused.exit_code != 0
    config = _config(tmp_path, '[retention]\nquotes = "1h"\n')
    ran = runner.invoke(app, ["store", "prune", "--store", store, "--config", str(config)])
    assert ran.exit_code == 0, ran.output
    # fills are stored and no markout partials exist yet: every quote stays
    assert "quotes: 0 rows past their retention deleted" in ran.output
    assert "run tradeperf mm partials" in " ".join(ran.output.split())
    bad = runner.invoke(
        app,
        [
            "store",
            "prune",
            "--store",
            store,
            "--config",
            str(_config(tmp_path, '[retention]\nquotes = "soon"\n')),
        ],
    )
    assert bad.exit_code != 0
