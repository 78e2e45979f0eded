"""Slippage in basis points against a fill's reference price (`tradeperf.metrics.execution`).

The expected values come from a naive reference kept here: a plain loop in exact Decimals of
s·(p − r)/r·10⁴ and of the notional-weighted mean, converted to float at the end.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from decimal import Decimal

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.metrics import execution, registry
from tradeperf.metrics.execution import (
    fill_slippage_bps,
    mean_slippage_bps,
    slippage_bps,
    slippage_from_sums,
)
from tradeperf.records import Fill, Side

NAN = math.nan


def naive_bps(side: str, price: Decimal, reference: Decimal | None) -> float:
    """s·(p − r)/r·10⁴ in exact Decimals (NaN without a reference)."""
    if reference is None:
        return NAN
    s = 1 if side == "BUY" else -1
    return float(s * (price - reference) / reference * 10_000)


def naive_mean(
    sides: list[str],
    prices: list[Decimal],
    references: list[Decimal | None],
    notionals: list[Decimal],
) -> float:
    """Σ |w|·b / Σ |w| over the fills with a reference, in exact Decimals."""
    weighted, total = Decimal(0), Decimal(0)
    for side, p, r, w in zip(sides, prices, references, notionals, strict=True):
        if r is None:
            continue
        s = 1 if side == "BUY" else -1
        weighted += abs(w) * s * (p - r) / r * 10_000
        total += abs(w)
    return float(weighted / total) if total else NAN


def close(a: float, b: float) -> bool:
    """Equal to float64 rounding of p − r: 1e-9 bps absolute or 1e-12 relative."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(1e-9, 1e-12 * abs(b))


PRICES = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("1000000"), places=4, allow_nan=False
)
FILLS = st.lists(
    st.tuples(
        st.sampled_from(["BUY", "SELL"]),
        PRICES,
        st.one_of(st.none(), PRICES),
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
        st.sampled_from([Decimal(1), Decimal(5), Decimal("0.01")]),
    ),
    max_size=40,
)


# -- one fill -------------------------------------------------------------------------------
def test_a_buy_above_and_a_sell_below_the_reference_cost() -> None:
    assert slippage_bps("BUY", 101.0, 100.0) == pytest.approx(100.0)
    assert slippage_bps("SELL", 99.0, 100.0) == pytest.approx(100.0)
    assert slippage_bps("BUY", 99.0, 100.0) == pytest.approx(-100.0)
    assert slippage_bps("SELL", 101.0, 100.0) == pytest.approx(-100.0)
    assert slippage_bps("BUY", 100.0, 100.0) == 0.0


def test_one_fill_is_a_float_whatever_the_side_is_spelled() -> None:
    for side in ("BUY", "buy", Side.BUY, 1, np.int64(1), 1.0):
        value = slippage_bps(side, Decimal("100.5"), Decimal(100))
        assert type(value) is float
        assert value == pytest.approx(50.0)
    assert fill_slippage_bps(Side.SELL, Decimal("100.5"), Decimal(100)) == pytest.approx(-50.0)


def test_one_fill_without_a_usable_reference_is_nan() -> None:
    for reference in (None, NAN, 0, -1.0, Decimal(0)):
        assert math.isnan(fill_slippage_bps("BUY", 100.0, reference))
    assert math.isnan(fill_slippage_bps("BUY", NAN, 100.0))


@pytest.mark.parametrize("side", ["hold", "", 0, 2, True, None, 0.5])
def test_an_unknown_side_is_refused(side: object) -> None:
    with pytest.raises(ValueError, match="side"):
        fill_slippage_bps(side, 1.0, 1.0)
    with pytest.raises(ValueError, match="side"):
        slippage_bps([side], [1.0], [1.0])


def test_a_fill_record_gives_its_slippage_from_its_reference_price() -> None:
    t = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    f = Fill("1", t, "ES", "SELL", Decimal(1), Decimal("4799.5"), reference_price=Decimal(4800))
    expected = naive_bps("SELL", f.price, f.reference_price)
    assert close(fill_slippage_bps(f.side, f.price, f.reference_price), expected)
    plain = Fill("2", t, "ES", "SELL", Decimal(1), Decimal("4799.5"))
    assert plain.reference_price is None
    assert math.isnan(fill_slippage_bps(plain.side, plain.price, plain.reference_price))


# -- arrays ---------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(FILLS)
def test_each_fill_equals_the_naive_decimal_reference(fills: list[tuple]) -> None:
    sides = [f[0] for f in fills]
    prices = [f[1] for f in fills]
    refs = [f[2] for f in fills]
    got = slippage_bps(sides, prices, refs)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64
    assert got.shape == (len(fills),)
    for value, side, p, r in zip(got.tolist(), sides, prices, refs, strict=True):
        assert close(value, naive_bps(side, p, r))


@settings(max_examples=200, deadline=None)
@given(FILLS)
def test_the_array_form_equals_the_scalar_form_to_the_last_bit(fills: list[tuple]) -> None:
    sides = [f[0] for f in fills]
    prices = np.array([float(f[1]) for f in fills])
    refs = np.array([NAN if f[2] is None else float(f[2]) for f in fills])
    got = slippage_bps(sides, prices, refs)
    one_by_one = [fill_slippage_bps(s, p, r) for s, p, r in zip(sides, prices, refs, strict=True)]
    np.testing.assert_array_equal(got, np.array(one_by_one, np.float64))
    # and the same from Decimals, as a fill carries them
    decimals = [fill_slippage_bps(f[0], f[1], f[2]) for f in fills]
    np.testing.assert_array_equal(got, np.array(decimals, np.float64))


@settings(max_examples=200, deadline=None)
@given(FILLS)
def test_the_mean_equals_the_naive_notional_weighted_mean(fills: list[tuple]) -> None:
    sides = [f[0] for f in fills]
    prices = [f[1] for f in fills]
    refs = [f[2] for f in fills]
    notionals = [f[3] * f[1] * f[4] for f in fills]  # quantity × price × multiplier
    got = mean_slippage_bps(sides, prices, refs, notionals)
    expected = naive_mean(sides, prices, refs, notionals)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_mean_weighs_by_notional() -> None:
    # 10 bps on 1,000 of notional and 0 on 9,000: 1 bp
    assert mean_slippage_bps(
        ["BUY", "SELL"], [100.1, 50.0], [100.0, 50.0], [1000.0, 9000.0]
    ) == pytest.approx(1.0)


def test_a_negative_notional_weighs_by_its_size() -> None:
    assert mean_slippage_bps(["BUY", "BUY"], [101.0, 100.0], [100.0, 100.0], [-1.0, 1.0]) == (
        pytest.approx(50.0)
    )


def test_the_sums_give_the_mean() -> None:
    sides, prices, refs = ["BUY", "SELL", "BUY"], [101.0, 99.5, 10.0], [100.0, 100.0, None]
    notional = [101.0, 199.0, 30.0]
    b = slippage_bps(sides, prices, refs)
    weighted = 101.0 * b[0] + 199.0 * b[1]
    assert slippage_from_sums(weighted, 300.0) == mean_slippage_bps(sides, prices, refs, notional)
    assert math.isnan(slippage_from_sums(0.0, 0.0))
    assert math.isnan(slippage_from_sums(NAN, 1.0))


# -- degenerate input -----------------------------------------------------------------------
MEAN_TABLE = [
    ("empty", [], [], [], [], NAN),
    ("no reference", ["BUY", "SELL"], [1.0, 2.0], [None, None], [1.0, 2.0], NAN),
    ("all NaN references", ["BUY"], [1.0], [NAN], [1.0], NAN),
    ("one fill", ["BUY"], [101.0], [100.0], [101.0], 100.0),
    ("zero notional", ["BUY"], [101.0], [100.0], [0.0], NAN),
    ("constant", ["BUY"] * 3, [101.0] * 3, [100.0] * 3, [5.0] * 3, 100.0),
    ("NaN price with a reference", ["BUY", "BUY"], [NAN, 101.0], [100.0, 100.0], [1.0, 1.0], NAN),
    ("NaN notional with a reference", ["BUY"], [101.0], [100.0], [NAN], NAN),
    (
        "NaN price without a reference",
        ["BUY", "BUY"],
        [NAN, 101.0],
        [None, 100.0],
        [1.0, 1.0],
        100.0,
    ),
    ("reference not positive", ["BUY", "BUY"], [1.0, 101.0], [0.0, 100.0], [1.0, 1.0], NAN),
]


@pytest.mark.parametrize(
    ("sides", "prices", "refs", "notional", "expected"),
    [row[1:] for row in MEAN_TABLE],
    ids=[row[0] for row in MEAN_TABLE],
)
def test_degenerate_input_of_the_mean(
    sides: list[str], prices: list[float], refs: list, notional: list[float], expected: float
) -> None:
    got = mean_slippage_bps(sides, prices, refs, notional)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


def test_an_empty_array_gives_an_empty_array() -> None:
    got = slippage_bps([], [], [])
    assert isinstance(got, np.ndarray)
    assert got.shape == (0,)


def test_arrays_of_other_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one length"):
        slippage_bps(["BUY", "SELL"], [1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="notional"):
        mean_slippage_bps(["BUY"], [1.0], [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        slippage_bps(np.array([[1, 1]]), np.array([[1.0, 1.0]]), np.array([[1.0, 1.0]]))


SIDES = ["BUY", "SELL", "SELL", "BUY"]
PRICE = [101.0, 99.0, 100.5, 20.0]
REF = [100.0, 100.0, 100.0, None]
NOTIONAL = [101.0, 99.0, 201.0, 40.0]
CONTAINERS = {
    "list": lambda values, kind: list(values),
    "numpy": lambda values, kind: np.array(values, dtype=None if kind == "side" else float),
    "pandas": lambda values, kind: pd.Series(values, dtype=None if kind == "side" else "float64"),
    "polars": lambda values, kind: pl.Series(values),
    "pyarrow": lambda values, kind: pa.array(values),
}


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_every_kind_of_array_gives_the_same_and_is_left_unchanged(container: str) -> None:
    make = CONTAINERS[container]
    args = [make(SIDES, "side"), make(PRICE, "price"), make(REF, "ref")]
    notional = make(NOTIONAL, "notional")
    before = [a.copy() if isinstance(a, np.ndarray | pd.Series) else a for a in (*args, notional)]
    expected = [
        naive_bps(s, Decimal(repr(p)), None if r is None else Decimal(repr(r)))
        for s, p, r in zip(SIDES, PRICE, REF, strict=True)
    ]
    got = slippage_bps(*args)
    for value, want in zip(got.tolist(), expected, strict=True):
        assert close(value, want)
    mean = mean_slippage_bps(*args, notional)
    assert mean == pytest.approx((101 * 100 + 99 * 100 + 201 * -50) / 401)
    for a, b in zip((*args, notional), before, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b)


def test_numeric_sides_are_signs() -> None:
    got = slippage_bps(np.array([1, -1]), [101.0, 99.0], [100.0, 100.0])
    np.testing.assert_allclose(got, [100.0, 100.0])
    with pytest.raises(ValueError, match="side"):
        slippage_bps(np.array([1, 0]), [101.0, 99.0], [100.0, 100.0])


# -- the registry ---------------------------------------------------------------------------
def test_the_registry_figure_is_the_notional_weighted_mean_in_bps_lower_is_better() -> None:
    f = registry.get_figure("slippage_bps")
    assert f.unit == "bps"
    assert "bps" in typing.get_args(registry.Unit)
    assert f.higher_is_better is False
    assert f.inputs == "fills"
    assert f.function is execution.mean_slippage_bps
    assert registry.undefined_reason("slippage_bps") == "no fill carries a reference price"


def test_every_registry_unit_has_a_display_format() -> None:
    from tradeperf.reports import markdown

    for name in registry.FIGURES:
        assert markdown.format_of(name)
    assert markdown.fmt(12.345, markdown.format_of("slippage_bps"), "USD") == "12.35 bps"
    assert markdown.fmt(None, "bps", "USD", "no fill carries a reference price") == "–"


def test_the_figure_does_not_roll_over_days_or_trades() -> None:
    from tradeperf.analytics.rolling import can_roll

    assert not can_roll("slippage_bps", over_trades=False)
    assert not can_roll("slippage_bps", over_trades=True)


# -- the record -----------------------------------------------------------------------------
def test_a_fill_keeps_its_reference_price_exact_and_refuses_one_not_positive() -> None:
    t = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    f = Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price="9.95")  # type: ignore[arg-type]
    assert f.reference_price == Decimal("9.95")
    assert isinstance(f.reference_price, Decimal)
    for bad in (Decimal(0), Decimal(-1), "-0.5"):
        with pytest.raises(ValueError, match="reference_price must be > 0"):
            Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reference_price"):
        Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price=Decimal("1e-19") + 1)
    with pytest.raises(ValueError, match="reference_price"):
        Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price="abc")  # type: ignore[arg-type]
