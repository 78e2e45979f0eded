"""The command's contract (issue 13): secrets never shown, one meaning per flag, exit codes,
options checked before anything is written, nothing read is an error, counts that agree."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.cli.conftest import Tradeperf

TRADES = [
    {"trade_id": "a1", "symbol": "BTC-USD", "strategy": "trend", "side": "long",
     "entry_time": "2024-05-01T08:00:00Z", "exit_time": "2024-05-01T09:30:00Z",
     "net_pnl": "28.80", "status": "CLOSED"},
    {"trade_id": "a2", "symbol": "ETH-USD", "strategy": "revert", "side": "short",
     "entry_time": "2024-05-02T08:00:00Z", "exit_time": "2024-05-02T23:30:00Z",
     "net_pnl": "-30.60", "status": "CLOSED"},
    {"trade_id": "a3", "symbol": "BTC-USD", "strategy": "trend", "side": "long",
     "entry_time": "2024-05-08T08:00:00Z", "exit_time": "2024-05-08T10:00:00Z",
     "net_pnl": "48.78", "status": "CLOSED"},
]  # fmt: skip
BAD_ROWS = [
    {"trade_id": f"b{i}", "symbol": "BTC-USD", "exit_time": "2024-05-03T10:00:00Z",
     "net_pnl": "twelve", "status": "CLOSED"}
    for i in (1, 2)
]  # fmt: skip
PASSWORD = "S3cr3tPw"


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _gzipped(path: Path) -> Path:
    """A file no reader can read (a compressed log): one unreadable file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(json.dumps(TRADES[0]).encode()))
    return path


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


# -- 1. secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://bot:{PASSWORD}@127.0.0.1:1/perf", "postgresql://bot:***@127.0.0.1:1/perf"),
        (f"postgresql://bot@127.0.0.1:1/perf?password={PASSWORD}", "password=***"),
        # percent-encoded (S3cr?3tPw), and malformed percent-encoding, which libpq echoes
        ("postgresql://bot:S3cr%3F3tPw@127.0.0.1:1/perf", "postgresql://bot:***@127.0.0.1"),
        ("postgresql://bot:S3cr%zz3tPw@127.0.0.1:1/perf", "postgresql://bot:***@127.0.0.1"),
    ],
)
@pytest.mark.parametrize("command", [["store", "info"], ["report", "logs"], ["summary"]])
def test_a_failed_connection_exits_4_and_never_shows_the_password(
    tradeperf: Tradeperf, tmp_path: Path, url: str, shown: str, command: list[str]
) -> None:
    _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    ran = tradeperf(*command, "--store", url)
    assert ran.code == 4, ran.text
    assert "S3cr" not in ran.text
    assert shown in ran.err
    # one line, with no lead-in said twice ("cannot connect ...: connection failed: ...")
    assert ran.err.count("\n") == 1
    assert "connection failed" not in ran.err


def test_store_info_on_a_url_with_a_password_does_not_show_it(
    tradeperf: Tradeperf, tmp_path: Path, pg_store_url: str
) -> None:
    url = _with_password(pg_store_url, PASSWORD)  # trust auth accepts any password
    logs = _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    assert tradeperf("report", str(logs), "--store", url, "--out", "out").code == 0
    table = tradeperf("store", "info", "--store", url)
    as_json = tradeperf("store", "info", "--store", url, "--format", "json")
    assert table.code == as_json.code == 0
    for ran in (table, as_json):
        assert PASSWORD not in ran.text
    assert "postgres:***@" in table.out
    doc = json.loads(as_json.out)
    assert doc["url"].startswith("postgresql://postgres:***@")
    assert doc["counts"]["trades"] == 3
    for written in (tmp_path / "out").iterdir():
        assert PASSWORD not in written.read_text()


# -- 2. one meaning per flag, exit codes --------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["store", "prune", "--older-than", "5x"], 3, "not an age like 90d"),
        (["store", "prune", "--older-than", "0d"], 3, "not an age like 90d"),
        (["store", "prune", "--older-than", "90d", "--kinds", "trades"], 3, "cannot prune trades"),
        (["store", "prune", "--older-than", "90d", "--kinds", ","], 3, "cannot prune nothing"),
        (["report", "logs", "--format", "csv"], 3, "reader is chosen with --input-format"),
        (["report", "logs", "--format", "xml"], 3, "choose table, json or md"),
        (["report", "logs", "--input-format", "xlsx"], 3, "unknown input format 'xlsx'"),
        (["ingest", "logs", "--input-format", "xlsx"], 3, "unknown input format 'xlsx'"),
        (["ingest", "logs", "--format", "md"], 3, "choose table or json"),
        (["report", "logs", "--outputs", "xlsx"], 3, "not 'xlsx'"),
        (["report", "logs", "--outputs", ""], 3, "choose one or more of json, md"),
        (["report", "logs", "--decimal", ";"], 3, "decimal"),
        (["quarantine", "--format", "xml"], 3, "choose table or json"),
        (["store", "info", "--format", "xml"], 3, "choose table or json"),
        (["summary", "--format", "xml"], 3, "choose table, json or md"),
        (["store", "prune"], 3, "give --older-than, or a [retention] table"),
        # usage errors stay Typer's: exit 2
        (["report", "logs", "--bogus"], 2, "No such option"),
        (["report"], 2, "Missing argument"),
    ],
)
def test_a_bad_option_value_exits_3_and_a_usage_error_2(
    tradeperf: Tradeperf, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    ran = tradeperf(*args)
    assert ran.code == code, ran.text
    assert message in ran.err
    assert "Traceback" not in ran.err
    assert not (tmp_path / "tradeperf.duckdb").exists()


def test_input_format_forces_the_reader_and_format_prints(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    logs = _jsonl(tmp_path / "logs" / "day.txt", TRADES)
    ran = tradeperf("ingest", str(logs), "--input-format", "jsonl", "--format", "json")
    assert ran.code == 0, ran.text
    doc = json.loads(ran.out)
    assert (doc["files_read"], doc["rows_new"], doc["kinds"]) == (1, 3, {"trades": 3})
    summary = tradeperf("summary", "--format", "json")
    assert json.loads(summary.out)["overall"]["trades"] == 3


@pytest.mark.parametrize(
    ("outputs", "suffixes"), [("json", {".json"}), ("md", {".md"}), ("md,json", {".json", ".md"})]
)
def test_outputs_choose_the_files_report_writes(
    tradeperf: Tradeperf, tmp_path: Path, outputs: str, suffixes: set[str]
) -> None:
    logs = _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    ran = tradeperf("report", str(logs), "--out", "out", "--outputs", outputs, "--format", "json")
    assert ran.code == 0, ran.text
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    expected = {f"{n}{s}" for n in ("summary", "daily", "weekly", "monthly") for s in suffixes}
    assert set(written) == expected
    assert json.loads(ran.out)["overall"]["trades"] == 3  # --format json prints the summary


# -- 3. options checked before anything is written ----------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--tz", "Mars/Olympus"], {}, "unknown timezone 'Mars/Olympus'"),
        (["--capital", "lots"], {}, "capital"),
        (["--capital", "-5"], {}, "capital: must be positive"),
        (["--currency", "us dollars"], {}, "currency"),
        (["--start", "yesterday"], {}, "YYYY-MM-DD"),
        (["--start", "2024-05-09", "--end", "2024-05-01"], {}, "is after end"),
        (["--outputs", "json,xlsx"], {}, "not 'xlsx'"),
        (["--decimal", "'"], {}, "decimal"),
        (["--input-format", "xlsx"], {}, "unknown input format"),
        (["--map", "net_pnl"], {}, "mapping"),
        (["--format", "xml"], {}, "--format"),
        ([], {"TRADEPERF_TIMEZONE": "Mars/Olympus"}, "unknown timezone"),
        ([], {"TRADEPERF_DECIMAL": "comma"}, "decimal"),
        ([], {"TRADEPERF_MAX_DEPTH": "1"}, "max_depth: must be at least 2"),
        ([], {"TRADEPERF_MAX_LINE_BYTES": "lots"}, "max_line_bytes: expected a whole number"),
        ([], {"TRADEPERF_MAX_FIELD_CHARS": "8"}, "max_field_chars"),
    ],
)
def test_a_bad_setting_fails_before_the_store_is_created(
    tradeperf: Tradeperf,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    logs = _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ran = tradeperf("report", str(logs), "--out", "out", *args)
    assert ran.code == 3, ran.text
    assert message in ran.err
    assert not (tmp_path / "tradeperf.duckdb").exists()
    assert not (tmp_path / "out").exists()
    if not args or args[0] in ("--decimal", "--input-format", "--map"):
        # the settings and options ingest shares with report are checked before it opens
        # the store too
        again = tradeperf("ingest", str(logs), *args)
        assert again.code == 3, again.text
        assert not (tmp_path / "tradeperf.duckdb").exists()


# -- 4. nothing read is an error; partial input is not -------------------------------------


def test_an_input_of_which_nothing_can_be_read_exits_2_with_the_reason(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _gzipped(tmp_path / "logs" / "old.jsonl")
    _jsonl(tmp_path / "logs" / "bad.jsonl", BAD_ROWS)
    ran = tradeperf("report", "logs", "--out", "out")
    assert ran.code == 2, ran.text
    assert ran.err == (
        "error: nothing could be read: 1 unreadable file, 2 rejected rows; "
        "see `tradeperf quarantine`\n"
    )
    assert not (tmp_path / "out").exists()
    # what was rejected is stored, so that the quarantine shows why
    rows = json.loads(tradeperf("quarantine", "--format", "json").out)
    assert sorted((Path(r["source"]).name, r["line"]) for r in rows) == [
        ("bad.jsonl", 1),
        ("bad.jsonl", 2),
        ("old.jsonl", None),
    ]
    # the same input again (every file unchanged, so skipped) still gives nothing
    again = tradeperf("ingest", "logs")
    assert again.code == 2
    assert "nothing could be read: 1 unreadable file, 2 rejected rows" in again.err


def test_partial_input_exits_0_and_says_partial(tradeperf: Tradeperf, tmp_path: Path) -> None:
    _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    _gzipped(tmp_path / "logs" / "old.jsonl")
    ran = tradeperf("report", "logs", "--out", "out")
    assert ran.code == 0, ran.text
    assert "partial:" in ran.err
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["partial"] is True


def test_unchanged_files_with_records_are_not_nothing_read(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _jsonl(tmp_path / "logs" / "day.jsonl", TRADES)
    assert tradeperf("ingest", "logs").code == 0
    assert tradeperf("report", "logs", "--out", "out").code == 0  # all skipped, store holds them
    # a new unreadable file beside the unchanged good one: partial, not nothing read
    _gzipped(tmp_path / "logs" / "new.jsonl")
    ran = tradeperf("report", "logs", "--out", "out")
    assert ran.code == 0, ran.text
    assert "1 unchanged" in ran.err
    assert "partial:" in ran.err


# -- 5. one count per thing ----------------------------------------------------------------


def test_the_ingest_line_and_the_partial_line_count_the_same_rejects(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _jsonl(tmp_path / "logs" / "day.jsonl", TRADES + BAD_ROWS)
    _gzipped(tmp_path / "logs" / "old.jsonl")
    ran = tradeperf("report", "logs", "--out", "out")
    assert ran.code == 0, ran.text
    ingest_line, partial_line = (
        next(line for line in ran.err.splitlines() if line.startswith(lead))
        for lead in ("this run:", "partial:")
    )
    assert "2 rejected rows and 1 unreadable file" in ingest_line
    assert "3 new records of 3 read" in ingest_line
    assert "2 rejected rows and 1 unreadable file" in partial_line
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["rejected_rows"], summary["unreadable_files"]) == (2, 1)
    info = json.loads(tradeperf("store", "info", "--format", "json").out)
    assert (info["rejected_rows"], info["unreadable_files"]) == (2, 1)


def test_a_file_read_again_in_full_reports_only_its_new_records(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    header = "trade_id,symbol,exit_time,net_pnl,status\n"
    rows = [f"t{i},BTC-USD,2024-05-0{i}T10:00:00Z,{i}.5,CLOSED\n" for i in (1, 2, 3)]
    csv = tmp_path / "trades.csv"
    csv.write_text(header + "".join(rows))
    assert "3 new records of 3 read" in tradeperf("ingest", str(csv)).out
    # a CSV that changed is read again in full: its three old rows are not new
    csv.write_text(header + "".join(rows) + "t4,BTC-USD,2024-05-04T10:00:00Z,4.5,CLOSED\n")
    assert "1 new record of 4 read" in tradeperf("ingest", str(csv)).out
    # other reader options read it again in full too, and give the same rows
    assert "0 new records of 4 read" in tradeperf("ingest", str(csv), "--decimal", ".").out


def test_a_missing_config_file_is_named_once(tradeperf: Tradeperf) -> None:
    ran = tradeperf("summary", "--config", "nope.toml")
    assert ran.code == 3
    assert ran.err.count("nope.toml") == 1


# -- 6. reader options ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["flag", "env"])
def test_the_decimal_mark_reaches_the_csv_reader(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    (tmp_path / "eu.csv").write_text(
        "trade_id;symbol;exit_time;net_pnl;status\n"
        "t1;BTC-USD;2024-05-01T10:00:00Z;1.170,50;CLOSED\n"
        "t2;BTC-USD;2024-05-02T10:00:00Z;-20,25;CLOSED\n"
    )
    args = ["--decimal", ","] if how == "flag" else []
    if how == "env":
        monkeypatch.setenv("TRADEPERF_DECIMAL", ",")
    ran = tradeperf("report", "eu.csv", "--out", "out", "--format", "json", *args)
    assert ran.code == 0, ran.text
    assert json.loads(ran.out)["overall"]["net_pnl"] == pytest.approx(1170.50 - 20.25)


def test_the_size_limits_reach_the_readers(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = dict(TRADES[1], note="x" * 300)
    _jsonl(tmp_path / "logs" / "day.jsonl", [TRADES[0], long])
    monkeypatch.setenv("TRADEPERF_MAX_LINE_BYTES", "200")
    ran = tradeperf("ingest", "logs")
    assert ran.code == 0, ran.text
    assert "1 new record of 1 read" in ran.out
    (reject,) = json.loads(tradeperf("quarantine", "--format", "json").out)
    assert reject["line"] == 2
    assert "max_line_bytes" in reject["reason"]
