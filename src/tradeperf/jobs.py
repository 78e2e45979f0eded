"""The main jobs as library calls: ingest sources, summarise, write the report files.

The CLI (and later the service) only parse options, call these and present the result.
Every option and setting is checked before a store is opened or a file written, so a bad
one (exit 3 in the CLI) leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tradeperf.analytics.summary import Summary, SummaryRequest, summarize, summarize_trades
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.config import Config
from tradeperf.errors import ConfigError, InputError, NothingReadError
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import RecordKind
from tradeperf.reports.json_report import summary_to_json, windows_to_json, write_json
from tradeperf.store import Store, open_store
from tradeperf.timezones import resolve_timezone

if TYPE_CHECKING:
    import pyarrow as pa

    from tradeperf.ingest.benchmark import BenchmarkFile
    from tradeperf.pipeline import IngestReport
    from tradeperf.reports.html_report import ReportExtras

#: The kinds of report file `write_report` writes (by extension), in the order written.
OUTPUTS: Final = ("json", "md", "csv", "html", "pdf")
#: The outputs that show the closed trades (``trades.csv``, the tear sheet's trade list).
_TRADE_OUTPUTS: Final = frozenset({"csv", "html", "pdf"})


@dataclass(slots=True)
class ReportResult:
    """What `run_report` did: the ingestion report, the summary and the files written.

    ``capital_assumed`` is True when no capital was given or stated and the default was used;
    ``notes`` are one-line remarks for the user (a PDF skipped for want of a Chromium).
    """

    ingest: IngestReport
    summary: Summary
    files: list[Path] = field(default_factory=list)
    capital_assumed: bool = False
    notes: list[str] = field(default_factory=list)


def read_options(
    config: Config, *, input_format: str | None = None, mapping: Mapping[str, str] | None = None
) -> ReadOptions:
    """Build the reader options of an ingestion.

    The forced reader and the column mapping are the caller's; the decimal mark and the size
    limits come from the settings.

    Parameters
    ----------
    config
        The resolved settings, which give the decimal mark and the size limits.
    input_format
        The reader to force, by its name in `tradeperf.ingest.FORMATS`; None detects it from
        each file's content.
    mapping
        Column mapping, canonical name -> source column name; None for none.

    Raises
    ------
    ConfigError
        If ``input_format`` is not one of `tradeperf.ingest.FORMATS`.
    """
    options = ReadOptions(
        input_format=input_format,
        mapping=dict(mapping or {}),
        decimal=config.decimal,
        limits=config.limits,
    )
    check_read_options(options)
    return options


def check_read_options(options: ReadOptions) -> None:
    """Check what `ReadOptions` does not check itself: the forced reader exists.

    Parameters
    ----------
    options
        The reader options to check.

    Raises
    ------
    ConfigError
        If ``options.input_format`` is not one of `tradeperf.ingest.FORMATS`.
    """
    from tradeperf.ingest import FORMATS  # the readers load when a file is read

    if options.input_format is not None and options.input_format not in FORMATS:
        raise ConfigError(
            f"unknown input format {options.input_format!r}: choose {', '.join(FORMATS)}"
        )


def parse_outputs(text: str) -> tuple[str, ...]:
    """Parse the report files to write from a comma-separated list such as ``json,md``.

    Parameters
    ----------
    text
        The comma-separated outputs; blanks around names are ignored.

    Raises
    ------
    ConfigError
        If ``text`` names no output or one that is not in `OUTPUTS`.

    Examples
    --------
    >>> parse_outputs("md, json")
    ('md', 'json')
    """
    return check_outputs(tuple(p.strip() for p in text.split(",") if p.strip()))


def default_outputs() -> tuple[tuple[str, ...], list[str]]:
    """Give the outputs written when none are chosen, and why any is left out.

    Every one of `OUTPUTS`; the PDF only where a Chromium and Playwright are found
    (`tradeperf.reports.pdf_report.pdf_unavailable`), else the one-line reason.
    """
    from tradeperf.reports.pdf_report import pdf_unavailable

    reason = pdf_unavailable()
    if reason is None:
        return OUTPUTS, []
    return tuple(o for o in OUTPUTS if o != "pdf"), [reason]


def check_outputs(outputs: Sequence[str]) -> tuple[str, ...]:
    """Return ``outputs`` without repeats, once checked against `OUTPUTS`.

    Parameters
    ----------
    outputs
        Names of report outputs (``json``, ``md``), in the order given.

    Raises
    ------
    ConfigError
        If ``outputs`` is empty or names an output that is not in `OUTPUTS`.
    """
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise ConfigError(
            f"outputs: choose one or more of {', '.join(OUTPUTS)}, "
            f"not {', '.join(map(repr, unknown)) or 'none'}"
        )
    return tuple(dict.fromkeys(outputs))


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    cost_basis: CostBasis = CostBasis.FIFO,
    skip: Sequence[Path] = (),
) -> IngestReport:
    """Discover the source files under ``paths`` and ingest them into ``store``.

    The fills they bring are booked in the same transaction (`keep_books`, with
    ``cost_basis``).

    Parameters
    ----------
    store
        The open store to ingest into.
    paths
        Files and folders to read (folders are searched for source files).
    options
        The reader options (forced reader, column mapping, decimal mark, limits).
    on_start
        Called once with the number of files discovered, before any is read.
    on_file
        Called with each file's path after it is read (for a progress bar).
    cost_basis
        Which open lot a reducing fill closes first, when booking.
    skip
        Files the folders' search leaves out (`tradeperf.ingest.read.discover`).

    Returns
    -------
    IngestReport of this run; its ``rejected_rows`` are the rejected rows of the files read
    (an unreadable file counts once, in ``unreadable_files``, as in `Store.info`).

    Raises
    ------
    ConfigError
        If ``options`` names an unknown reader (nothing is read).
    InputError
        If a path does not exist or a folder holds no readable record file.
    NothingReadError
        If nothing at all could be read: the files gave no record, and at least one was
        unreadable or had rows rejected. What was rejected is stored (the quarantine) first.
    """
    check_read_options(options)
    from tradeperf.ingest.read import discover
    from tradeperf.pipeline import ingest_paths

    files = discover(paths, skip=skip)
    keep_books(store, cost_basis)
    if on_start is not None:
        on_start(len(files))
    report = ingest_paths(store, files, options=options, on_file=on_file)
    _check_something_read(store, report)
    return report


def keep_books(store: Store, cost_basis: CostBasis = CostBasis.FIFO) -> None:
    """Have ``store`` book the fills, marks and funding it is given as it writes them.

    Booking (`tradeperf.analytics.booking`) lets summaries read the books, not the fills.

    Parameters
    ----------
    store
        The open store.
    cost_basis
        Which open lot a reducing fill closes first.
    """
    from tradeperf.analytics.booking import booker

    store.booker = booker(cost_basis)


def _check_something_read(store: Store, report: IngestReport) -> None:
    """Raise `NothingReadError` when nothing of the files of ``report`` could be read.

    That is when they hold no stored record and some of them were unreadable or rejected
    rows. An unchanged file skipped this run counts by what was stored from it before.
    """
    if report.rows_read:
        return
    entries = store.source_entries()
    stored = [e for e in (entries.get(str(p)) for p in report.files) if e is not None]
    if any(e.rows for e in stored):
        return
    unreadable = sum(1 for e in stored if e.unreadable)
    rejected = sum(e.rejected for e in stored if not e.unreadable)
    if unreadable or rejected:
        raise NothingReadError(unreadable_files=unreadable, rejected_rows=rejected)


def stored_sources(store: Store, paths: Sequence[Path | str]) -> tuple[str, ...]:
    """Return the stored sources that ``paths`` name.

    A path names a stored file, or every stored source below a folder; it need not exist any
    more.

    Parameters
    ----------
    store
        The open store.
    paths
        Files or folders, as given by the user (``~`` expanded, relative to the working
        folder).

    Returns
    -------
    The absolute paths of the stored sources named, each once, in the order first named.

    Raises
    ------
    InputError
        If a path names no stored source.
    """
    known = sorted(store.source_entries())
    chosen: dict[str, None] = {}
    for item in paths:
        path = str(Path(item).expanduser().resolve())
        below = [p for p in known if p == path or p.startswith(path.rstrip("/") + "/")]
        if not below:
            raise InputError("not a source of this store (see `tradeperf store info`)", path=path)
        chosen.update(dict.fromkeys(below))
    return tuple(chosen)


def forget(store: Store, paths: Sequence[Path | str]) -> dict[str, int]:
    """Take the sources at ``paths`` out of ``store`` (`Store.forget`, `stored_sources`).

    Parameters
    ----------
    store
        The open store.
    paths
        Stored files or folders whose sources to forget.

    Raises
    ------
    InputError
        If a path names no stored source.
    """
    keep_books(store)
    return store.forget(list(stored_sources(store, paths)))


def write_report(
    summary: Summary,
    out_dir: Path,
    *,
    outputs: Sequence[str] | None = None,
    money_decimals: Mapping[str, int] | None = None,
    extras: ReportExtras | None = None,
    document: dict[str, Any] | None = None,
) -> list[Path]:
    """Write ``summary`` and its ``daily``/``weekly``/``monthly`` windows as report files.

    The files are those of the ``outputs``: ``summary.json``, ``summary.md``, ``daily.json``,
    ...; the CSV exports of `tradeperf.reports.csv_report` and ``trades.csv`` (the closed
    trades, when ``extras`` has them); ``report.html``, the tear sheet
    (`tradeperf.reports.html_report`); ``report.pdf``, the tear sheet printed by Chromium
    (`tradeperf.reports.pdf_report`).

    Parameters
    ----------
    summary
        The computed summary.
    out_dir
        The folder to write into (created if missing).
    outputs
        The kinds of file to write, from `OUTPUTS`; None: `default_outputs` (the PDF where
        a Chromium is found).
    money_decimals
        Decimals of money in the Markdown and HTML files (the setting: currency or ``*`` ->
        decimals); None for the currencies' own.
    extras
        What the tear sheet and ``trades.csv`` show beside the summary (`report_extras`);
        None: the summary alone.
    document
        ``summary_to_json(summary)`` when the caller has it already; None: made here.

    Returns
    -------
    The files written.

    Raises
    ------
    ConfigError
        If ``outputs`` names an output that is not in `OUTPUTS` (nothing is written).
    InputError
        If ``out_dir`` cannot be created or written, or the PDF cannot be printed.
    """
    from tradeperf.reports.html_report import ReportExtras

    outputs = check_outputs(default_outputs()[0] if outputs is None else outputs)
    extras = extras or ReportExtras()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output folder: {exc.strerror}", path=str(out_dir)
        ) from None
    from tradeperf.reports.markdown import render_summary, render_windows  # for its reports

    doc = summary_to_json(summary) if document is None else document
    docs = [("summary", doc, render_summary)]
    if "json" in outputs or "md" in outputs:  # the windows' own files
        docs += [(k.value, windows_to_json(summary, k), render_windows) for k in summary.windows]
    files = []
    try:
        for name, part, render in docs:
            if "json" in outputs:
                files.append(write_json(out_dir / f"{name}.json", part))
            if "md" in outputs:
                md = out_dir / f"{name}.md"
                md.write_text(render(part, overrides=money_decimals), encoding="utf-8")
                files.append(md)
        if "csv" in outputs:
            from tradeperf.reports.csv_report import write_csvs

            files += write_csvs(doc, out_dir)
            if extras.trades is not None:
                from tradeperf.reports.trade_rows import write_trades_csv

                files.append(write_trades_csv(extras.trades, out_dir / "trades.csv"))
        if "html" in outputs or "pdf" in outputs:
            from tradeperf.reports.html_report import write_html

            html = write_html(out_dir / "report.html", doc, extras, overrides=money_decimals)
            if "html" in outputs:
                files.append(html)
            if "pdf" in outputs:
                from tradeperf.reports.pdf_report import print_pdf

                try:
                    files.append(print_pdf(html, out_dir / "report.pdf"))
                finally:
                    if "html" not in outputs:
                        html.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", path=str(out_dir)) from None
    return files


def report_extras(store: Store, summary: Summary) -> ReportExtras:
    """Gather from ``store`` what the tear sheet shows beside ``summary`` (`ReportExtras`).

    The closed trades the summary counted (its request must have had ``trade_list``), as
    text rows; the P&L by exit hour and by weekday (the breakdowns of the same request);
    the first rejected rows and unreadable files of its sources.

    Parameters
    ----------
    store
        The open store the summary was computed from.
    summary
        The summary.
    """
    from tradeperf.analytics.windows import local_days
    from tradeperf.reports.html_report import REJECTED_LISTED, ReportExtras
    from tradeperf.reports.json_report import breakdown_to_json
    from tradeperf.reports.trade_rows import trade_rows

    request = summary.request

    def rows_of(closed: pa.Table) -> pa.Table:
        days = local_days(closed.column("exit_time"), resolve_timezone(request.day_key))
        return trade_rows(closed, days, request.currency)

    # the text of the trades is made by DuckDB and Arrow, which let go of the GIL: in a
    # thread beside the breakdowns the store computes
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(rows_of, summary.closed) if summary.closed is not None else None
        groups = {}
        for key in ("hour", "weekday"):
            part = summarize(
                store,
                dataclasses.replace(
                    request, by=(key,), windows=(), series=False, breakdowns=False,
                    trade_list=False, rolling=(),
                ),
            )  # fmt: skip
            groups[key] = breakdown_to_json(part.breakdown) if part.breakdown else None
        rows = pending.result() if pending is not None else None
    rejected: list[dict[str, object]] = []
    if summary.partial:
        table = store.quarantine(request.sources, limit=REJECTED_LISTED)
        rejected = table.select(["source", "line", "field", "reason"]).to_pylist()
    return ReportExtras(
        trades=rows, by_hour=groups["hour"], by_weekday=groups["weekday"], rejected=rejected
    )


def summary_request(config: Config, **kwargs: object) -> SummaryRequest:
    """Build a `SummaryRequest` from resolved settings plus explicit options, checked.

    Parameters
    ----------
    config
        The resolved settings, which give the timezone, capital and currency.
    **kwargs
        Further `SummaryRequest` fields (start, end, strategies, windows, ...).

    Raises
    ------
    ConfigError
        If the timezone is unknown or ``start`` is after ``end``.
    """
    request = SummaryRequest(
        timezone=config.timezone,
        capital=config.capital,
        currency=config.currency,
        sessions=config.sessions,
        day_start=config.day_start,
        calendar=config.calendar,
        **kwargs,  # type: ignore[arg-type]  # the summary options, passed through as given
    )
    resolve_timezone(request.day_key)
    names = [s.name for s in request.sessions]
    if request.session is not None and request.session not in names:
        known = ", ".join(names) or "none: set `sessions` (docs/configuration.md)"
        raise ConfigError(f"--session {request.session!r}: the sessions are {known}")
    if "session" in request.by and not names:
        raise ConfigError("--by session: no sessions are set (`sessions`, docs/configuration.md)")
    if {"session", "tag"} <= set(request.by):
        raise ConfigError("--by: session and tag each split a trade; group by one of them")
    if request.start and request.end and request.start > request.end:
        raise ConfigError(f"start {request.start} is after end {request.end}")
    return request


def account_for(store: Store, config: Config, sources: Sequence[str] = ()) -> tuple[Config, bool]:
    """Return ``config`` with the account the user did not give taken from its sources.

    For the settings the user did not give, ``config`` takes the capital and currency its
    sources state for themselves (a freqtrade export's starting balance and stake currency,
    stored at ingest), else the one currency all their records name.

    Parameters
    ----------
    store
        The open store.
    config
        The resolved settings (``explicit``: those the user gave).
    sources
        The sources summarised (absolute paths); empty: every stored source. They give
        an account only when they agree on one.

    Returns
    -------
    The settings with the account filled in, and whether the capital is still the default,
    assumed.
    """
    missing = {"capital", "currency"} - config.explicit
    if not missing:
        return config, False
    entries = store.source_entries()
    chosen = [entries[s] for s in sources if s in entries] if sources else entries.values()
    # sources that hold records and state no account are of the configured account: an
    # account stated by some sources only is not everybody's
    # a rates file is reference data, no account's
    accounts = {
        (e.capital, e.currency) for e in chosen if e.rows and e.kind != RecordKind.FX_RATES.value
    }
    if len(accounts) != 1 or accounts == {("", "")}:
        if "currency" in missing:  # records that all name one currency: that is the account's
            held = store.currencies(config.currency, sources)
            if len(held) == 1:
                config = dataclasses.replace(config, currency=next(iter(held)))
        return config, "capital" in missing
    capital, currency = accounts.pop()
    changes: dict[str, object] = {}
    if "capital" in missing and capital:
        changes["capital"] = Decimal(capital)
    if "currency" in missing and currency:
        changes["currency"] = currency
    replaced = dataclasses.replace(config, **changes)  # type: ignore[arg-type]  # typed above
    return replaced, "capital" in missing and not capital


def scoped_request(
    store: Store, config: Config, request: SummaryRequest, sources: tuple[str, ...]
) -> SummaryRequest:
    """Narrow ``request`` to ``sources``, with the account they state when the user gave none.

    The account comes from `account_for`; the request's ``capital_assumed`` tells whether
    the capital was assumed.

    Parameters
    ----------
    store
        The open store.
    config
        The resolved settings (``explicit``: those the user gave).
    request
        The checked request (`summary_request`).
    sources
        The stored sources to summarise (absolute paths); empty: the whole store.
    """
    config, assumed = account_for(store, config, sources)
    return dataclasses.replace(
        request,
        capital=config.capital,
        currency=config.currency,
        sources=sources,
        capital_assumed=assumed,
    )


def run_summary(
    config: Config, *, sources: Sequence[Path | str] = (), **request: object
) -> tuple[Summary, bool]:
    """Summarise the configured store, or the stored ``sources`` (files or folders).

    The account is the one the sources state when the user gave none (`account_for`).

    Parameters
    ----------
    config
        The resolved settings, which name the store.
    sources
        Stored files or folders to summarise; empty: the whole store.
    **request
        Further `SummaryRequest` fields (start, end, strategies, windows, ...).

    Returns
    -------
    (Summary, whether the default capital was assumed).

    Raises
    ------
    ConfigError
        For a bad timezone or ``start`` after ``end``.
    InputError
        If a source names nothing stored.
    StoreError
        If the store cannot be opened.
    """
    wanted = summary_request(config, **request)
    with open_store(config.store) as store:
        chosen = stored_sources(store, sources) if sources else ()
        scoped = scoped_request(store, config, wanted, chosen)
        return summarize(store, scoped), scoped.capital_assumed


#: The earliest and latest instants a period may name (the windows of a summary are days
#: between its bounds: a period from year 1 would be 740,000 of them).
EARLIEST: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST: Final = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

#: What `compare` puts side by side.
COMPARE_BY: Final = ("source", "strategy", "currency")


def compare(
    config: Config, *, by: str = "source", sources: Sequence[Path | str] = (), **request: object
) -> dict[str, object]:
    """Compare the overall figures of each source, strategy or currency, side by side.

    A source is, say, a freqtrade backtest run or a bot's log. The result is a JSON-able
    document ``{"by", "timezone", "groups": {label: {"currency", "capital", "figures"}}}``
    (figures as in ``summary.json``'s ``overall``; each group's money is in its own
    currency: two runs in BTC and USD are never mixed).

    Parameters
    ----------
    config
        The resolved settings.
    by
        ``source`` (every stored source that holds records, or ``sources``),
        ``strategy`` (within ``sources``, or the whole store), or ``currency`` (the records
        of each currency alone).
    sources
        Stored files or folders to compare (empty: all).
    **request
        Further `SummaryRequest` fields (start, end, strategies, ...).

    Raises
    ------
    ConfigError
        For an unknown ``by``.
    InputError
        If a source names nothing stored.
    """
    if by not in COMPARE_BY:
        raise ConfigError(f"--by: choose {' or '.join(COMPARE_BY)}, not {by!r}")
    wanted = summary_request(config, windows=(), **request)
    groups: dict[str, object] = {}
    with open_store(config.store) as store:
        if sources:
            chosen = stored_sources(store, sources)
        else:
            chosen = tuple(
                p
                for p, e in sorted(store.source_entries().items())
                if e.rows and e.kind != RecordKind.FX_RATES.value  # rates are no account's
            )
        if by == "currency":  # each currency's records alone, with the account's capital
            held = store.currencies(config.currency, chosen)
            for cur in sorted(held):
                summary = summarize_trades(
                    store,
                    dataclasses.replace(
                        wanted,
                        sources=chosen,
                        capital=config.capital,
                        currency=cur,
                        unlabelled_currency=config.currency,
                    ),
                    only_currency=True,
                )
                doc = summary_to_json(summary)
                groups[cur] = {
                    "currency": cur,
                    "capital": doc["capital"],
                    "figures": doc["overall"],
                }
            return {"by": by, "timezone": wanted.timezone, "groups": groups}
        if by == "strategy":  # within each account: its strategies' money in its currency
            entries = store.source_entries()
            accounts: dict[tuple[str, str], list[str]] = {}
            for path in chosen:
                accounts.setdefault((entries[path].capital, entries[path].currency), []).append(
                    path
                )
            scopes: list[tuple[tuple[str, ...], str | None]] = [
                (tuple(paths), None) for paths in accounts.values()
            ]
        else:
            scopes = [((p,), p) for p in chosen]
        for scope, label in scopes:
            doc = summary_to_json(summarize(store, scoped_request(store, config, wanted, scope)))
            named = {label: doc["overall"]} if label else dict(sorted(doc["by_strategy"].items()))
            for name, figures in named.items():
                if name in groups:  # one strategy name in two accounts
                    name = f"{name} ({doc['currency']}, {len(groups)})"
                groups[name] = {
                    "currency": doc["currency"],
                    "capital": doc["capital"],
                    "figures": figures,
                }
    return {"by": by, "timezone": wanted.timezone, "groups": groups}


def run_report(
    paths: Sequence[Path],
    out_dir: Path,
    config: Config,
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    windows: tuple[WindowKind, ...] = tuple(WindowKind),
    outputs: Sequence[str] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    benchmark: Path | None = None,
    **request: object,
) -> ReportResult:
    """Ingest ``paths`` into the configured store, summarise them and write the report files.

    The report covers the records of the files under ``paths`` only, not whatever else the
    store holds (``summary.request.sources`` lists them). When the inputs include a freqtrade
    backtest export and the user set no capital or currency, the export's
    ``starting_balance`` and ``stake_currency`` are used.

    Parameters
    ----------
    paths
        Files and folders to ingest and report on.
    out_dir
        The folder to write the report files into (created if missing).
    config
        The resolved settings (store, timezone, capital, currency, money decimals).
    options
        The reader options (forced reader, column mapping, decimal mark, limits).
    windows
        The kinds of calendar window to break the summary into (daily, weekly, monthly).
    outputs
        The kinds of report file to write, from `OUTPUTS`; None: `default_outputs` (all,
        the PDF where a Chromium is found; ``notes`` says when it is not).
    on_start
        Called once with the number of files discovered, before any is read.
    on_file
        Called with each file's path after it is read (for a progress bar).
    benchmark
        A file of dates with returns or prices (`tradeperf.ingest.benchmark`) to compare the
        account with; None: no benchmark.
    **request
        Further `SummaryRequest` fields (start, end, strategies, ...).

    Raises
    ------
    ConfigError
        For a bad option (reader, outputs, timezone, ``start`` after ``end``, a PDF asked for
        where none can be printed), before the store is opened: then nothing is read or
        written.
    InputError
        If ``out_dir`` is a file, a path is missing, or nothing could be read
        (`NothingReadError`, then no report is written).
    StoreError
        If the store cannot be opened or written.
    """
    check_read_options(options)
    notes: list[str] = []
    if outputs is None:
        outputs, notes = default_outputs()
    outputs = check_outputs(outputs)
    if "pdf" in outputs:
        from tradeperf.reports.pdf_report import pdf_unavailable

        reason = pdf_unavailable()
        if reason is not None:
            raise ConfigError(f"--outputs pdf: {reason.removeprefix('report.pdf skipped: ')}")
    tear_sheet = bool({"html", "pdf"} & set(outputs))
    if tear_sheet and not request.get("rolling"):
        from tradeperf.reports.html_report import ROLLING

        request["rolling"] = ROLLING
    wanted = summary_request(
        config, windows=windows, trade_list=bool(_TRADE_OUTPUTS & set(outputs)), **request
    )
    bench = None
    if benchmark is not None:
        from tradeperf.ingest.benchmark import read_benchmark

        bench = read_benchmark(benchmark)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output folder is a file", path=str(out_dir))
    with open_store(config.store) as store:
        report = ingest(
            store,
            paths,
            options=options,
            on_start=on_start,
            on_file=on_file,
            cost_basis=wanted.cost_basis,
        )
        scoped = scoped_request(store, config, wanted, tuple(str(p) for p in report.files))
        summary = summarize(store, scoped)
        if bench is not None:
            add_benchmark(summary, bench)
        document = summary_to_json(summary)  # once, for every file
        plain = [o for o in outputs if o not in _TRADE_OUTPUTS]
        rich = [o for o in outputs if o in _TRADE_OUTPUTS]
        files: list[Path] = []
        # the JSON and Markdown files are written while the store gathers what the CSV and
        # the tear sheet show (mostly in DuckDB, without the GIL); nothing else uses the store
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(report_extras, store, summary) if rich else None
            if plain:
                files += write_report(
                    summary, out_dir, outputs=plain, money_decimals=config.money_decimals,
                    document=document,
                )  # fmt: skip
            extras = pending.result() if pending is not None else None
    if rich:
        files += write_report(
            summary, out_dir, outputs=rich, money_decimals=config.money_decimals, extras=extras,
            document=document,
        )  # fmt: skip
    return ReportResult(
        ingest=report,
        summary=summary,
        files=files,
        capital_assumed=scoped.capital_assumed,
        notes=notes,
    )


def add_benchmark(summary: Summary, bench: BenchmarkFile) -> None:
    """Compare ``summary``'s daily returns with a benchmark's, in place (``summary.benchmark``).

    Parameters
    ----------
    summary
        A summary with its daily series.
    bench
        The benchmark read from its file (`tradeperf.ingest.benchmark.read_benchmark`).
    """
    from tradeperf.analytics.benchmark import compare as compare_benchmark

    if summary.series is not None:
        summary.benchmark = compare_benchmark(
            summary.series, bench, periods_per_year=summary.periods_per_year
        )


def edge_options(
    config: Config,
    since: str | None,
    at: str | None,
    last: int | None,
    by: str | None,
    rolling: list[str] | None = None,
    session: str | None = None,
) -> dict[str, Any]:
    """Give the `SummaryRequest` fields of the options since, at, last, by, rolling, session.

    As the CLI's ``--since``... and the service's query parameters of the same names take
    them: ``since`` a duration back from ``at`` (or now) or an instant, ``at`` the end
    (exclusive), ``by`` comma-separated breakdown keys, ``rolling`` FIGURE:WINDOW texts.

    Raises
    ------
    ConfigError
        For a bad duration, instant, key or rolling figure.
    """
    from tradeperf.analytics.breakdowns import check_keys
    from tradeperf.durations import parse_instant, parse_since
    from tradeperf.timezones import resolve_timezone

    tz = resolve_timezone(config.timezone)
    until = parse_instant(at, tz) if at else None
    fields: dict[str, Any] = {"until": until, "last": last}
    if since:  # a trailing window ends at --at, or now
        fields["until"] = until or dt.datetime.now(dt.UTC)
        fields["since"] = parse_since(since, until=fields["until"], tz=tz)
    for name in ("since", "until"):
        instant = fields.get(name)
        if instant is not None and not EARLIEST <= instant <= LATEST:
            shown = "at" if name == "until" else name
            raise ConfigError(
                f"{shown} {instant.isoformat()}: give a time between {EARLIEST.year} and "
                f"{LATEST.year}"
            )
    if by:
        fields["by"] = check_keys([k for k in by.split(",") if k.strip()])
    if rolling:
        from tradeperf.analytics.rolling import parse_rolling

        fields["rolling"] = tuple(parse_rolling(r).text for r in rolling)
    if session:
        fields["session"] = session.strip().lower()
    return fields
