"""Hourly markout partials: sums per UTC hour and leaf group, and rolling windows merged from them.

`hourly_partials` turns per-fill markouts (`tradeperf.mm.markouts.Markouts`) into one row per
hour of the fills' times, symbol, side, liquidity, strategy, horizon and gross/net
(`tradeperf.store.markout_sql.MARKOUT_PARTIALS_SCHEMA`): count, missing, Σx, Σx², Σw, Σwx,
Σcapture and Σadverse over the fills with a value. Net rows use each fill's own fee (a report's
``--fee-bps`` default is not applied to stored partials).

`rolling_rows` adds them up over a trailing window and over the cube of groups: mean = Σx/n,
sample standard deviation = √((Σx² − (Σx)²/n)/(n − 1)), notional-weighted mean = Σwx/Σw,
spread capture and adverse selection = their sums / n. Quantiles need the values themselves and
are null in rolling rows (the full report gives them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pyarrow as pa

from tradeperf.mm.markouts import LIQUIDITIES, SIDES, Markouts
from tradeperf.mm.stats import ALL
from tradeperf.store.markout_sql import MARKOUT_PARTIALS_SCHEMA

HOUR_US: Final = 3_600_000_000
_DIMS: Final = ("symbol", "side", "liquidity", "strategy")
_SUMS: Final = (
    "count",
    "missing",
    "sum",
    "sum_sq",
    "sum_w",
    "sum_wx",
    "sum_capture",
    "sum_adverse",
)


def hourly_partials(m: Markouts, reference: str) -> pa.Table:
    """Sum per-fill markouts into hourly partials (see the module docstring).

    Returns
    -------
    pa.Table
        `MARKOUT_PARTIALS_SCHEMA` rows, only for (hour, group) cells holding a fill.
    """
    f = m.fills
    if f.size == 0:
        return MARKOUT_PARTIALS_SCHEMA.empty_table()
    hour = f.us // HOUR_US
    first = int(hour.min())
    n_hours = int(hour.max()) - first + 1
    sizes = (len(f.symbols), len(SIDES), len(LIQUIDITIES), max(len(f.strategies), 1))
    leaf = ((f.symbol.astype(np.int64) * 2 + (f.sign < 0)) * sizes[2] + f.liquidity) * sizes[
        3
    ] + f.strategy
    n_leaves = int(np.prod(sizes))
    key = (hour - first) * n_leaves + leaf
    cells = n_hours * n_leaves
    total = np.bincount(key, minlength=cells)
    present = np.flatnonzero(total)
    # the labels of each present cell
    cell_hour, cell_leaf = np.divmod(present, n_leaves)
    coords = np.unravel_index(cell_leaf, sizes)
    labels = {
        "symbol": np.array(f.symbols, dtype=object)[coords[0]],
        "side": np.array(SIDES, dtype=object)[coords[1]],
        "liquidity": np.array(LIQUIDITIES, dtype=object)[coords[2]],
        "strategy": np.array(f.strategies or ["default"], dtype=object)[coords[3]],
    }
    hours = pa.array((cell_hour + first) * HOUR_US, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    parts = []
    for j, horizon in enumerate(m.horizons):
        for net in (False, True):
            fee = f.fee_bps if net else 0.0
            x = m.markout[:, j] - fee
            valid = ~np.isnan(x)
            k = key[valid]

            def summed(values: np.ndarray | None, k: np.ndarray = k) -> np.ndarray:
                return np.bincount(k, weights=values, minlength=cells)[present]

            xv = x[valid]
            w = f.notional[valid]
            count = summed(None).astype(np.int64)
            capture = (m.capture - fee)[valid]
            columns = {
                "reference": pa.array([reference] * len(present), pa.string()),
                "hour": hours,
                **{name: pa.array(labels[name], pa.string()) for name in _DIMS},
                "horizon_ns": pa.array(np.full(len(present), horizon.ns), pa.int64()),
                "net_of_fee": pa.array(np.full(len(present), net), pa.bool_()),
                "count": pa.array(count, pa.int64()),
                "missing": pa.array(total[present] - count, pa.int64()),
                "sum": pa.array(summed(xv)),
                "sum_sq": pa.array(summed(xv * xv)),
                "sum_w": pa.array(summed(w)),
                "sum_wx": pa.array(summed(w * xv)),
                "sum_capture": pa.array(summed(capture)),
                "sum_adverse": pa.array(summed(m.adverse[:, j][valid])),
            }
            parts.append(pa.table(columns, schema=MARKOUT_PARTIALS_SCHEMA))
    return pa.concat_tables(parts)


def _finish(sums: Mapping[str, float]) -> dict[str, Any]:
    n = int(sums["count"])
    if n == 0:
        mean = std = nw = capture = adverse = None
    else:
        mean = sums["sum"] / n
        var = (sums["sum_sq"] - sums["sum"] * sums["sum"] / n) / (n - 1) if n > 1 else None
        std = math.sqrt(max(var, 0.0)) if var is not None else None
        nw = sums["sum_wx"] / sums["sum_w"] if sums["sum_w"] > 0 else None
        capture = sums["sum_capture"] / n
        adverse = sums["sum_adverse"] / n
    return {
        "count": n,
        "missing": int(sums["missing"]),
        "mean_bps": mean,
        "median_bps": None,
        "p5_bps": None,
        "p95_bps": None,
        "std_bps": std,
        "notional_weighted_mean_bps": nw,
        "spread_capture_bps": capture,
        "adverse_selection_bps": adverse,
    }


def rolling_rows(
    partials: pa.Table, *, window: str, labels: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Merge partials (already cut to the window) into cube rows labelled ``window``.

    Parameters
    ----------
    partials
        `MARKOUT_PARTIALS_SCHEMA` rows of one reference.
    window
        The label of the window (``24h``, ``7d``...).
    labels
        horizon_ns -> horizon label.
    """
    frame = partials.to_pandas()
    rows: list[dict[str, Any]] = []
    if frame.empty:
        return rows
    for (horizon_ns, net), part in frame.groupby(["horizon_ns", "net_of_fee"], sort=True):
        for kept in range(len(_DIMS) + 1):
            for subset in itertools.combinations(_DIMS, kept):
                grouped = (
                    part.groupby(list(subset), sort=True)[list(_SUMS)].sum()
                    if subset
                    else part[list(_SUMS)].sum().to_frame().T
                )
                for key, sums in grouped.iterrows():
                    values = key if isinstance(key, tuple) else (key,)
                    dims = {d: ALL for d in _DIMS}
                    if subset:
                        dims.update(dict(zip(subset, values, strict=True)))
                    rows.append(
                        {
                            **dims,
                            "window": window,
                            "horizon": labels[int(horizon_ns)],
                            "horizon_ns": int(horizon_ns),
                            "net_of_fee": bool(net),
                            **_finish(sums.to_dict()),
                        }
                    )
    return rows


def window_bounds(end: dt.datetime, window: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    """Give the hours of a trailing window: [start, end) on whole UTC hours, end rounded up.

    Examples
    --------
    >>> at = dt.datetime(2026, 11, 2, 10, 30, tzinfo=dt.UTC)
    >>> [t.hour for t in window_bounds(at, dt.timedelta(hours=24))]
    [11, 11]
    """
    end = end.astimezone(dt.UTC)
    top = end.replace(minute=0, second=0, microsecond=0)
    if top < end:
        top += dt.timedelta(hours=1)
    return top - window, top


def windows_sequence(text: str) -> Sequence[tuple[str, dt.timedelta]]:
    """Read ``24h,7d,30d,90d`` into (label, length) pairs.

    Raises
    ------
    tradeperf.errors.ConfigError
        If a window is not an age like 24h, 7d or 2w.
    """
    from tradeperf.store import parse_age

    return [(w.strip(), parse_age(w.strip())) for w in text.split(",") if w.strip()]
