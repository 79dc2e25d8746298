"""How still a sound stays: its level over short windows, and the swells in it (rises of several
decibels within a couple of seconds).

A bed under a voice is meant to be a floor, not a tide: every time it dips for a phrase and comes
back up in the pause after it, the listener hears a swell. These measures count them in any stretch
of samples, block by block, so a whole session is measured without holding it in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
    goes on over several windows is one swell, dated by the last window below it; silent windows
    are neither its foot nor its top."""
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
            else:
                found[-1] = i * window_s  # the last window the rise is still ahead of: where it begins
            last = i
    return found


@dataclass(frozen=True)
class Stillness:
    """The swells of a session's bed, in seconds from its start."""

    seconds: float
    swells: tuple[float, ...]  # where each begins, the fades at both ends left out
    in_short_pauses: tuple[float, ...]  # those rising in a pause shorter than the hold

    @property
    def per_minute(self) -> float:
        return len(self.swells) / (self.seconds / 60) if self.seconds else 0.0


def stillness(levels: np.ndarray, pauses: Iterable[tuple[float, float]], hold_s: float, edge_s: float,
              window_s: float = WINDOW_S) -> Stillness:
    """The swells in `levels` (one a `window_s`, as `window_levels` gives them) more than `edge_s`
    from either end, and those that rise in one of `pauses` ((start, end) in seconds) shorter than
    `hold_s`."""
    seconds = len(levels) * window_s
    found = tuple(t for t in swells(levels, window_s) if edge_s <= t and t + WITHIN_S <= seconds - edge_s)
    short = [(a, b) for a, b in pauses if b - a < hold_s]
    # A swell is dated by its last window below the rise, which comes within WITHIN_S of it.
    inside = tuple(t for t in found if any(t < b and t + WITHIN_S > a for a, b in short))
    return Stillness(seconds, found, inside)
