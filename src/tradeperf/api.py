"""The Python API for a bot's own code: ``tradeperf.generate_report()``.

One call reads the store (after ingesting ``paths``, if given), summarises it with the same
settings layers as the CLI (flags here, then environment, config file, defaults) and returns
the dict a bot reads (`tradeperf.reports.bot_report.report_dict`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["generate_report"]


def generate_report(
    store: str | None = None,
    *,
    paths: Sequence[str | Path] = (),
    timezone: str | None = None,
    day_start: str | dt.time | None = None,
    capital: str | int | None = None,
    currency: str | None = None,
    config_file: str | Path | None = None,
    **request: Any,
) -> dict[str, Any]:
    r"""Summarise a store and give the dict a bot reads.

    Parameters
    ----------
    store
        Store URL (``duckdb://PATH`` or ``postgresql://...``); None: the configured one.
    paths
        Files or folders to ingest first; the report then covers them alone, as
        ``tradeperf report PATHS`` (empty: the whole store, as ``tradeperf summary``).
    timezone, day_start, capital, currency
        As ``--tz``, ``--day-start``, ``--capital`` and ``--currency`` (None: the settings).
    config_file
        A config file (None: ``TRADEPERF_CONFIG`` or ``./tradeperf.toml``).
    **request
        Further `tradeperf.analytics.model.SummaryRequest` fields: ``start``/``end``
        (local dates), ``since``/``until`` (UTC datetimes), ``last``, ``strategies``,
        ``symbols``, ``by``, ``rolling``, ...

    Returns
    -------
    dict
        ``summary`` (with ``total_pnl``), ``by_asset[SYMBOL]["total_pnl"]``, ``by_strategy``,
        ``daily_pnl`` and ``cumulative_pnl`` (ISO day -> Decimal in ``currency``), and the
        run's ``partial``/``rejected_rows`` (`tradeperf.reports.bot_report.report_dict`).

    Raises
    ------
    ConfigError
        For a bad setting or request field.
    InputError
        If a path is missing or nothing in it could be read.
    StoreError
        If the store cannot be opened.

    Examples
    --------
    >>> import json, tempfile
    >>> from decimal import Decimal
    >>> folder = Path(tempfile.mkdtemp())
    >>> trades = [{"trade_id": f"t{i}", "symbol": s, "exit_time": f"2024-05-0{i + 1}T12:00:00Z",
    ...            "net_pnl": p} for i, (s, p) in enumerate([("BTC", "12.5"), ("ETH", "-2.25")])]
    >>> _ = (folder / "trades.jsonl").write_text("\n".join(json.dumps(t) for t in trades))
    >>> report = generate_report(f"duckdb://{folder}/store.duckdb", paths=[folder / "trades.jsonl"],
    ...                          capital=1000)
    >>> report["summary"]["total_pnl"] == Decimal("10.25")  # exact, as stored (18 places)
    True
    >>> report["by_asset"]["ETH"]["total_pnl"] == Decimal("-2.25")
    True
    >>> {day: float(pnl) for day, pnl in report["cumulative_pnl"].items()}
    {'2024-05-01': 12.5, '2024-05-02': 10.25}
    """
    from tradeperf import jobs
    from tradeperf.config import load_config
    from tradeperf.reports.bot_report import report_dict
    from tradeperf.store import open_store

    start_text = day_start.strftime("%H:%M") if isinstance(day_start, dt.time) else day_start
    flags = {
        "store": store,
        "timezone": timezone,
        "day_start": start_text,
        "capital": capital,
        "currency": currency,
    }
    config = load_config(flags, config_file=Path(config_file) if config_file else None)
    if not paths:
        summary, _ = jobs.run_summary(config, **request)
        return report_dict(summary)
    wanted = jobs.summary_request(config, **request)
    with open_store(config.store) as opened:
        ingested = jobs.ingest(opened, [Path(p) for p in paths], cost_basis=wanted.cost_basis)
        scoped = jobs.scoped_request(opened, config, wanted, tuple(str(p) for p in ingested.files))
        from tradeperf.analytics.summary import summarize

        return report_dict(summarize(opened, scoped))
