"""The peak guard: a smooth per-sample gain that keeps peaks under a ceiling (the mixer's limiter),
a phrase's rare peaks tamed against its own loudness, and the step powers of a sound as the guard
leaves it."""

from __future__ import annotations

import numpy as np

from .loudness import STEP_SECONDS, db_to_gain, lufs, step_powers
from .samples import moving_average, sliding


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
    if samples.size == 0:
        return samples
    level = lufs(samples[:, None], rate)
    if not np.isfinite(level):
        return samples
    ceiling = db_to_gain(level + headroom_db)
    width = max(3, round(rate * window_ms / 1000)) | 1
    return samples * guard_gain(np.abs(samples), ceiling, width)


def guarded_step_powers(samples: np.ndarray, powers: np.ndarray, gain: float, ceiling: float, width: int,
                        rate: int) -> np.ndarray:
    """`step_powers` of a sound at `gain` after the mixer's peak guard (`dsp.guard_gain` with this
    `ceiling` and window `width`), given `samples` (one channel, any scale) and `powers`, their own
    step powers at that scale. The guard changes nothing further than one and a half windows from
    a sample over the ceiling, so only the steps near such samples are measured again, each run of
    them with two windows of margin (as the mixer renders): the same result as guarding it whole."""
    out = np.asarray(powers, dtype=np.float64) * gain**2
    magnitude = np.abs(samples.astype(np.float64))
    over = np.flatnonzero(magnitude * gain > ceiling)
    if over.size == 0:
        return out
    step = int(round(rate * STEP_SECONDS))
    reach = 2 * width
    touched = np.unique(np.concatenate([(over - reach) // step, (over + reach) // step, over // step]))
    touched = touched[(touched >= 0) & (touched < out.size)]
    # Steps a few apart are measured in one run: fewer, longer passes cost less than many short ones.
    breaks = np.flatnonzero(np.diff(touched) > 8) + 1
    for run in np.split(touched, breaks):
        first, last = int(run[0]), int(run[-1]) + 1
        a, b = first * step, min(samples.shape[0], last * step)
        lo, hi = max(0, a - reach), min(samples.shape[0], b + reach)
        part = samples[lo:hi].astype(np.float64) * gain
        guarded = part * guard_gain(magnitude[lo:hi] * gain, ceiling, width)
        out[first:last] = step_powers(guarded[a - lo : b - lo], rate)  # steps between runs come out as before
    return out
