"""The main jobs as library calls: ingest sources, summarise, write the report files.

The CLI (and later the service) only parse options, call these and present the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tradeperf.analytics.summary import Summary, SummaryRequest, summarize
from tradeperf.analytics.windows import WindowKind
from tradeperf.config import Config
from tradeperf.errors import InputError
from tradeperf.ingest.freqtrade import freqtrade_summary
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.ingest.read import discover
from tradeperf.reports.json_report import summary_to_json, windows_to_json, write_json
from tradeperf.reports.markdown import render_summary, render_windows
from tradeperf.store import Store, open_store
from tradeperf.store.loader import IngestReport, ingest_paths


@dataclass(slots=True)
class ReportResult:
    """What `run_report` did: the ingestion report, the summary and the files written."""

    ingest: IngestReport
    summary: Summary
    files: list[Path] = field(default_factory=list)


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Discover the source files under ``paths`` and ingest them into ``store``.

    Raises
    ------
    InputError
        If a path does not exist or a folder holds no readable record file.
    """
    files = discover(paths)
    if on_start is not None:
        on_start(len(files))
    return ingest_paths(store, files, options=options, on_file=on_file)


def write_report(summary: Summary, out_dir: Path) -> list[Path]:
    """Write ``summary.json``/``.md`` and ``daily``/``weekly``/``monthly`` ``.json``/``.md``.

    Raises
    ------
    InputError
        If ``out_dir`` cannot be created or written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output folder: {exc.strerror}", path=str(out_dir)
        ) from None
    doc = summary_to_json(summary)
    files = [write_json(out_dir / "summary.json", doc)]
    md = out_dir / "summary.md"
    md.write_text(render_summary(doc), encoding="utf-8")
    files.append(md)
    for kind in summary.windows:
        wdoc = windows_to_json(summary, kind)
        files.append(write_json(out_dir / f"{kind.value}.json", wdoc))
        wmd = out_dir / f"{kind.value}.md"
        wmd.write_text(render_windows(wdoc), encoding="utf-8")
        files.append(wmd)
    return files


def summary_request(config: Config, **kwargs: object) -> SummaryRequest:
    """A `SummaryRequest` from resolved settings plus explicit options."""
    return SummaryRequest(
        timezone=config.timezone,
        capital=config.capital,
        currency=config.currency,
        **kwargs,  # type: ignore[arg-type]
    )


def account_from_sources(store: Store, files: Sequence[Path], config: Config) -> Config:
    """``config`` with capital and currency taken from a freqtrade export among ``files``
    (absolute paths), for the settings the user did not give explicitly."""
    missing = {"capital", "currency"} - config.explicit
    if not missing:
        return config
    for path in files:
        entry = store.source_entry(str(path))
        if entry is None or entry.format != "freqtrade":
            continue
        for ft in freqtrade_summary(path).values():
            changes: dict[str, object] = {}
            if "capital" in missing and ft.starting_balance is not None:
                changes["capital"] = ft.starting_balance
            if "currency" in missing and ft.stake_currency:
                changes["currency"] = ft.stake_currency
            return dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    return config


def run_report(
    paths: Sequence[Path],
    out_dir: Path,
    config: Config,
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    windows: tuple[WindowKind, ...] = tuple(WindowKind),
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    **request: object,
) -> ReportResult:
    """Ingest ``paths`` into the configured store, summarise it and write the report files.

    When the inputs include a freqtrade backtest export and the user set no capital or
    currency, the export's ``starting_balance`` and ``stake_currency`` are used.
    """
    with open_store(config.store) as store:
        report = ingest(store, paths, options=options, on_start=on_start, on_file=on_file)
        config = account_from_sources(store, report.files, config)
        summary = summarize(store, summary_request(config, windows=windows, **request))
    files = write_report(summary, out_dir)
    return ReportResult(ingest=report, summary=summary, files=files)
