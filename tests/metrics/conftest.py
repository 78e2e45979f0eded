"""Shared series for the metrics tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def realistic_returns() -> np.ndarray:
    """Three years of daily returns: fat-tailed, slightly positive drift, a crash and a recovery."""
    rng = np.random.default_rng(20240101)
    r = 0.0004 + 0.011 * rng.standard_t(df=4, size=756) / np.sqrt(2.0)
    r[300:320] -= 0.012
    return r


def as_series(r: np.ndarray) -> pd.Series:
    """Returns as a daily pandas Series (quantstats needs a DatetimeIndex)."""
    return pd.Series(r, index=pd.date_range("2020-01-01", periods=len(r), freq="D"))
