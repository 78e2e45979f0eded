"""The JSON form of a summary and of its window files, validated against the shipped schemas.

Money (exact Decimals inside) is written as JSON numbers; a non-finite figure (undefined or
infinite) is written as ``null`` and its reason is given in the figures' ``null_reasons``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from tradeperf.analytics.summary import Summary, WindowFigures
from tradeperf.analytics.windows import WindowKind
from tradeperf.reports.schema import validate
from tradeperf.timezones import resolve_timezone

SCHEMA_VERSION: Final = 1

#: Why a figure can be NaN (undefined), by figure name.
_UNDEFINED: Final = {
    "win_rate": "no closed trades",
    "average_win": "no winning trades",
    "average_loss": "no losing trades",
    "payoff_ratio": "needs both winning and losing trades",
    "profit_factor": "no winning and no losing trades",
    "expectancy": "no closed trades",
    "return_pct": "no days in the period, or equity not positive",
    "largest_win": "no winning trades",
    "largest_loss": "no losing trades",
    "average_holding_seconds": "no trade has an entry time",
    "max_drawdown": "no days in the period, or equity never positive",
    "max_drawdown_abs": "no closed trades",
    "sharpe_ratio": "fewer than 2 daily returns or zero volatility",
    "sortino_ratio": "fewer than 2 daily returns",
}
#: Why a figure can be +/-inf, by figure name.
_INFINITE: Final = {
    "profit_factor": "infinite: no losing trades",
    "payoff_ratio": "infinite: losses average zero",
    "sortino_ratio": "infinite: no daily return below the target",
    "sharpe_ratio": "infinite: zero volatility",
}


def figures_to_json(figures: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready figures: Decimals as numbers, NaN/inf/None as null with ``null_reasons``."""
    out: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for name, value in figures.items():
        if value is None:
            out[name] = None
            reasons[name] = _UNDEFINED.get(name, "undefined")
        elif isinstance(value, Decimal):
            out[name] = float(value)
        elif isinstance(value, float) and not math.isfinite(value):
            out[name] = None
            reasons[name] = (
                _UNDEFINED.get(name, "undefined")
                if math.isnan(value)
                else _INFINITE.get(name, "infinite")
            )
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
    """The summary document (``summary.json``), valid against ``summary.schema.json``."""
    req = summary.request
    tz = resolve_timezone(req.timezone)
    overall = summary.overall
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": summary.generated_at.isoformat(),
        "timezone": req.timezone,
        "currency": req.currency,
        "capital": float(req.capital),
        "periods_per_year": summary.periods_per_year,
        "period": {
            "start": req.start.isoformat() if req.start else None,
            "end": req.end.isoformat() if req.end else None,
            "first_exit": _iso(summary.first_exit),
            "last_exit": _iso(summary.last_exit),
        },
        "filters": {"strategies": list(req.strategies), "symbols": list(req.symbols)},
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
    }
    validate(doc, "summary")
    return doc


def windows_to_json(summary: Summary, kind: WindowKind) -> dict[str, Any]:
    """The document of one window kind (``daily.json``...), valid against ``window.schema.json``."""
    tz = resolve_timezone(summary.request.timezone)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": kind.value,
        "timezone": summary.request.timezone,
        "currency": summary.request.currency,
        "partial": summary.partial,
        "rejected_rows": summary.rejected_rows,
        "unreadable_files": summary.unreadable_files,
        "windows": [window_to_json(w, tz) for w in summary.windows.get(kind, [])],
    }
    validate(doc, "window")
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Serialise a document as indented JSON (strict: no NaN)."""
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(doc), encoding="utf-8")
    tmp.replace(path)
    return path
