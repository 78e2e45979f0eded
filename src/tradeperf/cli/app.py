"""The ``tradeperf`` command: thin wrappers that parse options, call the library, present.

Errors a user can cause (`TradeperfError`) become one line on stderr and the error's exit
code: 1 general, 2 bad input (also: nothing could be read) or usage, 3 bad option value or
setting, 4 store. Only bugs show a traceback. One flag means one thing everywhere:
``--format`` is the printed output, ``--input-format`` the reader, ``--outputs`` the files
``report`` writes.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import gc
import json
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.cli.mm import mm_app
from tradeperf.config import Config, load_config
from tradeperf.errors import ConfigError, TradeperfError
from tradeperf.ingest.format_names import FORMAT_NAMES as FORMATS
from tradeperf.ledger.basis import CostBasis
from tradeperf.reports.schema import SCHEMA_NAMES
from tradeperf.store import redact_url

if TYPE_CHECKING:
    from tradeperf.pipeline import IngestReport
    from tradeperf.store import StoreInfo

# The commands import the library where they use it: `tradeperf --help` loads no reader,
# ledger kernel or report code.

app = typer.Typer(
    name="tradeperf",
    help="Track the performance of trading: ingest trade logs and fills, report figures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
store_app = typer.Typer(help="Inspect and maintain the store.", no_args_is_help=True)
app.add_typer(store_app, name="store")
alerts_app = typer.Typer(
    help="Check the performance targets (docs/alerts.md).", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")
app.add_typer(mm_app, name="mm")

out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    str | None, typer.Option("--store", help="Store URL (env TRADEPERF_STORE).", show_default=False)
]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", help="Reporting timezone, IANA name (env TRADEPERF_TIMEZONE)."),
]
DayStartOpt = Annotated[
    str | None,
    typer.Option(
        "--day-start",
        help="Local time HH:MM the reporting day starts at, e.g. 17:00 for the FX and futures "
        "trading day, labelled by the next day (env TRADEPERF_DAY_START).",
    ),
]
CapitalOpt = Annotated[
    str | None, typer.Option("--capital", help="Starting capital (env TRADEPERF_CAPITAL).")
]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="Account currency (env TRADEPERF_CURRENCY).")
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (env TRADEPERF_CONFIG).")
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help=f"Force the reader: {', '.join(FORMATS)} (default: detect from the content).",
    ),
]
DecimalOpt = Annotated[
    str | None,
    typer.Option(
        "--decimal",
        help="Decimal mark of CSV numbers: '.', ',' or auto (env TRADEPERF_DECIMAL).",
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Column mapping canonical=source (repeat or comma-separate), or a YAML/JSON file.",
    ),
]
StrategyOpt = Annotated[
    list[str] | None, typer.Option("--strategy", help="Only this strategy (repeatable).")
]
SymbolOpt = Annotated[
    list[str] | None, typer.Option("--symbol", help="Only this symbol (repeatable).")
]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="First local day (YYYY-MM-DD), inclusive.")
]
EndOpt = Annotated[
    str | None, typer.Option("--end", help="Last local day (YYYY-MM-DD), inclusive.")
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="A trailing window: a duration back from --at or now (24h, 7d, 30min, 2w; "
        "units ms, s, min, h, d, w) or a time (ISO 8601; local when it has no offset).",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="End of the period (exclusive), ISO 8601 (default: now)."),
]
LastOpt = Annotated[
    int | None,
    typer.Option("--last", min=1, help="Only the last N closed trades (with --by: of each group)."),
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Break the figures down by strategy, symbol, side, hour, entry_hour, weekday, "
        "exit_reason, tag, signal, session, account or venue; several comma-separated "
        "(strategy,symbol).",
    ),
]
SessionOpt = Annotated[
    str | None,
    typer.Option("--session", help="Only the trades exiting in this named session (`sessions`)."),
]
RollingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rolling",
        help="A rolling figure FIGURE:WINDOW (repeatable): sharpe_ratio:30d, max_drawdown:90d, "
        "tail_ratio:60d, win_rate:50trades, sqn:100trades (any registry figure of the daily "
        "returns, or of the trades' P&L); in summary.json's rolling block.",
    ),
]
CostBasisOpt = Annotated[
    CostBasis,
    typer.Option("--cost-basis", help="Lot matching of fills: fifo, lifo or average."),
]
PathsArg = Annotated[list[Path], typer.Argument(help="Files or folders of records.")]


#: What ``--format`` prints: a summary (report, summary), or a listing (the other commands).
REPORT_FORMATS = ("table", "json", "md")
#: The alerts' JSON Schemas (`tradeperf.alerts.targets.alerts_schema`).
ALERT_SCHEMAS = ("targets", "alert")
INGEST_FORMATS = ("table", "json")


def _or(choices: Sequence[str]) -> str:
    return f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]


def _output_opt(choices: Sequence[str]) -> Any:
    return typer.Option("--format", help=f"Printed output: {_or(choices)}.")


def _output(value: str, choices: Sequence[str]) -> str:
    if value in choices:
        return value
    hint = " (the reader is chosen with --input-format)" if value in FORMATS else ""
    raise ConfigError(f"--format: choose {_or(choices)}, not {value!r}{hint}")


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--{name}: expected a date YYYY-MM-DD, got {value!r}") from None


def _edges(config: Config, *options: Any) -> dict[str, Any]:
    """Give the `SummaryRequest` fields of --since, --at, --last, --by, --rolling, --session."""
    from tradeperf.jobs import edge_options

    return edge_options(config, *options)


def _mapping(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    from tradeperf.ingest.assemble import parse_mapping

    if len(values) == 1:
        return parse_mapping(values[0])
    return parse_mapping(",".join(values))


def _config(**flags: Any) -> Any:
    config_file = flags.pop("config_file", None)
    return load_config(flags, config_file=config_file)


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


#: The short table printed in a terminal: (figure, title).
TERMINAL_COLUMNS = (
    ("trades", "Trades"),
    ("win_rate", "Win %"),
    ("net_pnl", "Net P&L"),
    ("profit_factor", "PF"),
    ("max_drawdown", "Max DD"),
    ("sharpe_ratio", "Sharpe"),
)


def _zone(doc: dict[str, Any]) -> str:
    """Name the reporting timezone, and when its days start unless at midnight."""
    start = doc.get("day_start", "00:00")
    return doc["timezone"] if start == "00:00" else f"{doc['timezone']}, days from {start}"


def _figures_table(doc: dict[str, Any], places: int) -> Table:
    from tradeperf.reports import markdown

    cur = doc["currency"]
    table = Table(title=f"Performance ({cur}, {_zone(doc)})")
    table.add_column("Group", no_wrap=True)
    for _, label in TERMINAL_COLUMNS:
        table.add_column(label, justify="right", no_wrap=True)
    rows = [("overall", doc["overall"])]
    rows += markdown.breakdown_rows(doc) or sorted(doc["by_strategy"].items())
    for label, figures in rows:
        table.add_row(
            label,
            *(markdown.cell(figures, name, cur, decimals=places) for name, _ in TERMINAL_COLUMNS),
        )
    return table


def _windows_table(doc: dict[str, Any], places: int) -> Table:
    from tradeperf.reports import markdown

    cur = doc["currency"]
    table = Table(title=f"{doc['kind']} windows ({_zone(doc)})")
    table.add_column("Window")
    for _, label in markdown.COLUMNS:
        table.add_column(label, justify="right")
    for w in doc["windows"]:
        f = w["figures"]
        cells = (markdown.cell(f, name, cur, decimals=places) for name, _ in markdown.COLUMNS)
        table.add_row(w["window"], *cells)
    return table


def _n(count: int, thing: str) -> str:
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def _partial_warning(doc: dict[str, Any]) -> None:
    if doc["partial"]:
        err.print(
            f"[yellow]partial:[/] the store holds {_n(doc['rejected_rows'], 'rejected row')} "
            f"and {_n(doc['unreadable_files'], 'unreadable file')}, left out of the figures "
            "(see `tradeperf quarantine`)",
            soft_wrap=True,
        )


def _other_currencies(doc: dict[str, Any]) -> None:
    converted = doc.get("converted_currencies") or {}
    if converted:
        listed = ", ".join(f"{n:,} in {cur}" for cur, n in converted.items())
        err.print(
            f"note: converted to {doc['currency']} with the exchange rate of each booking "
            f"day: {listed}",
            soft_wrap=True,
        )
    others = doc.get("other_currencies") or {}
    if others:
        listed = ", ".join(f"{n:,} in {cur}" for cur, n in others.items())
        why = f" ({doc['conversion_missing']})" if doc.get("conversion_missing") else ""
        err.print(
            f"[yellow]note:[/] not in these {doc['currency']} figures (amounts of two "
            f"currencies are never added){why}: {listed}; summarise them with --currency, "
            "or ingest exchange rates (date, currency, base, rate) to convert them",
            soft_wrap=True,
        )


def _assumed_capital(assumed: bool, capital: Decimal, currency: str) -> None:
    if assumed:
        err.print(
            f"[yellow]note:[/] returns and ratios assume the default capital of "
            f"{capital.normalize():f} {currency}: no --capital was "
            "given, and the sources state none or disagree (setting `capital`)",
            soft_wrap=True,
        )


def _ingest_line(rep: IngestReport) -> str:
    """Describe this run's counts: files, records read and new, rejects of the files read."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(rep.kinds.items()) if v) or "none"
    return (
        f"this run: {_n(rep.files_read, 'file')} read ({rep.files_appended:,} appended), "
        f"{rep.files_skipped:,} unchanged; {_n(rep.rows_new, 'new record')} of "
        f"{rep.rows_read:,} read ({kinds}); in the files read "
        f"{_n(rep.rejected_rows, 'rejected row')} and "
        f"{_n(len(rep.unreadable_files), 'unreadable file')}{_booking_line(rep)}"
    )


def _booking_line(rep: IngestReport) -> str:
    """Describe what booking the fills did: fills booked, positions resumed, late fills."""
    if not rep.booked_fills and not rep.late:
        return ""
    text = (
        f"; booked {_n(rep.booked_fills, 'fill')} "
        f"({_n(rep.booked_resumed, 'position')} from a checkpoint)"
    )
    if rep.late:
        names = ", ".join(
            f"{s} from {t:%Y-%m-%d %H:%M:%S} UTC" for s, t in sorted(rep.late.items())[:5]
        )
        more = f" and {len(rep.late) - 5} more" if len(rep.late) > 5 else ""
        text += f"; late fills (earlier than fills already booked) booked again {names}{more}"
    return text


def _print_doc(
    doc: dict[str, Any], output: str, *, windows: bool, money_decimals: Mapping[str, int]
) -> None:
    """Print a summary document (or, with ``windows``, a window document).

    ``output`` is ``json``, ``md`` (Markdown) or ``table``; money decimals come from the
    ``money_decimals`` setting, else the currency's. The Markdown renderer and the figure
    registry load only for Markdown and tables.
    """
    from tradeperf.reports.json_report import dumps

    if output == "json":
        sys.stdout.write(dumps(doc))
        return
    from tradeperf.reports import markdown

    if output == "md":
        render = markdown.render_windows if windows else markdown.render_summary
        sys.stdout.write(render(doc, overrides=money_decimals))
    else:
        table = _windows_table if windows else _figures_table
        out.print(table(doc, markdown.money_decimals(doc["currency"], money_decimals)))


def _plain(value: object) -> object:
    """Make a value of a dataclass JSON-able (times as ISO text, paths as text)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_json(value: IngestReport | StoreInfo) -> None:
    doc = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


@app.command()
def report(
    paths: PathsArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path(
        "tradeperf-report"
    ),
    outputs: Annotated[
        str | None,
        typer.Option(
            "--outputs",
            help="Report files to write, comma-separated: json, md, csv (trades, windows, "
            "groups, breakdown, daily series, drawdown periods), html (the tear sheet), pdf "
            "(the tear sheet printed by Chromium). Default: all, the PDF where a Chromium is "
            "found.",
        ),
    ] = None,
    benchmark: Annotated[
        Path | None,
        typer.Option(
            "--benchmark",
            help="CSV or Parquet of dates with returns or prices (date,close): its equity "
            "curve beside the account's, and alpha, beta, excess return, tracking error and "
            "information ratio.",
        ),
    ] = None,
    output: Annotated[str, _output_opt(REPORT_FORMATS)] = "table",
    store: StoreOpt = None,
    tz: TzOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    config_file: ConfigOpt = None,
    input_format: InputFormatOpt = None,
    map: MapOpt = None,
    decimal: DecimalOpt = None,
    strategy: StrategyOpt = None,
    symbol: SymbolOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    since: SinceOpt = None,
    at: AtOpt = None,
    last: LastOpt = None,
    by: ByOpt = None,
    rolling: RollingOpt = None,
    session: SessionOpt = None,
    day_start: DayStartOpt = None,
    cost_basis: CostBasisOpt = CostBasis.FIFO,
) -> None:
    """Ingest PATHS into the store and write summary and daily/weekly/monthly reports to --out."""
    from tradeperf import jobs
    from tradeperf.reports.json_report import summary_to_json

    output = _output(output, REPORT_FORMATS)
    config = _config(
        store=store,
        timezone=tz,
        day_start=day_start,
        capital=capital,
        currency=currency,
        decimal=decimal,
        config_file=config_file,
    )
    options = jobs.read_options(config, input_format=input_format, mapping=_mapping(map))
    request: dict[str, Any] = {
        "strategies": tuple(strategy or ()),
        "symbols": tuple(symbol or ()),
        "start": _date(start, "start"),
        "end": _date(end, "end"),
        "cost_basis": cost_basis,
        **_edges(config, since, at, last, by, rolling, session),
    }
    files = jobs.parse_outputs(outputs) if outputs is not None else None
    with _progress() as progress:
        task = progress.add_task("ingesting", total=None)
        result = jobs.run_report(
            paths,
            out_dir,
            config,
            options=options,
            outputs=files,
            on_start=lambda n: progress.update(task, total=n),
            on_file=lambda _p: progress.advance(task),
            benchmark=benchmark,
            **request,
        )
    err.print(_ingest_line(result.ingest), highlight=False, soft_wrap=True)
    doc = summary_to_json(result.summary)
    _print_doc(doc, output, windows=False, money_decimals=config.money_decimals)
    _partial_warning(doc)
    _other_currencies(doc)
    asked = result.summary.request
    _assumed_capital(result.capital_assumed, asked.capital, asked.currency)
    bench = result.summary.benchmark
    if bench is not None and bench.rejected_rows:
        err.print(
            f"benchmark {benchmark}: {_n(bench.rejected_rows, 'rejected row')} left out "
            "(bad date or value, or a date given two values)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for note in result.notes:  # plain text: "tradeperf[pdf]" is no Rich markup
        err.print(note, highlight=False, soft_wrap=True, markup=False)
    err.print(f"wrote {len(result.files)} files to {out_dir}")


@app.command()
def ingest(
    paths: PathsArg,
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    input_format: InputFormatOpt = None,
    map: MapOpt = None,
    decimal: DecimalOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Ingest PATHS (files or folders) into the store; unchanged files are skipped."""
    from tradeperf import jobs
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, decimal=decimal, config_file=config_file)
    options = jobs.read_options(config, input_format=input_format, mapping=_mapping(map))
    with open_store(config.store) as st, _progress() as progress:
        task = progress.add_task("ingesting", total=None)
        rep = jobs.ingest(
            st,
            paths,
            options=options,
            on_start=lambda n: progress.update(task, total=n),
            on_file=lambda _p: progress.advance(task),
        )
        pruned = _apply_retention(st, config_file)
    if output == "json":
        _print_json(rep)
    else:
        out.print(_ingest_line(rep), highlight=False, soft_wrap=True)
        _print_pruned(pruned, to=err)


@app.command()
def summary(
    window: Annotated[
        WindowKind | None, typer.Option("--window", help="Show one window kind.")
    ] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    tz: TzOpt = None,
    strategy: StrategyOpt = None,
    symbol: SymbolOpt = None,
    output: Annotated[str, _output_opt(REPORT_FORMATS)] = "table",
    store: StoreOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    config_file: ConfigOpt = None,
    cost_basis: CostBasisOpt = CostBasis.FIFO,
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", help="Only the records of this file or folder (repeatable)."),
    ] = None,
    since: SinceOpt = None,
    at: AtOpt = None,
    last: LastOpt = None,
    by: ByOpt = None,
    rolling: RollingOpt = None,
    session: SessionOpt = None,
    day_start: DayStartOpt = None,
) -> None:
    """Summarise what is stored (or --source files): overall, or per --window.

    Days, weeks and months are those of the reporting timezone (from --day-start).
    """
    from tradeperf import jobs
    from tradeperf.reports.json_report import summary_to_json, windows_to_json

    output = _output(output, REPORT_FORMATS)
    config = _config(
        store=store,
        timezone=tz,
        day_start=day_start,
        capital=capital,
        currency=currency,
        config_file=config_file,
    )
    served = _served(config) if not source else None
    if served is not None:
        err.print(f"the store is held by the service at {served}: asking it", highlight=False)
        doc = _ask_service(
            served, "/v1/summary",
            {"window": window.value if window else None, "start": start, "end": end, "tz": tz,
             "strategy": strategy, "symbol": symbol, "since": since, "at": at, "last": last,
             "by": by, "rolling": rolling, "session": session, "day_start": day_start},
        )  # fmt: skip
        _print_doc(doc, output, windows=window is not None, money_decimals=config.money_decimals)
        _partial_warning(doc)
        _other_currencies(doc)
        return
    result, assumed = jobs.run_summary(
        config,
        sources=source or (),
        windows=(window,) if window else tuple(WindowKind),
        breakdowns=window is None,  # a window document shows no strategy or symbol
        series=window is None,  # nor the daily series
        start=_date(start, "start"),
        end=_date(end, "end"),
        strategies=tuple(strategy or ()),
        symbols=tuple(symbol or ()),
        cost_basis=cost_basis,
        **_edges(config, since, at, last, by, rolling, session),
    )
    doc = windows_to_json(result, window) if window else summary_to_json(result)
    _print_doc(doc, output, windows=window is not None, money_decimals=config.money_decimals)
    _partial_warning(doc)
    _other_currencies(doc)
    _assumed_capital(assumed, result.request.capital, result.request.currency)


@app.command()
def compare(
    by: Annotated[
        str, typer.Option("--by", help="Side by side: source, strategy or currency.")
    ] = "source",
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", help="Only these stored files or folders (repeatable)."),
    ] = None,
    start: StartOpt = None,
    end: EndOpt = None,
    tz: TzOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
    store: StoreOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Compare runs, sources or strategies side by side (each in its own currency)."""
    from tradeperf import jobs
    from tradeperf.reports import markdown
    from tradeperf.reports.json_report import dumps

    output = _output(output, INGEST_FORMATS)
    config = _config(
        store=store, timezone=tz, capital=capital, currency=currency, config_file=config_file
    )
    doc = jobs.compare(
        config, by=by, sources=source or (), start=_date(start, "start"), end=_date(end, "end")
    )
    if output == "json":
        sys.stdout.write(dumps(doc))
        return
    table = Table(title=f"Compared by {doc['by']} ({doc['timezone']})")
    table.add_column(str(doc["by"]).capitalize(), overflow="fold")
    table.add_column("Cur.")
    for _, label in TERMINAL_COLUMNS:
        table.add_column(label, justify="right", no_wrap=True)
    for name, group in cast(dict[str, Any], doc["groups"]).items():
        cur = group["currency"]
        places = markdown.money_decimals(cur, config.money_decimals)
        cells = (
            markdown.cell(group["figures"], n, cur, decimals=places) for n, _ in TERMINAL_COLUMNS
        )
        table.add_row(name, cur, *cells)
    out.print(table)


@app.command()
def quarantine(
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """List the quarantined input rows with file, line, field and reason."""
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        rows = st.quarantine().to_pylist()
    if output == "json":
        for r in rows:
            r["ingested_at"] = r["ingested_at"].isoformat() if r["ingested_at"] else None
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title=f"Quarantine ({len(rows)} rows)")
    for col in ("file", "line", "field", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["source"], str(r["line"] or ""), r["field"] or "", r["reason"])
    out.print(table)


@app.command()
def positions(
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    cost_basis: CostBasisOpt = CostBasis.FIFO,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Show the open positions of the books kept from the stored fills.

    Each position shows its quantity, average cost, the latest mark and its age, and its
    unrealized P&L.
    """
    from tradeperf.analytics.positions import open_positions, positions_to_json
    from tradeperf.reports.json_report import dumps
    from tradeperf.reports.markdown import money_decimals
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, config_file=config_file)
    served = _served(config)
    if served is not None:
        err.print(f"the store is held by the service at {served}: asking it", highlight=False)
        doc = _ask_service(served, "/v1/positions", {})
        if output == "json":
            sys.stdout.write(dumps(doc))
            return
        table = Table(title=f"Open positions ({len(doc['positions'])})")
        for col in ("account", "symbol", "quantity", "avg cost", "mark", "unrealized"):
            table.add_column(col, justify="left" if col in ("account", "symbol") else "right")
        for p in doc["positions"]:
            cur = p["currency"] or config.currency
            places = money_decimals(cur, config.money_decimals)
            unreal = p["unrealized_pnl"]
            table.add_row(
                p["account"], p["symbol"], str(p["quantity"]), str(p["average_cost"]),
                "–" if p["mark"] is None else str(p["mark"]),
                "unknown" if unreal is None else f"{Decimal(str(unreal)):,.{places}f} {cur}",
            )  # fmt: skip
        out.print(table)
        return
    with open_store(config.store) as st:
        held = open_positions(st, cost_basis=cost_basis)
    now = dt.datetime.now(dt.UTC)
    if output == "json":
        sys.stdout.write(dumps(positions_to_json(held, now)))
        return
    table = Table(title=f"Open positions ({len(held)})")
    for col in ("account", "symbol", "quantity", "avg cost", "mark", "mark age", "unrealized"):
        table.add_column(col, justify="left" if col in ("account", "symbol") else "right")
    for p in held:
        age = p.mark_age(now)
        places = money_decimals(p.currency or config.currency, config.money_decimals)
        table.add_row(
            p.account,
            p.symbol,
            f"{p.quantity.normalize():f}",
            f"{p.average_cost.normalize():f}",
            "–" if p.mark is None else f"{p.mark.normalize():f}",
            "no mark" if age is None else _age(age),
            "unknown"
            if p.unrealized_pnl is None
            else f"{p.unrealized_pnl:,.{places}f} {p.currency or config.currency}",
        )
    out.print(table)


def _age(age: dt.timedelta) -> str:
    """Format a mark's age as the largest unit or two (``3d 4h``, ``12 min``, ``40 s``)."""
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {rest // 60} min"
    return f"{rest // 60} min" if rest >= 60 else f"{rest} s"


@app.command()
def schema(
    name: Annotated[
        str, typer.Argument(help=f"One of: {', '.join((*SCHEMA_NAMES, *ALERT_SCHEMAS))}.")
    ] = "summary",
) -> None:
    """Print a shipped JSON Schema (summary, window, figures, targets or alert)."""
    if name in ALERT_SCHEMAS:
        from tradeperf.alerts.targets import alerts_schema

        sys.stdout.write(json.dumps(alerts_schema(name), indent=2) + "\n")
        return
    from tradeperf.reports.schema import load_schema

    sys.stdout.write(json.dumps(load_schema(name), indent=2) + "\n")


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the sample and report.")
    ] = Path("tradeperf-demo"),
    store: StoreOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed of the sample.")] = 7,
    capital: Annotated[
        str, typer.Option("--capital", help="Starting capital of the sample account (USD).")
    ] = "100000",
    tz: TzOpt = None,
) -> None:
    """Write a year of realistic sample bot logs to --out/logs and report on them."""
    from tradeperf.sample import write_sample

    files = write_sample(out_dir, seed=seed)
    err.print(f"wrote {len(files)} sample log files to {out_dir / 'logs'}")
    store_url = store or f"duckdb://{out_dir / 'tradeperf.duckdb'}"
    report(
        paths=[out_dir / "logs"],
        out_dir=out_dir / "report",
        store=store_url,
        capital=capital,
        currency="USD",
        tz=tz,
    )


@store_app.command("info")
def store_info(
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Show what the store holds: counts, date range, sources, rejects, partial days, size."""
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        info = st.info()
    if output == "json":
        _print_json(info)
        return
    table = Table(title=f"Store {info.url} (schema v{info.schema_version})", show_header=False)
    for k, v in info.counts.items():
        table.add_row(f"{k} rows", f"{v:,}")
    table.add_row("first exit", str(info.first_exit or "–"))
    table.add_row("last exit", str(info.last_exit or "–"))
    table.add_row("sources", str(info.sources))
    table.add_row("unreadable files", str(info.unreadable_files))
    table.add_row("rejected rows (of readable files)", str(info.rejected_rows))
    for tz, (days, first, last) in info.partial_days.items():
        table.add_row(f"partial days ({tz})", f"{days:,} ({first or '–'} to {last or '–'})")
    if info.books is not None:
        table.add_row("books of the fills", info.books)
    for path, kind, rows, rejected, at in info.recent_sources:
        table.add_row("recent source", f"{path} ({kind}, {rows:,} rows, {rejected} rejected, {at})")
    if info.size_bytes is not None:
        table.add_row("size", f"{info.size_bytes / 1e6:.1f} MB")
    out.print(table)


def _apply_retention(st: Any, config_file: Path | None) -> dict[str, tuple[int, int]]:
    """Prune by the config's ``[retention]`` (`tradeperf.store.retention`); {} when none."""
    from tradeperf.store.retention import apply_retention, load_retention

    ages = load_retention(config_file)
    return apply_retention(st, ages) if ages else {}


def _print_pruned(
    pruned: Mapping[str, tuple[int, int]], *, to: Console | None = None, age: str | None = None
) -> None:
    console = to or out
    for kind, (n, kept) in pruned.items():
        why = ""
        if kept and kind == "quotes":
            why = (
                f" ({kept:,} older kept: markouts not yet in the hourly partials need "
                "them, and each symbol's last quote; run tradeperf mm partials)"
            )
        elif kept:
            why = (
                f" ({kept:,} older kept: the books need them, for a round trip open "
                "then or the mark that values it)"
            )
        older = f"rows older than {age}" if age else "rows past their retention"
        console.print(f"{kind}: {n:,} {older} deleted{why}", highlight=False)


@store_app.command("prune")
def store_prune(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than", help="Age to keep, e.g. 90d (default: the config's [retention])."
        ),
    ] = None,
    kinds: Annotated[
        str,
        typer.Option(
            "--kinds", help="Raw kinds to prune: marks, quotes, public_trades, fills, funding."
        ),
    ] = "marks,quotes",
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Delete raw records (marks, quotes, fills, funding) older than --older-than.

    Without --older-than, each kind of the config's [retention] table is pruned by its age
    (docs/store.md, retention). Trades, the daily partial aggregates, the markout partials
    and the books are kept, and no figure changes (fills of a round trip still open at the
    horizon stay; quotes go only once the markout partials are final past them).
    """
    from tradeperf.store import open_store, parse_age, parse_kinds

    config = _config(store=store, config_file=config_file)
    if older_than is None:
        from tradeperf.store.retention import apply_retention, load_retention

        ages = load_retention(config_file)
        if not ages:
            raise ConfigError(
                "give --older-than, or a [retention] table in the config file "
                "(docs/store.md, retention)"
            )
        with open_store(config.store) as st:
            _print_pruned(apply_retention(st, ages))
        return
    age, chosen = parse_age(older_than), parse_kinds(kinds)
    with open_store(config.store) as st:
        deleted = st.prune(chosen, older_than=age)
        kept = st.pruned_kept
    _print_pruned({kind: (n, kept.get(kind, 0)) for kind, n in deleted.items()}, age=older_than)


@store_app.command("forget")
def store_forget(
    paths: Annotated[list[Path], typer.Argument(help="Source files or folders to take out.")],
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Take sources out of the store (records, rejects, index).

    A conflict they were part of is settled when the versions left agree.
    """
    from tradeperf import jobs
    from tradeperf.store import open_store

    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        removed = jobs.forget(st, paths)
    restored = removed.pop("restored", 0)
    rows = ", ".join(f"{kind} {n:,}" for kind, n in removed.items() if n) or "no rows"
    out.print(f"forgot the sources: {rows}; {_n(restored, 'conflicted record')} count again")


TargetsOpt = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        help="Targets file, TOML or YAML (default: TRADEPERF_TARGETS, else the config's "
        "[targets]).",
    ),
]


@alerts_app.command("check")
def alerts_check(
    targets: TargetsOpt = None,
    store: StoreOpt = None,
    tz: TzOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    day_start: DayStartOpt = None,
    config_file: ConfigOpt = None,
    at: AtOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Evaluate only: keep no alert state, deliver nothing."),
    ] = False,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Evaluate the targets, deliver new alerts once; exit 5 while a critical one fires (cron).

    Alerts go to logs/performance-alerts.jsonl (TRADEPERF_ALERT_LOG), a log line, and
    TRADEPERF_ALERT_WEBHOOK when set.
    """
    from tradeperf.alerts.check import CRITICAL_EXIT, check, checked_to_json
    from tradeperf.alerts.targets import load_targets
    from tradeperf.durations import parse_instant
    from tradeperf.timezones import resolve_timezone

    output = _output(output, INGEST_FORMATS)
    config = _config(
        store=store, timezone=tz, capital=capital, currency=currency, day_start=day_start,
        config_file=config_file,
    )  # fmt: skip
    rules = load_targets(targets, config_file=config_file)
    now = parse_instant(at, resolve_timezone(config.timezone)) if at else dt.datetime.now(dt.UTC)
    checked = check(config, rules, now=now, keep=not dry_run)
    if output == "json":
        doc = checked_to_json(checked, now)
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    else:
        table = Table(title=f"Targets at {now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")
        for col in ("rule", "window", "trades", "value", "target", "status"):
            table.add_column(col, justify="right" if col in ("trades", "value") else "left")
        for o in checked.outcomes:
            t = o.target
            target = f"{'≥' if t.bound == 'min' else '≤'} {t.threshold}"
            if o.reason is not None:
                status = f"not evaluated: {o.reason}"
            elif o.breached:
                status = f"[red]{o.severity.value if o.severity else ''}[/]"
            else:
                status = "ok"
            value = (
                ""
                if o.value is None
                else (f"{o.value:.4g}" if isinstance(o.value, float) else str(o.value.normalize()))
            )
            table.add_row(escape(t.rule), o.window, str(o.trades), value, target, status)
        out.print(table)
        if checked.step is not None:
            sent = checked.step.notifications
            err.print(f"notified {_n(len(sent), 'alert event')}", highlight=False)
        for d in checked.deliveries:
            if not d.ok:
                err.print(f"not delivered to {d.sink}: {d.error}", highlight=False, markup=False)
    if checked.critical:
        raise typer.Exit(CRITICAL_EXIT)


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only alerts of this status: firing, acknowledged, silenced, resolved."
        ),
    ] = None,
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """List the alerts: the latest occurrence of each rule and scope, with its status."""
    from tradeperf.alerts.rules import shown
    from tradeperf.alerts.state import load_states, state_to_json
    from tradeperf.errors import ConfigError
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    if status is not None and status not in ("firing", "acknowledged", "silenced", "resolved"):
        raise ConfigError(f"--status: firing, acknowledged, silenced or resolved, not {status!r}")
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        states = [s for s in load_states(st).values() if status in (None, s.status)]
    states.sort(key=lambda s: s.last_seen, reverse=True)
    if output == "json":
        docs = [json.loads(state_to_json(s)) | {"alert_id": s.alert_id} for s in states]
        sys.stdout.write(json.dumps(docs, indent=2) + "\n")
        return
    table = Table(title=f"Alerts ({len(states)})")
    for col in ("id", "status", "severity", "rule", "value", "first seen", "last seen"):
        table.add_column(col)
    for s in states:
        seen = (f"{s.first_seen:%Y-%m-%d %H:%M}", f"{s.last_seen:%Y-%m-%d %H:%M}")
        value = shown(s.value)
        table.add_row(s.alert_id, s.status, s.severity.value, escape(s.rule), value, *seen)
    out.print(table)


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[str, typer.Argument(help="The alert's id (tradeperf alerts list).")],
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Acknowledge an alert: it is not repeated (an escalation is still notified)."""
    from tradeperf.alerts.state import acknowledge_alert
    from tradeperf.store import open_store

    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        state = acknowledge_alert(st, alert_id, now=dt.datetime.now(dt.UTC))
    out.print(f"acknowledged {state.alert_id} ({escape(state.rule)}, {state.severity.value})")


@alerts_app.command("silence")
def alerts_silence(
    rule: Annotated[
        str, typer.Argument(help="The rule, or a pattern of rules: win_rate, 'strategy.bo.*', '*'.")
    ],
    for_: Annotated[str, typer.Option("--for", help="How long: 2h, 1d, 30min.")] = "2h",
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with it).")] = "silenced",
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="Only this strategy's alerts.")
    ] = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Only this symbol's alerts.")
    ] = None,
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Silence the alerts of RULE for a while: they are kept, but notified only when it ends."""
    from tradeperf.alerts.state import silence
    from tradeperf.durations import parse_duration
    from tradeperf.store import open_store

    duration = parse_duration(for_)
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        kept = silence(st, rule, now=dt.datetime.now(dt.UTC), duration=duration, reason=reason,
                       strategy=strategy, symbol=symbol)  # fmt: skip
    out.print(
        f"silenced {escape(kept.rule)} until {kept.ends:%Y-%m-%d %H:%M} UTC: {escape(kept.reason)}"
    )


@alerts_app.command("history")
def alerts_history(
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Show the alerts' event log, oldest first: fired, escalated, repeated, resolved, ..."""
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        events = st.alert_events()
    if output == "json":
        docs = [dataclasses.asdict(e) | {"at": e.at.isoformat()} for e in events]
        sys.stdout.write(json.dumps(docs, indent=2) + "\n")
        return
    table = Table(title=f"Alert history ({len(events)} events)")
    for col in ("at", "id", "event", "severity", "value", "message"):
        table.add_column(col)
    for e in events:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M}", e.alert_id, e.kind, e.severity, e.value or "",
                      escape(e.message))  # fmt: skip
    out.print(table)


@alerts_app.command("outbox")
def alerts_outbox(
    all_: Annotated[
        bool, typer.Option("--all", help="Also what was delivered or given up (the record).")
    ] = False,
    store: StoreOpt = None,
    config_file: ConfigOpt = None,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Show the notifications waiting for delivery: to which sinks, tries, the last error."""
    from tradeperf.store import open_store

    output = _output(output, INGEST_FORMATS)
    config = _config(store=store, config_file=config_file)
    with open_store(config.store) as st:
        rows = st.notices(pending=not all_)
    if output == "json":
        docs = [
            {"key": r.key, "created_at": r.created_at.isoformat(), "pending": list(r.pending),
             "attempts": r.attempts, "last_error": r.last_error,
             "settled_at": r.settled_at.isoformat() if r.settled_at else None,
             "notice": json.loads(r.notice)}
            for r in rows
        ]  # fmt: skip
        sys.stdout.write(json.dumps(docs, indent=2) + "\n")
        return
    title = "Outbox" if all_ else "Waiting for delivery"
    table = Table(title=f"{title} ({len(rows)})")
    for col in ("created", "notification", "pending", "tries", "last error", "settled"):
        table.add_column(col)
    for r in rows:
        settled = f"{r.settled_at:%Y-%m-%d %H:%M}" if r.settled_at else ""
        table.add_row(f"{r.created_at:%Y-%m-%d %H:%M}", escape(r.key), ", ".join(r.pending),
                      str(r.attempts), escape(r.last_error or ""), settled)  # fmt: skip
    out.print(table)


@alerts_app.command("digest")
def alerts_digest(
    period: Annotated[
        str, typer.Option("--period", help="day: the last complete local day; week: ISO week.")
    ] = "day",
    current: Annotated[
        bool, typer.Option("--current", help="The day or week in progress instead.")
    ] = False,
    store: StoreOpt = None,
    tz: TzOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    day_start: DayStartOpt = None,
    config_file: ConfigOpt = None,
    at: AtOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print it only: keep and deliver nothing.")
    ] = False,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Send the digest of the last day or week to the alert sinks, once per period (cron)."""
    from tradeperf.alerts.check import sinks_of
    from tradeperf.alerts.digest import make_digest
    from tradeperf.alerts.outbox import flush, notice_key, notice_rows
    from tradeperf.alerts.settings import load_alert_settings
    from tradeperf.alerts.state import load_states
    from tradeperf.durations import parse_instant
    from tradeperf.jobs import summary_request
    from tradeperf.store import open_store
    from tradeperf.timezones import resolve_timezone

    output = _output(output, INGEST_FORMATS)
    if period not in ("day", "week"):
        raise ConfigError(f"--period: day or week, not {period!r}")
    config = _config(
        store=store, timezone=tz, capital=capital, currency=currency, day_start=day_start,
        config_file=config_file,
    )  # fmt: skip
    settings = load_alert_settings(config_file)
    sinks = sinks_of(settings)
    now = parse_instant(at, resolve_timezone(config.timezone)) if at else dt.datetime.now(dt.UTC)
    with open_store(config.store) as st:
        firing = sum(1 for s in load_states(st).values() if s.status == "firing")
        chosen: Any = period
        digest = make_digest(st, summary_request(config), now=now, period=chosen,
                             current=current, firing=firing)  # fmt: skip
        sent = bool(st.notices(pending=False, key=notice_key(digest)))
        if not dry_run and not sent and not current:
            rows = notice_rows([digest], [s.name for s in sinks], at=now)
            st.save_alert_states([], [], at=now, notices=rows)
        pending = [] if dry_run else st.notices()
    deliveries = flush(config.store, sinks, now=now, pending=pending)
    if output == "json":
        sys.stdout.write(json.dumps(digest, indent=2) + "\n")
    else:
        out.print(escape(digest["message"]), highlight=False, soft_wrap=True)
    if current and not dry_run:
        # a period in progress is sent each time it is asked for: it is not the period's digest
        from tradeperf.alerts.sinks import deliver

        deliveries += deliver(digest, sinks)
    elif sent and not dry_run:
        err.print(f"the digest of {digest['label']} was sent before: not sent again")
    for d in deliveries:
        if not d.ok:
            err.print(f"not delivered to {d.sink}: {d.error}", highlight=False, markup=False)


@app.command()
def watch(
    paths: PathsArg,
    every: Annotated[
        str, typer.Option("--every", help="Interval between cycles: 10s, 1min, 500ms.")
    ] = "10s",
    targets: TargetsOpt = None,
    store: StoreOpt = None,
    tz: TzOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    day_start: DayStartOpt = None,
    config_file: ConfigOpt = None,
    input_format: InputFormatOpt = None,
    map: MapOpt = None,
    decimal: DecimalOpt = None,
    digest_at: Annotated[
        str | None,
        typer.Option(
            "--digest-at",
            help="Local HH:MM to send the digest at (env TRADEPERF_ALERT_DIGEST_AT; its "
            "period: TRADEPERF_ALERT_DIGEST_PERIOD).",
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and stop.")] = False,
    output: Annotated[str, _output_opt(INGEST_FORMATS)] = "table",
) -> None:
    """Follow PATHS: ingest what is appended, check the targets, deliver alerts; Ctrl-C stops.

    The store is held only during each cycle, so other commands run meanwhile. Stopped by
    Ctrl-C or SIGTERM between cycles; a restarted watch goes on without sending anything twice.
    """
    from tradeperf import jobs
    from tradeperf.alerts.settings import load_alert_settings
    from tradeperf.alerts.targets import load_targets
    from tradeperf.alerts.watch import Cycle, Watch
    from tradeperf.durations import parse_duration

    output = _output(output, INGEST_FORMATS)
    interval = parse_duration(every)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    config = _config(
        store=store, timezone=tz, capital=capital, currency=currency, day_start=day_start,
        decimal=decimal, config_file=config_file,
    )  # fmt: skip
    options = jobs.read_options(config, input_format=input_format, mapping=_mapping(map))
    jobs.check_read_options(options)
    settings = load_alert_settings(config_file)
    if digest_at is not None:
        from tradeperf.alerts.settings import clock_time

        settings = dataclasses.replace(settings, digest_at=clock_time(digest_at, "--digest-at"))
    rules = load_targets(targets, config_file=config_file, required=targets is not None)
    watcher = Watch(config, paths, rules, every=interval, options=options, settings=settings)
    sinks = ", ".join(s.name for s in watcher.sinks)
    err.print(
        f"watching {', '.join(str(p) for p in paths)} every {every}: {_n(len(rules), 'rule')}, "
        f"sinks {sinks}" + ("" if rules else " (no targets: ingesting only)"),
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip

    def said(done: Cycle) -> None:
        if output == "json":
            sys.stdout.write(json.dumps(done.to_json()) + "\n")
            sys.stdout.flush()
        elif done.news or once:
            doc = done.to_json()
            line = (
                f"{done.started.astimezone(dt.UTC):%H:%M:%S} {_n(doc['rows_new'], 'new record')}, "
                f"{doc['breached']} breached, notified {len(doc['notified'])}"
                + (f", digest {done.digest}" if done.digest else "")
                + f", delivered {doc['delivered']}"
            )
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        for text in [*done.errors, *done.to_json()["failed"]]:
            err.print(f"warning: {' '.join(redact_url(text).split())}", highlight=False,
                      markup=False, soft_wrap=True)  # fmt: skip

    ran = watcher.run(on_cycle=said, cycles=1 if once else None)
    if not once:
        err.print(f"stopped after {_n(ran, 'cycle')}", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
    store: StoreOpt = None,
    tz: TzOpt = None,
    capital: CapitalOpt = None,
    currency: CurrencyOpt = None,
    day_start: DayStartOpt = None,
    config_file: ConfigOpt = None,
    targets: TargetsOpt = None,
    watch_paths: Annotated[
        list[Path] | None,
        typer.Option("--watch", help="Also follow these log files or folders (repeatable)."),
    ] = None,
    every: Annotated[
        str, typer.Option("--every", help="Interval between two reads of --watch paths.")
    ] = "10s",
    name: Annotated[
        str, typer.Option("--name", help="The service's tracker name in the store.")
    ] = "service",
    demo: Annotated[
        bool, typer.Option("--demo", help="Replay the sample bot into the service, live.")
    ] = False,
    insecure_no_token: Annotated[
        bool,
        typer.Option(
            "--insecure-no-token", help="Serve write endpoints without a token (loopback only)."
        ),
    ] = False,
    max_body: Annotated[
        int, typer.Option("--max-body", min=1024, help="Largest request body, in bytes.")
    ] = 8 * 1024 * 1024,
    max_batch: Annotated[
        int, typer.Option("--max-batch", min=1, help="Most records in one batch.")
    ] = 10_000,
) -> None:
    """Serve the HTTP API, the live dashboard and /metrics (docs/service.md); Ctrl-C stops.

    Write endpoints need the bearer token in TRADEPERF_API_TOKEN. While it runs, the service
    is the store's one writer; `tradeperf summary` and `positions` on the same DuckDB store
    go through its API.
    """
    import os

    from tradeperf.durations import parse_duration
    from tradeperf.service.body import Limits
    from tradeperf.service.runtime import ServiceOptions
    from tradeperf.service.server import TOKEN_ENV, check_exposure
    from tradeperf.service.server import serve as run

    token = os.environ.get(TOKEN_ENV) or None
    check_exposure(host, token, insecure_no_token=insecure_no_token)
    missing = [str(p) for p in watch_paths or () if not p.exists()]
    if missing:
        raise ConfigError(f"--watch: no such file or folder: {', '.join(missing)}")
    config = _config(
        store=store, timezone=tz, capital=capital, currency=currency, day_start=day_start,
        config_file=config_file,
    )  # fmt: skip
    options = ServiceOptions(
        token=token,
        name=name,
        targets=targets,
        config_file=config_file,
        limits=Limits(max_body_bytes=max_body, max_batch=max_batch),
        watch=tuple(watch_paths or ()),
        watch_every=parse_duration(every).total_seconds(),
    )

    def ready(url: str) -> None:
        err.print(
            f"serving {redact_url(config.store)} at {url} (dashboard {url}/, API {url}/docs)"
            + (", replaying the demo bot" if demo else ""),
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip

    run(config, options, host=host, port=port, demo=demo, on_ready=ready)
    err.print("stopped", highlight=False)


def _served(config: Config) -> str | None:
    """Return the URL of the service holding the configured DuckDB store, if one runs."""
    if not config.store.startswith("duckdb://"):
        return None
    from tradeperf.store.duckdb_store import duckdb_path
    from tradeperf.store.holder import holder_of

    holder = holder_of(duckdb_path(config.store))
    return None if holder is None else holder.url


def _ask_service(url: str, path: str, params: dict[str, Any]) -> Any:
    """GET ``path`` of the service at ``url``; its JSON, exact (Decimals), or a StoreError."""
    import httpx

    from tradeperf.errors import StoreError

    query = {k: v for k, v in params.items() if v not in (None, [], ())}
    try:
        reply = httpx.get(url + path, params=query, timeout=60)
    except httpx.HTTPError as exc:
        raise StoreError(f"the store is held by the service at {url}, which did not answer: "
                         f"{exc}") from None  # fmt: skip
    if reply.status_code != 200:
        try:
            message = reply.json().get("message", reply.text)
        except ValueError:
            message = reply.text
        error = ConfigError if reply.status_code == 422 else StoreError
        raise error(f"the service at {url} says: {message}")
    return json.loads(reply.text, parse_float=Decimal)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and an exit code.

    Usage errors (unknown option, missing argument, bad choice) are reported by Typer with
    exit code 2. A password in a URL in the message is masked (`redact_url`) here too.
    """
    # A run is short, and its start-up (Typer, Pydantic, NumPy, Arrow, DuckDB) leaves some 50k
    # long-lived objects that the cyclic collector, at its default of every 700 allocations,
    # walks again and again (about 60 ms of a summary), and once more at exit, where no cycle
    # left matters (another 60 ms): cycles are collected every 100k allocations while the
    # command runs, and the objects are frozen at exit. A caller's own settings come back.
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 20, 10)
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        app()
    except TradeperfError as exc:
        message = escape(" ".join(redact_url(str(exc)).split()))
        err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    finally:
        gc.set_threshold(*previous)
