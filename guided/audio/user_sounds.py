"""A user's sound file made into a bell or a bed, a few seconds at a time, whatever its length.

A bell is what is heard of the file for at most ``FILE_BELL_MAX_SECONDS`` (two minutes: a bell rings
out under what follows it, and longer than that it is music, not a bell): its DC offset removed, a
5 ms fade-in, a short fade-out, peak-normalised to -6 dBFS like a built-in. A longer file is faded out
over its last ``FILE_BELL_CUT_FADE`` seconds before the limit, and one line says so when it is first
made. A bed is the file's first ``FILE_BED_MAX_SECONDS`` made loopable (its tail cross-fades into its
head) and brought to the built-in beds' level. Both go through :mod:`guided.audio.stored`: decoded by
ffmpeg into the sound cache, measured there, and read back by the mixer a block at a time.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import numpy as np

from ..dsp import loudness
from ..errors import SoundError
from . import stored
from .stored import Scratch, StoredSound, cached, content_hash, to_channels
from .user_files import (
    BED_PEAK_LIMIT,
    BED_RMS,
    BELL_PEAK,
    FILE_BED_MAX_SECONDS,
    FILE_BELL_CUT_FADE,
    FILE_BELL_MAX_SECONDS,
)

FILE_BELL_FADE_IN = 0.005  # s
FILE_BELL_FADE_OUT = 0.05  # s
FILE_BED_CROSSFADE = 2.0  # s


def _decode_into(scratch: Scratch, path: Path, rate: int, seconds: float) -> bool:
    """Decode the file's first ``seconds`` into ``scratch``; whether the file goes on beyond them."""
    limit = round(seconds * rate)
    with closing(stored.decoded(path, rate, seconds)) as pieces:
        for piece in pieces:
            room = limit - scratch.frames
            if len(piece) > room:
                if room > 0:
                    scratch.append(to_channels(piece[:room].astype(np.float64), scratch.channels))
                return True  # closing the decoder stops ffmpeg: the rest is never decoded
            scratch.append(to_channels(piece.astype(np.float64), scratch.channels))
    return False


def _by_channel(x: np.ndarray) -> np.ndarray:
    """(frames, channels) as float64 rows of one channel each: sums and extremes along a row are
    several times quicker than down the interleaved columns."""
    return np.ascontiguousarray(x.T, dtype=np.float64)


def _key(kind: str, path: Path, rate: int, channels: int, cache_dir: Path | None) -> str:
    return f"{kind}-{content_hash(path, cache_dir)[:32]}-{rate}hz-{channels}ch"


def user_bell(path: Path, label: str, rate: int, channels: int, cache_dir: Path | None) -> StoredSound:
    """The bell a user's file makes, at ``rate`` with ``channels``, from the cache when it is there."""
    key = _key("bell", path, rate, channels, cache_dir)
    found = cached(cache_dir, key, path.name)
    if found is not None:
        return found
    scratch = Scratch(cache_dir, key, channels)
    try:
        cut = _decode_into(scratch, path, rate, FILE_BELL_MAX_SECONDS)
        bell = _finish_bell(scratch, rate, cut, label, path.name)
    except BaseException:
        scratch.discard()
        raise
    if cut and stored.notify is not None:
        minutes = FILE_BELL_MAX_SECONDS / 60
        stored.notify(f"bell '{label}' lasts more than {minutes:g} minutes: its first {minutes:g} are rung, "
                      f"faded out over their last {FILE_BELL_CUT_FADE:g} seconds")
    return bell


def _finish_bell(scratch: Scratch, rate: int, cut: bool, label: str, name: str) -> StoredSound:
    """Two passes over the decoded samples: find the peak of the bell as it will sound (offset
    removed, faded), then write it scaled to BELL_PEAK and measure its step powers."""
    n = scratch.frames
    sums = np.zeros(scratch.channels)
    for a, b in scratch.stretches(rate):
        sums += _by_channel(scratch.read(a, b)).sum(axis=1)
    mean = sums / n
    fade_in = min(round(FILE_BELL_FADE_IN * rate), n // 2)
    fade_out = min(round((FILE_BELL_CUT_FADE if cut else FILE_BELL_FADE_OUT) * rate), n // 2)

    def shaped(a: int, b: int) -> np.ndarray:
        x = scratch.read(a, b).astype(np.float64) - mean
        index = np.arange(a, b)
        rising = index < fade_in
        x[rising] *= (np.sin(0.5 * np.pi * index[rising] / fade_in) ** 2)[:, None]
        falling = index >= n - fade_out
        x[falling] *= (np.sin(0.5 * np.pi * (n - 1 - index[falling]) / fade_out) ** 2)[:, None]
        if b == n:
            x[-1] = 0.0  # ends in exact silence, as a built-in bell does
        return x

    peak, where = 0.0, (0, 0)
    for a, b in scratch.stretches(rate):
        x = np.abs(shaped(a, b))
        i = np.unravel_index(int(np.argmax(x)), x.shape)
        if x[i] > peak:
            peak, where = float(x[i]), (a + int(i[0]), int(i[1]))
    if peak <= 1e-9:
        raise SoundError(f"'{label}' is silent; choose a sound file with an audible bell in it")
    scale = BELL_PEAK / peak
    powers = []
    for a, b in scratch.stretches(rate):
        y = (shaped(a, b) * scale).astype(np.float32)
        if a <= where[0] < b:  # the float32 rounding could leave the peak a hair off -6 dBFS
            y[where[0] - a, where[1]] = np.float32(BELL_PEAK) if y[where[0] - a, where[1]] > 0 else -np.float32(BELL_PEAK)
        scratch.write(a, y)
        powers.append(loudness.step_powers(y, rate))
    return scratch.keep(rate, BELL_PEAK, np.concatenate(powers), name)


def user_bed_loop(path: Path, label: str, rate: int, channels: int, cache_dir: Path | None) -> StoredSound:
    """The loop a user's file makes as a bed, at ``rate`` with ``channels``, from the cache when it is
    there: its first FILE_BED_MAX_SECONDS, its tail cross-faded (equal power) into its head, offset
    removed, at an RMS of BED_RMS with any peak above BED_PEAK_LIMIT softly limited."""
    key = _key("bed", path, rate, channels, cache_dir)
    found = cached(cache_dir, key, path.name)
    if found is not None:
        return found
    scratch = Scratch(cache_dir, key, channels)
    try:
        _decode_into(scratch, path, rate, FILE_BED_MAX_SECONDS)
        _make_loop(scratch, round(FILE_BED_CROSSFADE * rate), label)
        return _normalise(scratch, rate, label, path.name)
    except BaseException:
        scratch.discard()
        raise


def _make_loop(scratch: Scratch, fade: int, label: str) -> None:
    """Loop the samples seamlessly: their last ``fade`` frames cross-fade (equal power) into their first."""
    n = scratch.frames
    if n < 4:
        raise SoundError(f"'{label}' is too short to loop; use a recording of a few seconds")
    fade = max(1, min(fade, n // 3))
    u = (np.arange(fade) + 0.5) / fade
    head = scratch.read(0, fade).astype(np.float64) * np.sin(0.5 * np.pi * u)[:, None]
    head += scratch.read(n - fade, n).astype(np.float64) * np.cos(0.5 * np.pi * u)[:, None]
    scratch.write(0, head)
    scratch.truncate(n - fade)


def _normalise(scratch: Scratch, rate: int, label: str, name: str) -> StoredSound:
    """Remove the offset, bring the loop to BED_RMS and gently limit any peak above BED_PEAK_LIMIT,
    as the built-in beds are, a pass at a time: one to measure, one per round of limiting (rarely
    any), one to write the loop and measure its step powers."""
    n, channels = scratch.frames, scratch.channels
    sums, squares = np.zeros(channels), np.zeros(channels)
    high, low = np.full(channels, -np.inf), np.full(channels, np.inf)
    for a, b in scratch.stretches(rate):
        x = _by_channel(scratch.read(a, b))
        sums += x.sum(axis=1)
        squares += np.einsum("ij,ij->i", x, x)
        np.maximum(high, x.max(axis=1), out=high)
        np.minimum(low, x.min(axis=1), out=low)
    offset = sums / n
    level = float(np.sqrt(max(0.0, float((squares - n * offset**2).sum())) / (n * channels)))
    if level <= 1e-9:
        raise SoundError(f"'{label}' is silent; choose a sound file with audible sound")
    gain = BED_RMS / level
    peak = float(np.max(np.maximum(high - offset, offset - low))) * gain
    for _ in range(8):
        if peak < BED_PEAK_LIMIT * 0.97:
            break
        ceiling, p = BED_PEAK_LIMIT * 0.92, 6.0  # smooth soft-knee, transparent at low levels
        energy, peak = 0.0, 0.0
        for a, b in scratch.stretches(rate):
            x = (scratch.read(a, b).astype(np.float64) - offset) * gain
            x /= (1 + (np.abs(x) / ceiling) ** p) ** (1 / p)
            energy += float(np.einsum("ij,ij->", x, x))
            peak = max(peak, float(np.abs(x).max(initial=0.0)))
            scratch.write(a, x)
        offset, gain = np.zeros(channels), BED_RMS / np.sqrt(energy / (n * channels))
        peak *= gain
    powers, peak = [], 0.0
    for a, b in scratch.stretches(rate):
        y = ((scratch.read(a, b).astype(np.float64) - offset) * gain).astype(np.float32)
        scratch.write(a, y)
        powers.append(loudness.step_powers(y, rate))
        peak = max(peak, float(np.abs(y).max(initial=0.0)))
    return scratch.keep(rate, peak, np.concatenate(powers), name)
