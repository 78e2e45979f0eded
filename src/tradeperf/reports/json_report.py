"""The JSON form of a summary and of its window files, in the shapes of the shipped schemas.

The documents are validated against their schemas when ``TRADEPERF_VALIDATE_OUTPUT=1`` (the
test suite sets it, so every document a test produces is checked); a run does not pay for
it (2.1 s of a 1M-fill report was spent validating).

Money (exact Decimals inside) stays a Decimal in the documents and is written as a JSON number
from the Decimal's own digits (`dumps`), never through a float: ``478.12`` is written
``478.12``, not ``478.1200000000008``; a reader keeps it exact with
``json.loads(text, parse_float=decimal.Decimal)``. A non-finite figure (undefined or infinite)
is written as ``null`` and its reason is given in the figures' ``null_reasons``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tradeperf.analytics.breakdowns import Breakdown
from tradeperf.analytics.rolling import RollingSeries
from tradeperf.analytics.series import DailySeries
from tradeperf.analytics.summary import Summary, WindowFigures
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.metrics.registry import infinite_reason, undefined_reason
from tradeperf.reports.schema import validate
from tradeperf.timezones import resolve_timezone

if TYPE_CHECKING:
    from tradeperf.analytics.benchmark import BenchmarkComparison

SCHEMA_VERSION: Final = 1
#: Set to ``1`` to validate every document against its schema as it is built (tests do).
VALIDATE_ENV: Final = "TRADEPERF_VALIDATE_OUTPUT"


def _check(doc: dict[str, Any], name: str) -> None:
    if os.environ.get(VALIDATE_ENV) == "1":
        validate(doc, name)


#: Why a money figure is ``Decimal("NaN")``: a sum beyond what the store's partials hold.
OUT_OF_RANGE: Final = "out of range: a daily sum exceeds the store's money range (docs/store.md)"


def figures_to_json(figures: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready figures: Decimals as numbers, NaN/inf/None as null with ``null_reasons``.

    A Decimal NaN is a money sum out of the store's range (`OUT_OF_RANGE`); the float
    figures that are NaN beside one are undefined for that reason too.
    """
    out: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    out_of_range = any(isinstance(v, Decimal) and v.is_nan() for v in figures.values())
    for name, value in figures.items():
        if value is None:
            out[name] = None
            reasons[name] = undefined_reason(name)
        elif isinstance(value, Decimal):
            out[name] = None if value.is_nan() else value
            if value.is_nan():
                reasons[name] = OUT_OF_RANGE
        elif isinstance(value, float) and not math.isfinite(value):
            out[name] = None
            if math.isnan(value):
                reasons[name] = OUT_OF_RANGE if out_of_range else undefined_reason(name)
            else:
                reasons[name] = infinite_reason(name)
        elif isinstance(value, float | int):
            out[name] = value
        else:
            out[name] = float(value)
    if reasons:
        out["null_reasons"] = reasons
    return out


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def window_to_json(w: WindowFigures, tz: Any) -> dict[str, Any]:
    """One window as JSON: label, local bounds with offsets, figures."""
    return {
        "window": w.label,
        "start": w.start.astimezone(tz).isoformat(),
        "end": w.end.astimezone(tz).isoformat(),
        "figures": figures_to_json(w.figures),
    }


def summary_to_json(summary: Summary) -> dict[str, Any]:
    """Build the summary document (``summary.json``), valid against ``summary.schema.json``.

    Parameters
    ----------
    summary
        The computed summary, with the request it answers.
    """
    req = summary.request
    tz = resolve_timezone(req.timezone)
    overall = summary.overall
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": summary.generated_at.isoformat(),
        "timezone": req.timezone,
        "day_start": f"{req.day_start or dt.time(0):%H:%M}",
        "currency": req.currency,
        "capital": req.capital,
        "periods_per_year": summary.periods_per_year,
        "period": {
            "start": req.start.isoformat() if req.start else None,
            "end": req.end.isoformat() if req.end else None,
            "first_exit": _iso(summary.first_exit),
            "last_exit": _iso(summary.last_exit),
            "since": _iso(req.since),
            "until": _iso(req.until),
            "last": req.last,
        },
        "filters": {
            "strategies": list(req.strategies),
            "symbols": list(req.symbols),
            "sources": list(req.sources),
        },
        "capital_assumed": req.capital_assumed,
        "partial": summary.partial,
        "rejected_rows": summary.rejected_rows,
        "unreadable_files": summary.unreadable_files,
        "status_counts": summary.status_counts,
        "overall": figures_to_json(overall),
        "windows": {
            kind.value: [window_to_json(w, tz) for w in ws] for kind, ws in summary.windows.items()
        },
        "by_strategy": {k: figures_to_json(v) for k, v in summary.by_strategy.items()},
        "by_symbol": {k: figures_to_json(v) for k, v in summary.by_symbol.items()},
        "other_currencies": summary.other_currencies,
        "converted_currencies": summary.converted_currencies,
        "conversion_missing": summary.conversion_missing,
        "breakdown": breakdown_to_json(summary.breakdown) if summary.breakdown else None,
        "series": _series_block(summary),
        "rolling": {r.spec.text: _rolling_rows(r) for r in summary.rolling},
        "benchmark": benchmark_to_json(summary.benchmark) if summary.benchmark else None,
    }
    _check(doc, "summary")
    return doc


def breakdown_to_json(breakdown: Breakdown) -> dict[str, Any]:
    """Give a breakdown as JSON: its keys and one entry per group with its labels and figures.

    Parameters
    ----------
    breakdown
        The computed breakdown (`tradeperf.analytics.breakdowns.breakdown`).
    """
    return {
        "by": list(breakdown.by),
        "overlapping": breakdown.overlapping,
        "last": breakdown.last,
        "groups": [
            {
                "key": dict(zip(breakdown.by, g.key, strict=True)),
                "figures": figures_to_json(g.figures),
            }
            for g in breakdown.groups
        ],
    }


def benchmark_to_json(comparison: BenchmarkComparison) -> dict[str, Any]:
    """Give the account beside a benchmark as JSON: the benchmark, the figures, the days.

    Parameters
    ----------
    comparison
        The comparison (`tradeperf.analytics.benchmark.compare`).

    Returns
    -------
    dict
        ``name``, ``kind`` (``returns`` or ``prices``), ``days`` (the number compared),
        ``rejected_rows`` (of the benchmark's file), ``figures`` (non-finite as null with
        ``null_reasons``) and ``series``: one ``{"day", "return", "benchmark_return",
        "benchmark_equity"}`` row per day compared.
    """

    def frac(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return {
        "name": comparison.name,
        "kind": comparison.kind,
        "days": comparison.days_used,
        "rejected_rows": comparison.rejected_rows,
        "figures": figures_to_json(comparison.figures),
        "series": [
            {
                "day": d.isoformat(),
                "return": frac(r),
                "benchmark_return": frac(b),
                "benchmark_equity": frac(e),
            }
            for d, r, b, e in zip(
                comparison.days.tolist(),
                comparison.returns.tolist(),
                comparison.benchmark_returns.tolist(),
                comparison.benchmark_equity,
                strict=True,
            )
        ],
    }


def series_to_json(series: DailySeries) -> list[dict[str, Any]]:
    """Give the daily rows of a series as JSON objects (money exact; NaN fractions as null).

    Parameters
    ----------
    series
        The daily series (`tradeperf.analytics.series.DailySeries`).
    """

    def frac(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    return [
        {
            "day": d.isoformat(),
            "trades": int(n),
            "net_pnl": p,
            "cumulative_pnl": c,
            "equity": e,
            "return": frac(r),
            "drawdown": frac(w),
        }
        for d, n, p, c, e, r, w in zip(
            series.day.tolist(),
            series.trades.tolist(),
            series.net_pnl,
            series.cumulative_pnl,
            series.equity,
            series.daily_return.tolist(),
            series.drawdown.tolist(),
            strict=True,
        )
    ]


def _rolling_rows(rolling: RollingSeries) -> list[dict[str, Any]]:
    """Give a rolling figure's values as ``{"at", "value"}`` rows (non-finite as null)."""

    def value(v: float | Decimal | None) -> float | Decimal | None:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return None
        return v

    return [
        {"at": t.isoformat(), "value": value(v)}
        for t, v in zip(rolling.at, rolling.values, strict=True)
    ]


def _series_block(summary: Summary) -> dict[str, Any] | None:
    if summary.series is None:
        return None
    return {
        "daily": series_to_json(summary.series),
        "by_strategy": {k: series_to_json(v) for k, v in summary.series_by_strategy.items()},
        "by_symbol": {k: series_to_json(v) for k, v in summary.series_by_symbol.items()},
    }


def windows_to_json(summary: Summary, kind: WindowKind) -> dict[str, Any]:
    """Build the document of the windows of one kind (``daily.json``...).

    The document is valid against ``window.schema.json``.

    Parameters
    ----------
    summary
        The computed summary, with the request it answers.
    kind
        The kind of window (daily, weekly or monthly) whose windows the document holds.
    """
    tz = resolve_timezone(summary.request.timezone)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": kind.value,
        "timezone": summary.request.timezone,
        "day_start": f"{summary.request.day_start or dt.time(0):%H:%M}",
        "currency": summary.request.currency,
        "partial": summary.partial,
        "rejected_rows": summary.rejected_rows,
        "unreadable_files": summary.unreadable_files,
        "windows": [window_to_json(w, tz) for w in summary.windows.get(kind, [])],
    }
    _check(doc, "window")
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Serialise a document as indented JSON (strict: no NaN), Decimals from their own digits.

    The layout is that of ``json.dumps(doc, indent=2)``.

    Raises
    ------
    ValueError
        If the document holds a non-finite float or Decimal.

    Examples
    --------
    >>> print(dumps({"net_pnl": Decimal("478.120000000000000000"), "win_rate": 0.5}), end="")
    {
      "net_pnl": 478.12,
      "win_rate": 0.5
    }
    """
    return _encode(doc, "") + "\n"


def decimal_text(value: Decimal) -> str:
    """Return the JSON number text of ``value``.

    The text has the exact digits of ``value`` in plain notation, with the trailing zeros of
    the fraction dropped.

    Raises
    ------
    ValueError
        If ``value`` is not finite.

    Examples
    --------
    >>> [decimal_text(Decimal(t)) for t in ("-0E-18", "1E+21", "0.10")]
    ['0', '1000000000000000000000', '0.1']
    """
    if not value.is_finite():
        raise ValueError(f"a non-finite Decimal is not a JSON number: {value!r}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _encode(value: Any, indent: str) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{inner}{_string(str(k))}: {_encode(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _encode(v, inner) for v in value) + "\n" + indent + "]"
    return _scalar(value)


#: The string encoder of ``json.dumps`` (its default ``ensure_ascii``).
_string: Final = json.encoder.encode_basestring_ascii


def _scalar(value: Any) -> str:
    """Return ``json.dumps(value, allow_nan=False)`` of a scalar ``value``.

    The common scalars skip the per-call set-up of ``json.dumps`` (a window file holds
    thousands).
    """
    if isinstance(value, str):
        return str(_string(value))
    if value is None:
        return "null"
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, allow_nan=False)  # bools, enums, and the error of a non-finite


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(doc), encoding="utf-8")
    tmp.replace(path)
    return path
