"""The markouts document (``markouts.json``, schema ``tradeperf schema markouts``) and its Markdown.

One row per group and horizon, gross and net of fees: the groups are the full cube over symbol
× side × liquidity × strategy (``"*"`` for all), for the window ``"all"`` (the whole input).
Statistics are in basis points (1 bp = 1e-4 of the fill price) and follow
`tradeperf.mm.stats`; ``spread_capture_bps`` and ``adverse_selection_bps`` are the means of
capture and adverse selection over the same fills as ``mean_bps``, so that ``mean_bps`` =
``spread_capture_bps`` − ``adverse_selection_bps`` up to float rounding (per fill it holds
exactly).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import numpy as np

from tradeperf.mm.markouts import LIQUIDITIES, SIDES, Markouts
from tradeperf.mm.stats import ALL, LeafGroups

#: Decimal places of bps figures in the document (1e-10 bp; well below any price tick).
PLACES: Final = 10

DEFINITIONS: Final = {
    "unit": "basis points of the fill price (1 bp = 1e-4)",
    "sign": "s = +1 for a buy, -1 for a sell: a positive markout is in the desk's favour",
    "reference_price": (
        "the book's reference price after the last quote row with timestamp <= t (ties: "
        "the last row in input order); one-sided rows carry the other side forward"
    ),
    "markout": "s * (ref(t+h) - p) / p * 1e4",
    "spread_capture": "the markout at h = 0: s * (ref(t) - p) / p * 1e4",
    "adverse_selection": "spread capture - markout(h) = s * (ref(t) - ref(t+h)) / p * 1e4",
    "net_of_fee": (
        "markout - fee in bps of notional |q| * p * multiplier (a rebate is a negative "
        "fee); --fee-bps applies to fills whose fee is 0; a fee in another currency "
        "leaves the net value missing"
    ),
    "missing": (
        "no valid book at or before t (every horizon), or t + h past the symbol's last "
        "quote; missing values are counted, never zero"
    ),
    "quantiles": "linear interpolation between order statistics at (n - 1) * q",
    "std": "sample standard deviation (n - 1); null below 2 values",
    "notional_weighted_mean": "sum(|q| * p * x) / sum(|q| * p) over fills with a value",
    "groups": "full cube over symbol x side x liquidity x strategy; '*' means all",
}


def _round(value: object) -> object:
    if isinstance(value, float):
        return round(value, PLACES)
    return value


def markout_rows(m: Markouts, *, window: str = "all") -> list[dict[str, Any]]:
    """Build the document's rows from per-fill markouts (see the module docstring)."""
    f = m.fills
    groups = LeafGroups(
        {
            "symbol": f.symbol,
            "side": (f.sign < 0).astype(np.int8),
            "liquidity": f.liquidity,
            "strategy": f.strategy,
        },
        {
            "symbol": f.symbols,
            "side": list(SIDES),
            "liquidity": list(LIQUIDITIES),
            "strategy": f.strategies,
        },
    )
    combos = [(j, net) for j in range(len(m.horizons)) for net in (False, True)]
    markout, adverse = groups.arrange(m.markout), groups.arrange(m.adverse)
    capture, fee_bps, notional = (groups.arrange(a) for a in (m.capture, f.fee_bps, f.notional))

    def one(combo: tuple[int, bool]) -> list[dict[str, object]]:
        j, net = combo
        fee = fee_bps if net else 0.0
        extra = {"spread_capture_bps": capture - fee, "adverse_selection_bps": adverse[:, j]}
        return groups.stats(markout[:, j] - fee, notional, extra, arranged=True)

    # NumPy sorts without the GIL: two threads use both cores of a small machine
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        results = list(pool.map(one, combos))
    rows: list[dict[str, Any]] = []
    for (j, net), stats in zip(combos, results, strict=True):
        horizon = m.horizons[j]
        for g in stats:
            rows.append(
                {
                    "symbol": g["symbol"],
                    "side": g["side"],
                    "liquidity": g["liquidity"],
                    "strategy": g["strategy"],
                    "window": window,
                    "horizon": horizon.label,
                    "horizon_ns": horizon.ns,
                    "net_of_fee": net,
                    "count": g["count"],
                    "missing": g["missing"],
                    **{
                        f"{name}_bps": _round(g[name])
                        for name in ("mean", "median", "p5", "p95", "std")
                    },
                    "notional_weighted_mean_bps": _round(g["notional_weighted_mean"]),
                    "spread_capture_bps": _round(g["spread_capture_bps"]),
                    "adverse_selection_bps": _round(g["adverse_selection_bps"]),
                }
            )
    return rows


def _subset(m: Markouts, keep: np.ndarray) -> Markouts:
    """Keep the markouts of the fills where ``keep`` (in their leaf order)."""
    f = m.fills
    arrays = {
        name: getattr(f, name)[keep]
        for name in (
            "us",
            "symbol",
            "strategy",
            "liquidity",
            "sign",
            "price",
            "notional",
            "fee_bps",
        )
    }
    fills = dataclasses.replace(f, **arrays, position=np.arange(int(keep.sum())))
    return dataclasses.replace(
        m,
        fills=fills,
        capture=m.capture[keep],
        adverse=np.asfortranarray(m.adverse[keep]),
        markout=np.asfortranarray(m.markout[keep]),
    )


def daily_rows(m: Markouts, tz: str) -> list[dict[str, Any]]:
    """Rows of each local day of ``tz`` (the window is the day, ``YYYY-MM-DD``), by fill time.

    Raises
    ------
    tradeperf.errors.ConfigError
        If ``tz`` is not an IANA timezone.
    """
    import pandas as pd

    from tradeperf.timezones import resolve_timezone

    zone = resolve_timezone(tz)
    local = pd.to_datetime(m.fills.us, unit="us", utc=True).tz_convert(zone.key)
    days = np.asarray(local.strftime("%Y-%m-%d"))
    rows: list[dict[str, Any]] = []
    for day in sorted(set(days.tolist())):
        rows += markout_rows(_subset(m, days == day), window=str(day))
    return rows


def markouts_document(
    m: Markouts,
    *,
    reference: str,
    fee_bps: float | None,
    inputs: Mapping[str, Mapping[str, Any]],
    notes: list[str],
    daily_tz: str | None = None,
) -> dict[str, Any]:
    """Assemble ``markouts.json``: horizons, definitions, inputs (rows and rejects), rows.

    With ``daily_tz``, each local day of that timezone adds its own rows (window
    ``YYYY-MM-DD``) after those of the whole input (window ``all``).
    """
    rows = markout_rows(m)
    if daily_tz is not None:
        rows += daily_rows(m, daily_tz)
        notes = [*notes, f"daily windows are calendar days in {daily_tz}, by fill time"]
    return {
        "horizons": [h.label for h in m.horizons],
        "reference": reference,
        "fee_bps": fee_bps,
        "definitions": DEFINITIONS,
        "inputs": {k: dict(v) for k, v in inputs.items()},
        "partial": any(int(v.get("rejected", 0)) > 0 for v in inputs.values()),
        "notes": notes,
        "markouts": rows,
    }


def _fmt(value: object) -> str:
    return "–" if value is None else f"{float(value):+.2f}"  # type: ignore[arg-type]


def markouts_markdown(doc: Mapping[str, Any]) -> str:
    """Render the markout curves (mean bps per horizon) per symbol, side and liquidity."""
    horizons: list[str] = list(doc["horizons"])
    lines = ["# Markouts", ""]
    lines.append(
        f"Reference price: {doc['reference']}. Mean markout in bps by horizon "
        "(0s = spread capture); n = fills with a value at 0s, missing in brackets."
    )
    if doc.get("partial"):
        lines += ["", "**Partial:** some input rows were rejected (see `inputs` in markouts.json)."]
    for note in doc.get("notes", []):
        lines += ["", f"Note: {note}"]
    windows = list(dict.fromkeys(r["window"] for r in doc["markouts"])) or ["all"]
    for window in windows:
        for net in (False, True):
            title = "Net of fees" if net else "Gross"
            if len(windows) > 1 or window != "all":
                title = f"{title}, window {window}"
            lines += ["", f"## {title}", ""]
            lines.append("| symbol | side | liquidity | n | " + " | ".join(horizons) + " |")
            lines.append("|---|---|---|---:|" + "---:|" * len(horizons))
            curves: dict[tuple[str, str, str], dict[str, Any]] = {}
            for r in doc["markouts"]:
                if r["net_of_fee"] is not net or r["strategy"] != ALL or r["window"] != window:
                    continue
                key = (r["symbol"], r["side"], r["liquidity"])
                curves.setdefault(key, {})[r["horizon"]] = r
            for key, by_h in curves.items():
                first = by_h.get(horizons[0], {})
                cells = [_fmt(by_h.get(h, {}).get("mean_bps")) for h in horizons]
                n = f"{first.get('count', 0)} ({first.get('missing', 0)})"
                lines.append(
                    f"| {key[0]} | {key[1]} | {key[2]} | {n} | " + " | ".join(cells) + " |"
                )
    return "\n".join(lines) + "\n"
