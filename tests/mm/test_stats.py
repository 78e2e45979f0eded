"""The cube statistics against NumPy and pandas on the same observations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.mm.stats import ALL, LeafGroups, kth_of_runs, quantile_of_runs

values = st.lists(st.integers(-5, 5).map(float), min_size=0, max_size=8)


@given(st.lists(values, min_size=1, max_size=5), st.floats(0, 1))
@settings(max_examples=300, deadline=None)
def test_quantile_of_runs_equals_numpy(runs: list[list[float]], q: float) -> None:
    arrays = [np.sort(np.array(r)) for r in runs if r]
    if not arrays:
        return
    whole = np.concatenate(arrays)
    assert (
        quantile_of_runs(arrays, q) == np.quantile(whole, q)
        or abs(quantile_of_runs(arrays, q) - np.quantile(whole, q)) < 1e-12
    )
    for k in range(len(whole)):
        assert kth_of_runs(arrays, k) == np.sort(whole)[k]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 1),
            st.one_of(st.none(), st.floats(-50, 50, allow_nan=False)),
            st.floats(0.5, 3),
        ),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=150, deadline=None)
def test_cube_rows_equal_pandas_groupby(rows: list[tuple[int, int, float | None, float]]) -> None:
    a = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    x = np.array([np.nan if r[2] is None else r[2] for r in rows])
    w = np.array([r[3] for r in rows])
    labels = {"a": ["p", "q", "r"], "b": ["B", "S"]}
    out = LeafGroups({"a": a, "b": b}, labels).stats(x, w, {"twice": 2 * x})
    frame = pd.DataFrame(
        {"a": np.array(labels["a"])[a], "b": np.array(labels["b"])[b], "x": x, "w": w}
    )
    seen = 0
    for row in out:
        part = frame
        for dim in ("a", "b"):
            if row[dim] != ALL:
                part = part[part[dim] == row[dim]]
        v = part["x"].dropna()
        assert (row["count"], row["missing"]) == (len(v), part["x"].isna().sum())
        seen += 1
        if not len(v):
            assert row["mean"] is None
            assert row["median"] is None
            continue
        assert abs(row["mean"] - v.mean()) < 1e-9
        assert abs(row["twice"] - 2 * v.mean()) < 1e-9
        for key, q in (("p5", 0.05), ("median", 0.5), ("p95", 0.95)):
            assert abs(row[key] - v.quantile(q)) < 1e-9
        if len(v) > 1:
            assert abs(row["std"] - v.std()) < 1e-9
        else:
            assert row["std"] is None
        ww = part["w"][v.index]
        assert abs(row["notional_weighted_mean"] - (ww * v).sum() / ww.sum()) < 1e-9
    # every non-empty group of the cube appears once
    groups = {("*", "*")} | {(p, "*") for p in frame["a"]} | {("*", s) for s in frame["b"]}
    groups |= set(zip(frame["a"], frame["b"], strict=True))
    assert seen == len(groups)
