"""Small signal tools shared by the mixer and the clip cache: a peak guard with no memory."""

from __future__ import annotations

import numpy as np


def sliding(values: np.ndarray, width: int, ufunc) -> np.ndarray:
    """`np.maximum` or `np.minimum` over a centred window of odd `width`, edges padded with the edge
    values; in linear time whatever the width (van Herk / Gil-Werman)."""
    half = width // 2
    count = values.size
    padded = np.pad(values, half, mode="edge")
    blocks = -(-padded.size // width)
    fill = -np.inf if ufunc is np.maximum else np.inf
    rows = np.full(blocks * width, fill)
    rows[: padded.size] = padded
    rows = rows.reshape(blocks, width)
    prefix = ufunc.accumulate(rows, axis=1).ravel()
    suffix = ufunc.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    return ufunc(suffix[:count], prefix[width - 1 : width - 1 + count])


def moving_average(values: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    sums = np.cumsum(np.pad(values, (half + 1, half), mode="edge"), dtype=np.float64)
    return (sums[width:] - sums[:-width]) / width


def guard_gain(peaks: np.ndarray, ceiling: float, width: int) -> np.ndarray:
    """Per-sample gain that keeps `peaks` (absolute values) at or under `ceiling`, with smooth edges.

    The minimum over a window, then a moving average over the same window, never asks for less cut
    than each sample needs; each gain depends only on peaks within 1.5 windows, so any stretch of
    a longer signal gets the same gains as the whole would.
    """
    needed = np.minimum(1.0, ceiling / np.maximum(sliding(peaks, width, np.maximum), 1e-12))
    # Averaging the cut (1 - gain) rather than the gain keeps untouched samples at exactly 1.
    return 1.0 - moving_average(1.0 - sliding(needed, width, np.minimum), width)


def tame_peaks(samples: np.ndarray, rate: int, headroom_db: float, window_ms: float = 8.0) -> np.ndarray:
    """Bring a phrase's rare peaks down to `headroom_db` above its own loudness (speech engines can
    have a crest factor high enough to force the whole session quieter); mono float in and out."""
    from .loudness import db_to_gain, lufs

    if samples.size == 0:
        return samples
    level = lufs(samples[:, None], rate)
    if not np.isfinite(level):
        return samples
    ceiling = db_to_gain(level + headroom_db)
    width = max(3, round(rate * window_ms / 1000)) | 1
    return samples * guard_gain(np.abs(samples), ceiling, width)
