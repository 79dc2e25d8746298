"""Ambient background beds: a built-in loop or any sound file, looped endlessly under a session.

The built-in beds (``rain``, ``ocean``, ``pink-noise``, ``brown-noise``, ``warm-drone``) are 30-45 s
seamless loops made by :mod:`guided.bed_synthesis`; here they are normalised to an RMS of 0.1
(-20 dBFS), peak < 0.9, and kept as .npy in a cache folder when given one. Synthesis is
deterministic: the same name, rate and seed give the same samples. A user's file (decoded by
:mod:`guided.audio.user_sounds`) is looped with an equal-power crossfade of its tail into its head. A
:class:`Bed` reads any stretch of the endless loop, for the mixer.

Arrays are shaped ``(frames, channels)``; mono is the mean of the two stereo channels.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from ..dsp.loudness import kept_step_powers, step_powers
from ..dsp.samples import rms
from ..errors import SoundError
from ..files import write_npy
from .bed_synthesis import BEDS, BedSpec
from .sounds import BED_NAMES
from .stored import StoredSound
from .user_files import BED_PEAK_LIMIT, BED_RMS, RATE, builtin_name, check_channels, check_rate, to_channels, user_path
from .user_sounds import user_bed_loop

_CHECK_FRAMES = 48000  # frames of a cached loop checked at a time
_BED_VERSION = 1  # bump whenever bed synthesis changes, so stale cache files are not used


def _normalise_bed(x: np.ndarray) -> np.ndarray:
    """Remove DC, scale to RMS BED_RMS, and gently limit any peak above BED_PEAK_LIMIT.

    A float64 `x` is changed in place (its callers hand over a loop they have just made): the
    arithmetic is the same, and a whole loop's temporaries cost a cold start more than it does."""
    x = np.asarray(x, dtype=np.float64)
    x -= x.mean(axis=0)
    level = rms(x)
    if level <= 1e-9:
        raise SoundError("the background is silent; choose a sound file with audible sound")
    scale = BED_RMS / level
    # Scaling by a positive number keeps the order of the samples, rounding included, so the peak of
    # the scaled loop is its own peak scaled; a loop needing no limit is scaled straight into float32.
    if max(x.max(initial=0.0) * scale, -x.min(initial=0.0) * scale) < BED_PEAK_LIMIT * 0.97:
        return np.multiply(x, scale, out=np.empty(x.shape, dtype=np.float32))
    x *= scale
    for _ in range(8):
        if max(x.max(initial=0.0), -x.min(initial=0.0)) < BED_PEAK_LIMIT * 0.97:
            break
        ceiling, p = BED_PEAK_LIMIT * 0.92, 6.0  # smooth soft-knee, transparent at low levels
        knee = np.abs(x)  # x / (1 + (|x| / ceiling) ** p) ** (1 / p), step by step in one array
        knee /= ceiling
        knee **= p
        knee += 1
        knee **= 1 / p
        x /= knee
        x *= BED_RMS / rms(x)
    return x.astype(np.float32)


def _bed_frames(spec: BedSpec, rate: int) -> int:
    return int(round(spec.seconds * rate))


def synth_bed_loop(name: str, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Synthesise a built-in bed's seamless loop now: (n, 2) float32, RMS 0.1, peak < 0.9."""
    spec = BEDS[builtin_name(name, BED_NAMES, "background")]
    rate = check_rate(rate)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(spec.name.encode())])
    return _normalise_bed(spec.make(_bed_frames(spec, rate), rate, rng))


class Bed:
    """An endless background: a loop read at any absolute position. The loop is an array (a
    built-in bed) or a :class:`StoredSound` (a user's file, read from disk a stretch at a time)."""

    def __init__(self, name: str, loop, rate: int = RATE) -> None:
        if not isinstance(loop, StoredSound):
            loop = np.ascontiguousarray(loop, dtype=np.float32)
            loop.flags.writeable = False
        if loop.ndim != 2 or loop.shape[0] == 0:
            raise SoundError(f"background '{name}' has no audio to loop")
        self.name = name
        self.rate = rate
        self.samples = loop
        self.frames = int(loop.shape[0])
        self.channels = int(loop.shape[1])

    def step_powers(self) -> np.ndarray:
        """The loop's K-weighted power per 100 ms step, for the mix's loudness."""
        if isinstance(self.samples, StoredSound):
            return self.samples.step_powers()  # measured when the loop was made
        return step_powers(self.samples, self.rate)  # a cached loop's are kept beside it, found by identity

    def read(self, start: int, n: int) -> np.ndarray:
        """(n, channels) float32: positions start .. start+n-1 of the loop repeated forever."""
        n = int(n)
        if n < 0:
            raise ValueError(f"cannot read {n} frames")
        out = np.empty((n, self.channels), dtype=np.float32)
        pos = int(start) % self.frames
        done = 0
        while done < n:
            take = min(n - done, self.frames - pos)
            out[done : done + take] = self.samples[pos : pos + take]
            done += take
            pos = 0
        return out

    def __repr__(self) -> str:
        return (
            f"Bed({self.name!r}, frames={self.frames}, channels={self.channels}, rate={self.rate})"
        )


def _read_cache(path: Path, frames: int) -> np.ndarray | None:
    """A cached loop, or None when the file is missing, truncated, corrupt or not a loop."""
    try:
        x = np.load(path, allow_pickle=False)
    except Exception:  # missing, truncated or garbled: any failure means "make it again"
        return None
    if x.dtype != np.float32 or x.shape != (frames, 2):
        return None
    # Checked a second at a time: whole-loop temporaries (a float64 copy for the RMS, the absolute
    # values) would cost several times the loop's own 14 MB at every start, and a process's
    # resident memory seldom shrinks back after such a peak.
    squares = 0.0
    for first in range(0, frames, _CHECK_FRAMES):
        part = x[first : first + _CHECK_FRAMES].astype(np.float64)
        if not np.isfinite(part).all() or np.abs(part).max(initial=0.0) >= BED_PEAK_LIMIT:
            return None
        squares += float(np.einsum("ij,ij->", part, part))
    if abs(np.sqrt(squares / x.size) - BED_RMS) > 1e-3:
        return None
    return x


def load_bed(
    name_or_path: str, rate: int = RATE, channels: int = 2, cache_dir: Path | None = None
) -> Bed:
    """A background bed: a built-in name (cached in ``cache_dir`` if given) or a sound file.

    A file is decoded (its first 180 s at most), made loopable with a 2 s equal-power crossfade
    of its tail into its head, and normalised to an RMS of 0.1, a few seconds at a time, into
    ``cache_dir`` (kept by the file's content) or an unnamed temporary file: the loop is read from
    there as the mix needs it, never held whole (see :mod:`guided.audio.user_sounds`).
    """
    rate = check_rate(rate)
    channels = check_channels(channels)
    key = str(name_or_path).strip()
    if key.lower() in BED_NAMES:
        name = key.lower()
        spec = BEDS[name]
        loop = None
        cache = None
        if cache_dir is not None:
            cache = Path(cache_dir) / f"bed-{name}-{rate}hz-v{_BED_VERSION}.npy"
            loop = _read_cache(cache, _bed_frames(spec, rate))
        if loop is None:
            loop = synth_bed_loop(name, rate)
            if cache is not None:
                write_npy(cache, loop)
        bed = Bed(name, to_channels(loop, channels), rate)
        if cache is not None:
            kept_step_powers(bed.samples, rate, cache)  # the mixer's loudness reads them at once
        return bed
    path = user_path(key, BED_NAMES, "background")
    return Bed(path.name, user_bed_loop(path, key, rate, channels, cache_dir), rate)
