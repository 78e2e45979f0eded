"""Store URLs keep their passwords to themselves and libpq's own ways of keeping one out of the
URL work; what an ingestion counts agrees with what the store holds (issue 13)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from tradeperf import jobs
from tradeperf.errors import InputError, NothingReadError, StoreError
from tradeperf.ingest.options import ReadOptions
from tradeperf.store import open_store, redact_message, redact_url

PASSWORD = "S3cr3tPw"
TRADE = {"symbol": "BTC-USD", "exit_time": "2024-05-01T10:00:00Z", "status": "CLOSED"}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://bot:{PASSWORD}@db:5432/perf", "postgresql://bot:***@db:5432/perf"),
        (f"postgres://bot:{PASSWORD}@db/perf", "postgres://bot:***@db/perf"),
        (f"postgresql://:{PASSWORD}@db/perf", "postgresql://:***@db/perf"),
        # an unencoded @ or / in the password is masked with it, never shown in part
        ("postgresql://bot:S3c@r/3t@db/perf", "postgresql://bot:***@db/perf"),
        (
            f"postgresql://bot@db/perf?sslmode=require&password={PASSWORD}&application_name=x",
            "postgresql://bot@db/perf?sslmode=require&password=***&application_name=x",
        ),
        (
            f"postgresql://bot@db/perf?sslpassword={PASSWORD}",
            "postgresql://bot@db/perf?sslpassword=***",
        ),
        (
            f"host=db user=bot password={PASSWORD} dbname=perf",
            "host=db user=bot password=*** dbname=perf",
        ),
        ("host=db password='S3 cr3t' dbname=perf", "host=db password=*** dbname=perf"),
        # nothing to mask
        ("postgresql://bot@db/perf", "postgresql://bot@db/perf"),
        ("postgresql:///?service=perf", "postgresql:///?service=perf"),
        ("duckdb:///var/lib/a:b@c.duckdb", "duckdb:///var/lib/a:b@c.duckdb"),
    ],
)
def test_redact_url_masks_every_password_as_sqlalchemy_does(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_a_driver_message_echoing_a_token_of_the_url_is_masked() -> None:
    url = "postgresql://bot:S3cr%3F3t@db/perf"  # the password is S3cr?3t
    message = 'bad password "S3cr?3t" or "S3cr%3F3t" for\n\tpostgresql://bot:S3cr%3F3t@db/perf'
    shown = redact_message(message, url)
    assert "S3cr" not in shown
    assert "\n" not in shown


def _with_password(url: str, password: str) -> str:
    return url.replace("postgres@", f"postgres:{password}@", 1)


def test_a_url_with_a_password_is_masked_in_repr_info_and_errors(pg_store_url: str) -> None:
    url = _with_password(pg_store_url, PASSWORD)  # trust auth accepts any password
    assert PASSWORD in url
    with open_store(url) as store:
        assert PASSWORD not in repr(store)
        assert PASSWORD not in store.url
        assert store.info().url.startswith("postgresql://postgres:***@")
    unreachable = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test"
    with pytest.raises(StoreError) as failed:
        open_store(unreachable)
    assert PASSWORD not in str(failed.value)
    assert "postgres:***@127.0.0.1:1" in str(failed.value)


@pytest.mark.parametrize("url", ["postgresql://?service=tp-test", "postgresql:///?service=tp-test"])
def test_a_service_file_url_opens_the_real_server(
    pg_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    # the service file names the server, the schema of this test and the password: the
    # store URL names only the service
    params = {k: v for k, v in conninfo_to_dict(pg_store_url).items() if v}
    lines = ["[tp-test]", *(f"{k}={v}" for k, v in params.items()), f"password={PASSWORD}"]
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text("\n".join(lines) + "\n")
    service_file.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    for name in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGOPTIONS"):
        monkeypatch.delenv(name, raising=False)
    log = tmp_path / "day.jsonl"
    log.write_text(json.dumps({**TRADE, "trade_id": "s1", "net_pnl": "2"}) + "\n")
    with open_store(url) as store:
        assert store.url == url
        assert jobs.ingest(store, [log]).rows_new == 1
    # the same schema of the same server, reached by the plain URL
    with open_store(pg_store_url) as store:
        assert store.info().counts["trades"] == 1
    # without the service file the URL names no server libpq can reach
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "missing.conf"))
    with pytest.raises(StoreError, match="service"):
        open_store(url)


# -- counts ----------------------------------------------------------------------------------


def _csv(path: Path, ids: list[int], pnl: str = "{i}.5") -> Path:
    header = "trade_id,symbol,exit_time,net_pnl,status\n"
    rows = "".join(f"t{i},BTC-USD,2024-05-0{i}T10:00:00Z,{pnl.format(i=i)},CLOSED\n" for i in ids)
    path.write_text(header + rows)
    return path


def test_a_file_read_again_in_full_counts_only_its_new_rows(store_url: str, tmp_path: Path) -> None:
    csv = _csv(tmp_path / "trades.csv", [1, 2, 3])
    with open_store(store_url) as store:
        assert jobs.ingest(store, [csv]).rows_new == 3
        _csv(csv, [1, 2, 3, 4])  # a CSV that changed is read again in full
        again = jobs.ingest(store, [csv])
        assert (again.files_read, again.files_appended, again.rows_read) == (1, 0, 4)
        assert again.rows_new == 1
        # other options read it again in full as well: the same rows, none new
        same = jobs.ingest(store, [csv], options=ReadOptions(decimal="."))
        assert (same.rows_read, same.rows_new) == (4, 0)
        # a row changed in place replaces the stored one and is not new either
        _csv(csv, [1, 2, 3, 4], pnl="{i}0")
        changed = jobs.ingest(store, [csv])
        assert changed.rows_new == 0
        stored = {r["trade_id"]: r["net_pnl"] for r in store.trades().to_pylist()}
        assert stored == {f"t{i}": i * 10 for i in (1, 2, 3, 4)}
        assert store.info().counts["trades"] == 4


def test_an_appended_log_counts_only_the_appended_rows(store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "day.jsonl"
    lines = [json.dumps({**TRADE, "trade_id": f"j{i}", "net_pnl": str(i)}) for i in range(3)]
    log.write_text("\n".join(lines[:2]) + "\n")
    with open_store(store_url) as store:
        assert jobs.ingest(store, [log]).rows_new == 2
        log.write_text("\n".join(lines) + "\n")
        appended = jobs.ingest(store, [log])
        assert (appended.files_appended, appended.rows_new) == (1, 1)


def test_an_unreadable_file_counts_once_in_the_run_and_in_the_store(
    store_url: str, tmp_path: Path
) -> None:
    (tmp_path / "old.jsonl").write_bytes(gzip.compress(b"{}\n"))
    rows = [{**TRADE, "trade_id": "g1", "net_pnl": "1"}]
    rows += [{**TRADE, "trade_id": f"b{i}", "net_pnl": "twelve"} for i in (1, 2)]
    (tmp_path / "day.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with open_store(store_url) as store:
        report = jobs.ingest(store, [tmp_path])
        info = store.info()
    assert (report.rejected_rows, len(report.unreadable_files)) == (2, 1)
    assert (info.rejected_rows, info.unreadable_files) == (2, 1)
    assert info.counts["quarantine"] == 3  # the whole-file reject is kept, counted once


def test_nothing_read_is_an_input_error_raised_by_the_job(store_url: str, tmp_path: Path) -> None:
    (tmp_path / "old.jsonl").write_bytes(gzip.compress(b"{}\n"))
    bad = [{**TRADE, "trade_id": f"b{i}", "net_pnl": "twelve"} for i in (1, 2, 3)]
    (tmp_path / "day.jsonl").write_text("".join(json.dumps(r) + "\n" for r in bad))
    with open_store(store_url) as store:
        with pytest.raises(NothingReadError) as nothing:
            jobs.ingest(store, [tmp_path])
        assert isinstance(nothing.value, InputError)
        assert (nothing.value.unreadable_files, nothing.value.rejected_rows) == (1, 3)
        assert str(nothing.value) == (
            "nothing could be read: 1 unreadable file, 3 rejected rows; see `tradeperf quarantine`"
        )
        assert store.info().counts["quarantine"] == 4  # stored, for the quarantine to show
        # an empty file is not a failure to read: nothing was rejected
        (tmp_path / "empty").mkdir()
        (tmp_path / "empty" / "none.jsonl").write_text("")
        assert jobs.ingest(store, [tmp_path / "empty"]).rows_read == 0
