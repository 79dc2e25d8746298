"""How still a sound stays: its level over short windows, and the swells in it (rises of several
decibels within a couple of seconds).

A bed under a voice is meant to be a floor, not a tide: every time it dips for a phrase and comes
back up in the pause after it, the listener hears a swell. These measures count them in any stretch
of samples, block by block, so a whole session is measured without holding it in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

WINDOW_S = 0.4  # as long as R128's momentary blocks: long enough to smooth a noise bed's grain
RISE_DB = 6.0  # a rise the ear hears as the sound coming forward, not as its texture
WITHIN_S = 2.0  # faster than a breath: a swell, not a slow tide
SILENT_DB = -70.0  # windows below this (digital silence, the fades' first moments) are not a level


def window_levels(blocks: Iterable[np.ndarray], rate: int, window_s: float = WINDOW_S) -> np.ndarray:
    """The level in dBFS (mean power over every channel) of each whole window of `window_s`
    seconds, from consecutive blocks of samples shaped (frames,) or (frames, channels)."""
    size = max(1, round(rate * window_s))
    powers: list[float] = []
    carry = np.zeros(0)
    for block in blocks:
        block = np.asarray(block, dtype=np.float64)
        power = block**2 if block.ndim == 1 else np.mean(block**2, axis=1)
        power = np.concatenate([carry, power])
        whole = len(power) // size * size
        powers.extend(power[:whole].reshape(-1, size).mean(axis=1))
        carry = power[whole:]
    with np.errstate(divide="ignore"):
        return 10 * np.log10(np.asarray(powers, dtype=np.float64))


def swells(levels: np.ndarray, window_s: float = WINDOW_S, rise_db: float = RISE_DB,
           within_s: float = WITHIN_S) -> list[float]:
    """The times (seconds, where each begins) of the swells in `levels` (as `window_levels` gives
    them): a window from which the level rises by `rise_db` or more within `within_s`. A rise that
    goes on over several windows is one swell; silent windows are neither its foot nor its top."""
    levels = np.asarray(levels, dtype=np.float64)
    reach = max(1, round(within_s / window_s))
    heard = levels >= SILENT_DB
    found: list[float] = []
    last = -reach - 1
    for i in range(len(levels) - 1):
        if not heard[i]:
            continue
        ahead = levels[i + 1 : i + 1 + reach][heard[i + 1 : i + 1 + reach]]
        if ahead.size and ahead.max() - levels[i] >= rise_db:
            if i - last > reach:
                found.append(i * window_s)
            last = i
    return found
