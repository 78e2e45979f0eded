"""One place that turns the caller's 1-D data into a NumPy array the metrics may read.

Every metric accepts a list or tuple, a NumPy array, a pandas Series, a Polars Series or a
PyArrow Array/ChunkedArray. Missing values (None, pandas NA, Arrow/Polars nulls) become NaN.
The array handed back is a read-only view or a fresh copy: a metric can never write into the
caller's data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: Anything 1-D the metrics accept (list, NumPy, pandas, Polars, PyArrow).
ArrayLike = Any
FloatArray = npt.NDArray[np.float64]


def _to_numpy(values: ArrayLike, *, dtype: Any) -> np.ndarray:
    module = type(values).__module__.split(".", 1)[0]
    if module == "pyarrow":
        import pyarrow as pa

        if dtype is not None:
            values = values.cast(pa.float64())
        return np.asarray(values.to_numpy(zero_copy_only=False))
    if module == "polars":
        out = values.to_numpy()
        return np.asarray(out, dtype=dtype) if dtype is not None else out
    if module == "pandas":
        if dtype is None:
            if getattr(values.dtype, "tz", None) is not None:
                return np.asarray(values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
            return np.asarray(values.to_numpy())
        return np.asarray(values.to_numpy(dtype=dtype, na_value=np.nan))
    if isinstance(values, np.ndarray):
        return values.astype(dtype, copy=False) if dtype is not None else values
    if dtype is not None:
        return np.asarray([np.nan if v is None else v for v in values], dtype=dtype)
    return np.asarray(values)


def _read_only(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    view = arr.view()
    view.flags.writeable = False
    return view


def as_float_array(values: ArrayLike, *, name: str = "values") -> FloatArray:
    """Return `values` as a read-only 1-D float64 array; nulls become NaN.

    Parameters
    ----------
    values
        1-D list, tuple, NumPy array, pandas/Polars Series or PyArrow (Chunked)Array.
    name
        The argument's name, used in the error message.

    Returns
    -------
    numpy.ndarray of float64, shape (n,). Not writeable: never the caller's buffer opened
    for writing.

    Raises
    ------
    ValueError
        When the data is not one-dimensional.

    Examples
    --------
    >>> as_float_array([1, None, 3.5])
    array([1. , nan, 3.5])
    """
    return _read_only(_to_numpy(values, dtype=np.float64), name)


def drop_nan(values: ArrayLike, *, name: str = "returns") -> FloatArray:
    """Return the float64 values of `values` with NaN removed (a new array).

    Parameters
    ----------
    values
        1-D array-like, see `as_float_array`.
    name
        The argument's name, used in the error message.

    Returns
    -------
    numpy.ndarray of float64, shape (m,), m <= n.

    Examples
    --------
    >>> drop_nan([0.01, float("nan"), -0.02])
    array([ 0.01, -0.02])
    """
    arr = as_float_array(values, name=name)
    mask = np.isnan(arr)
    return arr[~mask] if mask.any() else arr


def as_seconds_array(values: ArrayLike, *, name: str = "times") -> FloatArray:
    """Return timestamps as float seconds since the Unix epoch; NaT/null become NaN.

    Parameters
    ----------
    values
        1-D datetime64 data (NumPy, pandas, Polars, PyArrow timestamps) or numbers that
        already are epoch seconds.
    name
        The argument's name, used in the error message.

    Returns
    -------
    numpy.ndarray of float64, shape (n,), seconds.

    Examples
    --------
    >>> as_seconds_array(np.array(["1970-01-01T00:01:00", "NaT"], dtype="datetime64[s]"))
    array([60., nan])
    """
    arr = _to_numpy(values, dtype=None)
    if arr.dtype == object:
        arr = np.asarray(arr, dtype="datetime64[ns]") if _looks_temporal(arr) else arr
    if arr.dtype.kind == "M":
        nat = np.isnat(arr)
        secs = (arr - np.datetime64(0, "s")) / np.timedelta64(1, "s")
        secs = np.asarray(secs, dtype=np.float64)
        secs[nat] = np.nan
        return _read_only(secs, name)
    return _read_only(np.asarray(arr, dtype=np.float64), name)


def _looks_temporal(arr: np.ndarray) -> bool:
    first = next((v for v in arr if v is not None), None)
    return first is not None and not isinstance(first, int | float)
