"""Vectorised helpers to turn numpy arrays into Arrow columns (no per-row Python)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def ids(prefix: str, numbers: np.ndarray, width: int = 9) -> pa.Array:
    """`prefix` + zero-padded number, e.g. SH000000123."""
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def take(
    values: np.ndarray | pa.Array, idx: np.ndarray, null_mask: np.ndarray | None = None
) -> pa.Array:
    """values[idx] as an Arrow array, null where `null_mask` (or idx < 0)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values)
    safe = np.where(idx < 0, 0, idx)
    mask = idx < 0 if null_mask is None else (null_mask | (idx < 0))
    out = pc.take(arr, pa.array(safe))
    if mask.any():
        out = pc.if_else(pa.array(mask), pa.nulls(len(out), out.type), out)
    return out


def minutes_to_ts(
    start: date, minutes: np.ndarray, null_mask: np.ndarray | None = None
) -> pa.Array:
    """Minutes after `start` midnight -> timestamp[s]."""
    base = np.datetime64(datetime(start.year, start.month, start.day), "s")
    vals = base + minutes.astype(np.int64).astype("timedelta64[m]")
    return pa.array(vals.astype("datetime64[s]"), mask=null_mask)


def days_to_date(start: date, days: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    vals = np.datetime64(start, "D") + days.astype(np.int64).astype("timedelta64[D]")
    return pa.array(vals, mask=null_mask)


def dates(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """datetime64[D] array (NaT allowed) -> date32 with nulls."""
    mask = np.isnat(values) if null_mask is None else null_mask
    return pa.array(values.astype("datetime64[D]"), mask=mask)


def strs(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(object), type=pa.string(), mask=null_mask)


def reorder(order: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each array taken in `order` (typed loosely so mixed dtypes can be unpacked)."""
    return [a[order] for a in arrays]
