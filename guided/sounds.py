"""Bells and ambient background beds, as numpy float32 arrays.

Everything here is deterministic: the same name, rate and seed give the same samples every time,
so a session renders identically on every run.

* Bells (``bowl``, ``chime``, ``gong``) are sums of inharmonic partials. Each partial is a pair of
  nearly equal modes that beat slowly, decays at its own rate (higher partials faster), starts
  with a soft raised-cosine attack and rings out to below -70 dB before a short fade to exactly
  zero. The two channels hear each pair with slightly different balance, phase and beat rate,
  which gives the ring a little width. Peak level is exactly -6 dBFS (0.5).
  The product ships them pre-rendered as ``audio/NAME.flac`` (see ``audio/generate.py``);
  :func:`load_bell` decodes those and falls back to synthesis when they are missing.
* Beds (``rain``, ``ocean``, ``pink-noise``, ``brown-noise``, ``warm-drone``) are 30-45 s loops
  built circularly: noise is shaped in the frequency domain over the whole loop, envelopes and
  tones complete whole cycles in the loop and droplets wrap around, so the end joins the start
  with no seam by construction. Each loop is normalised to an RMS of 0.1 (-20 dBFS), peak < 0.9.
* Any file ffmpeg can decode works as a bell or a bed (through pydub).

Arrays are shaped ``(frames, channels)``; mono is the mean of the two stereo channels.
"""

from __future__ import annotations

import difflib
import math
import os
import shutil
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import MissingDependencyError, NotFoundError, SoundError

RATE = 44100
BELL_NAMES: tuple[str, ...] = ("bowl", "chime", "gong")
BED_NAMES: tuple[str, ...] = ("rain", "ocean", "pink-noise", "brown-noise", "warm-drone")
DEFAULT_BELL = "bowl"

BELL_PEAK = 0.5  # -6 dBFS
RING_FLOOR_DB = -70.0  # a bell ends once its ring has decayed below this, relative to its peak
BELL_END_FADE = 0.05  # s, the fade to exactly zero at the end of a synthesised bell
FILE_BELL_FADE_IN = 0.005  # s
FILE_BELL_FADE_OUT = 0.05  # s
BED_RMS = 0.1  # -20 dBFS
BED_PEAK_LIMIT = 0.9
FILE_BED_MAX_SECONDS = 180.0
FILE_BED_CROSSFADE = 2.0  # s
_BED_VERSION = 1  # bump whenever bed synthesis changes, so stale cache files are not used
_MIN_RATE, _MAX_RATE = 8000, 384000


@dataclass(frozen=True)
class SoundInfo:
    name: str
    kind: str  # "bell" or "bed"
    description: str  # one short line for `guided sounds`
    seconds: float  # bell ring length, or bed loop length


# --------------------------------------------------------------------------------------------
# Bells


@dataclass(frozen=True)
class _Mode:
    """One partial of a bell: a pair of nearly degenerate modes that beat against each other."""

    ratio: float  # centre frequency / fundamental
    amp: float  # strike amplitude of the first mode of the pair
    tau: float  # amplitude decay time constant, s
    beat: float  # frequency split of the pair, Hz (the beat rate)
    pair: float  # amplitude of the second mode relative to the first
    bloom: float = 0.0  # time constant of a slow build-up (the gong's bloom), s; 0 = none


@dataclass(frozen=True)
class _BellSpec:
    name: str
    description: str
    f0: float  # fundamental, Hz
    attack: float  # raised-cosine attack, s
    modes: tuple[_Mode, ...]
    seed: int
    spread: float = 0.6  # how differently the channels hear each pair: phase spread, radians
    balance: float = 0.12  # ... and amplitude tilt between the two modes of a pair


_TILT_MAX = 1.0  # |tilt| <= balance * _TILT_MAX, used for the ring-length bound
_RING_MARGIN_DB = 7.0  # the real peak is a few dB under the bound's peak (no phase-aligned sum)


def _gong_modes() -> tuple[_Mode, ...]:
    """A dense, deep spectrum: a struck low body, then a shimmer of higher partials that swells
    up over the first second or two (energy flowing upwards: the gong's bloom) and fades sooner.
    """
    rng = np.random.default_rng(1717)
    modes = [  # the deep body of the gong, sounding at once
        _Mode(1.000, 1.00, 1.62, 0.55, 0.80),
        _Mode(1.523, 0.74, 1.48, 0.80, 0.75),
        _Mode(2.174, 0.60, 1.34, 1.10, 0.70, 0.25),
        _Mode(2.861, 0.50, 1.22, 1.35, 0.70, 0.40),
        _Mode(3.607, 0.42, 1.12, 1.60, 0.65, 0.55),
    ]
    ratio = 3.607
    for _ in range(22):  # the shimmer
        ratio *= 1.105 + 0.05 * rng.random()
        octaves_up = math.log2(ratio / 3.6)
        amp = 1.4 * ratio**-0.6 * (0.65 + 0.35 * rng.random())
        tau = 1.3 * ratio**-0.12 * (0.9 + 0.2 * rng.random())
        bloom = 0.5 + 0.3 * octaves_up + 0.15 * rng.random()
        beat = min(9.0, 1.2 + 0.3 * ratio * (0.6 + 0.8 * rng.random()))
        modes.append(_Mode(round(ratio, 4), amp, tau, beat, 0.7, bloom))
    return tuple(modes)


_BELLS: dict[str, _BellSpec] = {
    spec.name: spec
    for spec in (
        _BellSpec(
            "bowl",
            "Tibetan-style singing bowl: a long, warm, slowly beating ring",
            f0=196.0,
            attack=0.006,
            modes=(
                _Mode(1.000, 1.000, 1.55, 0.90, 0.85),
                _Mode(2.710, 0.500, 0.98, 1.70, 0.70),
                _Mode(5.130, 0.240, 0.56, 2.90, 0.60),
                _Mode(8.210, 0.110, 0.34, 4.10, 0.55),
                _Mode(11.92, 0.050, 0.22, 5.30, 0.50),
                _Mode(16.13, 0.022, 0.15, 6.50, 0.50),
            ),
            seed=101,
        ),
        _BellSpec(
            "chime",
            "small bright chime: a soft, short, clear ring",
            f0=1046.5,
            attack=0.003,
            modes=(
                _Mode(1.000, 1.000, 0.52, 0.60, 0.60),
                _Mode(2.756, 0.320, 0.30, 1.10, 0.55),
                _Mode(5.404, 0.120, 0.17, 1.80, 0.50),
                _Mode(8.933, 0.045, 0.10, 2.50, 0.50),
            ),
            seed=202,
            spread=1.2,
            balance=0.2,
        ),
        _BellSpec(
            "gong",
            "deep gong with a slow, rich bloom",
            f0=65.4,
            attack=0.025,
            modes=_gong_modes(),
            seed=303,
            spread=0.9,
        ),
    )
}


def _ring_seconds(spec: _BellSpec) -> float:
    """How long the bell rings: until an upper bound of its envelope is 70+ dB below its peak.

    The bound adds up every mode's amplitude with no cancellation, so the real ring is at least
    as quiet at that point; a margin covers a real peak lower than the bound's peak.
    """
    t = np.arange(0.0, 60.0, 0.001)
    bound = np.zeros_like(t)
    for m in spec.modes:
        env = m.amp * (1 + m.pair) * (1 + spec.balance * _TILT_MAX) * np.exp(-t / m.tau)
        if m.bloom > 0:
            env *= 1 - np.exp(-t / m.bloom)
        bound += env
    floor = bound.max() * 10 ** ((RING_FLOOR_DB - _RING_MARGIN_DB) / 20)
    above = np.nonzero(bound > floor)[0]
    return round(float(t[above[-1]]) + 0.001 + BELL_END_FADE, 3)


def _raised_cosine(n: int) -> np.ndarray:
    """n samples rising smoothly from exactly 0 towards 1 (sin^2), for fades."""
    if n <= 0:
        return np.zeros(0)
    return np.sin(0.5 * np.pi * np.arange(n) / n) ** 2


def _render_bell(spec: _BellSpec, rate: int) -> np.ndarray:
    n = int(round(_ring_seconds(spec) * rate))
    t = np.arange(n) / rate
    out = np.zeros((n, 2))
    rng = np.random.default_rng(spec.seed)
    limit = 0.45 * rate  # keep every partial well below Nyquist: no aliasing at any rate
    for mode in spec.modes:
        # Draw every random number before deciding to skip a mode, so the stream of random
        # numbers, and hence the bell, is the same at every sample rate.
        phase1, phase2 = rng.uniform(0, 2 * np.pi, 2)
        chan_phase = rng.uniform(-spec.spread, spec.spread, 2)
        chan_beat = 1 + rng.uniform(-0.06, 0.06, 2)
        tilt = spec.balance * rng.uniform(-_TILT_MAX, _TILT_MAX)
        centre = spec.f0 * mode.ratio
        if centre + mode.beat >= limit:
            continue
        env = mode.amp * np.exp(-t / mode.tau)
        if mode.bloom > 0:
            env *= -np.expm1(-t / mode.bloom)
        for c, sign in ((0, 1.0), (1, -1.0)):
            split = mode.beat * chan_beat[c]
            f1, f2 = centre - split / 2, centre + split / 2
            w1, w2 = 1 + sign * tilt, mode.pair * (1 - sign * tilt)
            tone = w1 * np.sin(2 * np.pi * f1 * t + phase1)
            tone += w2 * np.sin(2 * np.pi * f2 * t + phase2 + chan_phase[c])
            out[:, c] += env * tone
    attack = int(round(spec.attack * rate))
    out[:attack] *= _raised_cosine(attack)[:, None]
    fade = int(round(BELL_END_FADE * rate))
    out[n - fade :] *= _raised_cosine(fade)[::-1, None]
    return _finish_bell(out)


def _finish_bell(x: np.ndarray) -> np.ndarray:
    """Peak-normalise to exactly BELL_PEAK, as float32, with the last sample exactly zero."""
    x = np.asarray(x, dtype=np.float64)
    x[-1] = 0.0
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 1e-9:
        raise SoundError("the bell is silent; choose a sound file with something audible in it")
    y = (x * (BELL_PEAK / peak)).astype(np.float32)
    i = np.unravel_index(int(np.argmax(np.abs(y))), y.shape)
    y[i] = np.float32(BELL_PEAK) if y[i] > 0 else np.float32(-BELL_PEAK)
    return y


def synth_bell(name: str, rate: int = RATE) -> np.ndarray:
    """Synthesise a built-in bell now: (n, 2) float32, peak exactly 0.5, ending in silence."""
    spec = _BELLS[_builtin_name(name, BELL_NAMES, "bell")]
    return _render_bell(spec, _check_rate(rate))


def bundled_audio_dir() -> Path:
    """The folder holding the bundled bell files (inside an installed wheel, or the checkout)."""
    installed = Path(__file__).parent / "_data" / "audio"
    if installed.is_dir():
        return installed
    return Path(__file__).parent.parent / "audio"


@lru_cache(maxsize=16)
def _bundled_bell(name: str, rate: int) -> np.ndarray:
    path = bundled_audio_dir() / f"{name}.flac"
    if not path.is_file():
        return synth_bell(name, rate)
    try:
        x, src_rate = _decode(path)
    except (MissingDependencyError, SoundError):  # ffmpeg missing or file damaged: synthesise
        return synth_bell(name, rate)
    out = _finish_bell(_resample(x, src_rate, rate))
    out.flags.writeable = False
    return out


def _cached_bell(name: str, rate: int, cache_dir: Path) -> np.ndarray:
    """A built-in bell decoded once and kept as .npy: decoding FLAC runs ffmpeg, which costs a
    noticeable part of a second at every start; reading the array costs a few milliseconds."""
    path = Path(cache_dir) / f"bell-{name}-{rate}hz-v1.npy"
    try:
        x = np.load(path, allow_pickle=False)
        if (
            x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2 and x.shape[0] > 0
            and np.isfinite(x).all() and abs(float(np.max(np.abs(x))) - BELL_PEAK) < 1e-3
        ):
            return x
    except Exception:  # missing, truncated or garbled: decode again
        pass
    x = _bundled_bell(name, rate)
    _write_cache(path, np.ascontiguousarray(x))
    return x


def load_bell(name_or_path: str, rate: int = RATE, channels: int = 2, cache_dir: Path | None = None) -> np.ndarray:
    """A bell as (n, channels) float32: a built-in name, or the path of any sound file.

    Built-in names decode the bundled ``audio/NAME.flac`` (synthesising it if missing). A file is
    decoded, resampled to ``rate``, peak-normalised to -6 dBFS and given a 5 ms fade-in and a
    short fade-out.
    """
    rate = _check_rate(rate)
    channels = _check_channels(channels)
    key = str(name_or_path).strip()
    if key.lower() in BELL_NAMES:
        if cache_dir is not None:
            return _to_channels(_cached_bell(key.lower(), rate, cache_dir).copy(), channels)
        return _to_channels(_bundled_bell(key.lower(), rate).copy(), channels)
    path = _user_path(key, BELL_NAMES, "bell")
    x, src_rate = _decode(path)
    x = _resample(x, src_rate, rate)
    x = x - x.mean(axis=0)
    fade_in = min(int(round(FILE_BELL_FADE_IN * rate)), len(x) // 2)
    fade_out = min(int(round(FILE_BELL_FADE_OUT * rate)), len(x) // 2)
    x[:fade_in] *= _raised_cosine(fade_in)[:, None]
    x[len(x) - fade_out :] *= _raised_cosine(fade_out)[::-1, None]
    try:
        bell = _finish_bell(x)
    except SoundError:
        raise SoundError(
            f"'{key}' is silent; choose a sound file with an audible bell in it"
        ) from None
    return _to_channels(bell, channels)


# --------------------------------------------------------------------------------------------
# Beds


def _hp(f: np.ndarray, fc: float, order: int = 2) -> np.ndarray:
    """Magnitude of a Butterworth high-pass (0 at DC)."""
    with np.errstate(divide="ignore"):
        return 1 / np.sqrt(1 + (fc / np.maximum(f, 1e-9)) ** (2 * order))


def _lp(f: np.ndarray, fc: float, order: int = 2) -> np.ndarray:
    """Magnitude of a Butterworth low-pass."""
    return 1 / np.sqrt(1 + (f / fc) ** (2 * order))


def _power_law(f: np.ndarray, exponent: float) -> np.ndarray:
    """f ** exponent with the DC bin set to 0."""
    out = np.zeros_like(f)
    out[1:] = f[1:] ** exponent
    return out


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _complex_noise(rng: np.random.Generator, m: int) -> np.ndarray:
    """m bins of white complex Gaussian noise (single precision is plenty for noise)."""
    return rng.standard_normal(2 * m, dtype=np.float32).view(np.complex64)


def _shaped_noise(
    rng: np.random.Generator,
    n: int,
    rate: int,
    shape: Callable[[np.ndarray], np.ndarray],
    corr_low: float,
    corr_high: float,
    corr_corner: float = 250.0,
) -> np.ndarray:
    """(n, 2) stereo noise with amplitude spectrum ``shape(f)``, periodic in n, unit RMS.

    Built directly in the frequency domain over the whole loop, so it loops seamlessly. The
    channels share a common part whose share falls from ``corr_low`` (correlation in the bass,
    which should stay centred) to ``corr_high`` (in the treble, which gives the width).
    """
    from scipy import fft

    f = np.fft.rfftfreq(n, 1 / rate)
    h = shape(f)
    h[0] = 0.0
    common, left, right = (_complex_noise(rng, len(f)) for _ in range(3))
    rho = corr_high + (corr_low - corr_high) / (1 + (f / corr_corner) ** 2)
    a, b = (h * np.sqrt(rho)).astype(np.float32), (h * np.sqrt(1 - rho)).astype(np.float32)
    spec = np.empty((len(f), 2), dtype=np.complex64)
    spec[:, 0] = a * common + b * left
    spec[:, 1] = a * common + b * right
    out = fft.irfft(spec, n, axis=0, workers=2).astype(np.float64)
    return out / _rms(out)


def _circular_filter(x: np.ndarray, rate: int, shape: Callable[[np.ndarray], np.ndarray]):
    """Filter each column of x with the zero-phase magnitude ``shape(f)``, circularly."""
    from scipy import fft

    n = len(x)
    h = shape(np.fft.rfftfreq(n, 1 / rate))
    h[0] = 0.0
    return fft.irfft(fft.rfft(x, axis=0, workers=2) * h[:, None], n, axis=0, workers=2)


def _loop_lfo(n: int, cycles: int, phase: float) -> np.ndarray:
    """A sine completing a whole number of cycles over the n-sample loop."""
    return np.sin(2 * np.pi * cycles * np.arange(n) / n + phase)


def _pink(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    return _shaped_noise(rng, n, rate, lambda f: _power_law(f, -0.5) * _hp(f, 20.0), 0.8, 0.3)


def _brown(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    return _shaped_noise(rng, n, rate, lambda f: _power_law(f, -1.0) * _hp(f, 25.0, 4), 0.85, 0.4)


def _rain(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    seconds = n / rate

    def hiss_shape(f: np.ndarray) -> np.ndarray:
        body = 0.18 * _power_law(f / 400.0, -0.5) * _hp(f, 60.0) * _lp(f, 500.0, 1)
        return _hp(f, 450.0) * _lp(f, 7500.0) * _power_law(f / 1000.0, -0.2) + body

    hiss = _shaped_noise(rng, n, rate, hiss_shape, 0.6, 0.15)
    # Patter: a dense scatter of tiny drop impacts, each a filtered impulse.
    impulses = np.zeros((n, 2))
    count = int(900 * seconds)
    for c in range(2):
        where = rng.integers(0, n, count)
        impulses[where, c] += rng.lognormal(0.0, 0.5, count) * rng.choice((-1.0, 1.0), count)
    patter = _circular_filter(impulses, rate, lambda f: _hp(f, 1000.0) * _lp(f, 6000.0))
    patter /= _rms(patter)
    x = 0.85 * hiss + 0.3 * patter
    # Rain that thickens and thins a little, in whole cycles of the loop.
    swell = (
        1
        + 0.10 * _loop_lfo(n, 1, rng.uniform(0, 6.3))
        + 0.06 * _loop_lfo(n, 3, rng.uniform(0, 6.3))
        + 0.04 * _loop_lfo(n, 7, rng.uniform(0, 6.3))
    )
    x *= swell[:, None]
    # Droplets: little rising "plinks" of bubbles and drips, scattered and panned at random.
    drops = int(3.5 * seconds)
    for _ in range(drops):
        start = int(rng.integers(0, n))
        freq = math.exp(rng.uniform(math.log(900.0), math.log(3600.0)))
        tau = rng.uniform(0.004, 0.011)
        amp = min(5.0, 2.6 * rng.lognormal(0.0, 0.4))
        pan = rng.uniform(0.15, 0.85) * np.pi / 2
        k = int(6 * tau * rate)
        t = np.arange(k) / rate
        rise = 0.008
        phase = 2 * np.pi * freq * (t + 0.35 * (t - rise * -np.expm1(-t / rise)))
        env = np.exp(-t / tau)
        env[: int(0.001 * rate)] *= _raised_cosine(int(0.001 * rate))
        tail = k // 4
        env[k - tail :] *= _raised_cosine(tail)[::-1]
        drop = amp * env * np.sin(phase)
        idx = (start + np.arange(k)) % n
        x[idx, 0] += math.cos(pan) * drop
        x[idx, 1] += math.sin(pan) * drop
    return x


def _swell_shape(x: np.ndarray, rise: float, fall: float) -> np.ndarray:
    """A breaking wave: smooth rise over ``rise`` seconds to 1, then a long smooth wash back."""
    out = np.zeros_like(x)
    up = (x > 0) & (x <= rise)
    r = x[up] / rise
    out[up] = r * r * (3 - 2 * r)
    d = (x[x > rise] - rise) / fall
    out[x > rise] = 0.7 * np.exp(-(d**1.5)) + 0.3 * np.exp(-((d / 2.2) ** 1.5))
    return out


def _ocean(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    seconds = n / rate
    swells = max(1, int(round(seconds / 8.4)))
    weights = 1 + rng.uniform(-0.15, 0.15, swells)
    periods = seconds * weights / weights.sum()  # whole number of swells, each about 6-12 s
    starts = np.concatenate(([0.0], np.cumsum(periods)[:-1])) + rng.uniform(0, seconds)
    heights = rng.uniform(0.7, 1.0, swells)
    along = rng.uniform(-0.45, 0.45, swells)  # the break runs along the beach: L and R differ
    # Envelopes on a 200 Hz control grid over the loop, interpolated circularly.
    grid = np.arange(int(seconds * 200)) * (seconds / int(seconds * 200))
    level = np.full((len(grid), 2), 0.22)
    bright = np.zeros((len(grid), 2))
    for start, period, height, lag in zip(starts, periods, heights, along, strict=True):
        for c, sign in ((0, -1.0), (1, 1.0)):
            since = (grid - start - sign * lag) % seconds
            level[:, c] += height * _swell_shape(since, 0.45 * period, 0.3 * period)
            foam = _swell_shape((since - 0.35) % seconds, 0.45 * period, 0.18 * period)
            bright[:, c] += height * foam**2
    t = np.arange(n) / rate
    level_full = np.stack([np.interp(t, grid, level[:, c], period=seconds) for c in (0, 1)], 1)
    bright_full = np.stack([np.interp(t, grid, bright[:, c], period=seconds) for c in (0, 1)], 1)
    rumble = _shaped_noise(
        rng, n, rate, lambda f: _power_law(f, -1) * _hp(f, 30) * _lp(f, 300), 0.85, 0.6
    )
    wash = _shaped_noise(
        rng, n, rate, lambda f: _power_law(f, -0.5) * _hp(f, 180) * _lp(f, 2200), 0.6, 0.35
    )
    foam = _shaped_noise(rng, n, rate, lambda f: _hp(f, 1400) * _lp(f, 8000, 1), 0.3, 0.15)
    return level_full * (0.8 * rumble + 0.75 * wash) + 0.55 * bright_full * foam


_DRONE_VOICES = (  # (Hz, level): a soft open chord on A with a gentle major third
    (55.00, 0.30),  # A1
    (110.00, 1.00),  # A2
    (164.81, 0.75),  # E3
    (220.00, 0.55),  # A3
    (277.18, 0.20),  # C#4
    (329.63, 0.26),  # E4
)
_DRONE_HARMONICS = ((1, 1.0), (2, 0.05), (3, 0.07), (5, 0.018))  # a softened triangle


def _warm_drone(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Built as a spectrum: every tone completes a whole number of cycles over the loop.

    Each voice is a main oscillator heard in both channels plus a quieter chorus oscillator a
    few cents sharp on the left and flat on the right, so the two sides beat gently against the
    centre; each channel's level drifts slowly (1-3 cycles per loop) and differently.
    """
    seconds = n / rate
    spec = np.zeros((n // 2 + 1, 2), dtype=np.complex128)

    def add(c: int, cycles: int, amp: float, phase: float) -> None:  # amp * cos(...)
        if 0 < cycles < n // 2:
            spec[cycles, c] += 0.5 * n * amp * np.exp(1j * phase)

    def tone(c: int, freq: float, amp: float, phase: float, lfo: tuple[int, float, float]):
        """A softened triangle at freq (rounded to whole cycles), its level swayed by lfo."""
        lfo_cycles, lfo_phase, depth = lfo
        base = int(round(freq * seconds))
        for harmonic, weight in _DRONE_HARMONICS:
            a, cyc, ph = amp * weight, base * harmonic, phase * harmonic
            add(c, cyc, a, ph)
            # a * depth * sin(lfo) * cos(tone): sidebands at cyc +- lfo_cycles
            add(c, cyc + lfo_cycles, 0.5 * a * depth, ph + lfo_phase - np.pi / 2)
            add(c, cyc - lfo_cycles, 0.5 * a * depth, ph - lfo_phase + np.pi / 2)

    for freq, level in _DRONE_VOICES:
        main_phase = rng.uniform(0, 2 * np.pi)
        cents = rng.uniform(1.5, 4.0, 2) * np.array([1.0, -1.0])
        for c in (0, 1):
            lfo = (int(rng.integers(1, 4)), rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.3))
            tone(c, freq, 0.7 * level, main_phase, lfo)
            chorus = freq * 2 ** (cents[c] / 1200)
            tone(c, chorus, 0.3 * level, rng.uniform(0, 2 * np.pi), lfo)
    return np.fft.irfft(spec, n, axis=0)


@dataclass(frozen=True)
class _BedSpec:
    name: str
    description: str
    seconds: float
    make: Callable[[int, int, np.random.Generator], np.ndarray]


_BEDS: dict[str, _BedSpec] = {
    spec.name: spec
    for spec in (
        _BedSpec("rain", "soft steady rain with the odd droplet", 40.0, _rain),
        _BedSpec(
            "ocean", "waves rolling in on a beach, one every eight seconds or so", 42.0, _ocean
        ),
        _BedSpec(
            "pink-noise", "pink noise (1/f): even, soft, like a distant waterfall", 32.0, _pink
        ),
        _BedSpec("brown-noise", "brown noise (1/f\u00b2): a deep, soft rumble", 32.0, _brown),
        _BedSpec("warm-drone", "a soft, slowly shifting chord on A", 40.0, _warm_drone),
    )
}


def _normalise_bed(x: np.ndarray) -> np.ndarray:
    """Remove DC, scale to RMS BED_RMS, and gently limit any peak above BED_PEAK_LIMIT."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0)
    level = _rms(x)
    if level <= 1e-9:
        raise SoundError("the background is silent; choose a sound file with audible sound")
    x = x * (BED_RMS / level)
    for _ in range(8):
        if np.max(np.abs(x)) < BED_PEAK_LIMIT * 0.97:
            break
        ceiling, p = BED_PEAK_LIMIT * 0.92, 6.0  # smooth soft-knee, transparent at low levels
        x = x / (1 + (np.abs(x) / ceiling) ** p) ** (1 / p)
        x *= BED_RMS / _rms(x)
    return x.astype(np.float32)


def _bed_frames(spec: _BedSpec, rate: int) -> int:
    return int(round(spec.seconds * rate))


def synth_bed_loop(name: str, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Synthesise a built-in bed's seamless loop now: (n, 2) float32, RMS 0.1, peak < 0.9."""
    spec = _BEDS[_builtin_name(name, BED_NAMES, "background")]
    rate = _check_rate(rate)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(spec.name.encode())])
    return _normalise_bed(spec.make(_bed_frames(spec, rate), rate, rng))


class Bed:
    """An endless background: a loop read at any absolute position."""

    def __init__(self, name: str, loop: np.ndarray, rate: int = RATE) -> None:
        loop = np.ascontiguousarray(loop, dtype=np.float32)
        if loop.ndim != 2 or loop.shape[0] == 0:
            raise SoundError(f"background '{name}' has no audio to loop")
        loop.flags.writeable = False
        self.name = name
        self.rate = rate
        self.samples = loop
        self.frames = int(loop.shape[0])
        self.channels = int(loop.shape[1])

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
    if x.dtype != np.float32 or x.shape != (frames, 2) or not np.isfinite(x).all():
        return None
    if np.max(np.abs(x)) >= BED_PEAK_LIMIT or abs(_rms(x) - BED_RMS) > 1e-3:
        return None
    return x


def _write_cache(path: Path, x: np.ndarray) -> None:
    """Write atomically, so concurrent processes share it; failures are ignored."""
    import io

    from .files import write_atomic

    buffer = io.BytesIO()
    np.save(buffer, x, allow_pickle=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue())
    except OSError:
        pass  # the cache is only an optimisation


def load_bed(
    name_or_path: str, rate: int = RATE, channels: int = 2, cache_dir: Path | None = None
) -> Bed:
    """A background bed: a built-in name (cached in ``cache_dir`` if given) or a sound file.

    A file is decoded (its first 180 s at most), made loopable with a 2 s equal-power crossfade
    of its tail into its head, and normalised to an RMS of 0.1.
    """
    rate = _check_rate(rate)
    channels = _check_channels(channels)
    key = str(name_or_path).strip()
    if key.lower() in BED_NAMES:
        name = key.lower()
        spec = _BEDS[name]
        loop = None
        cache = None
        if cache_dir is not None:
            cache = Path(cache_dir) / f"bed-{name}-{rate}hz-v{_BED_VERSION}.npy"
            loop = _read_cache(cache, _bed_frames(spec, rate))
        if loop is None:
            loop = synth_bed_loop(name, rate)
            if cache is not None:
                _write_cache(cache, loop)
        return Bed(name, _to_channels(loop, channels), rate)
    path = _user_path(key, BED_NAMES, "background")
    x, src_rate = _decode(path, max_seconds=FILE_BED_MAX_SECONDS)
    x = _resample(x, src_rate, rate)
    x = x[: int(FILE_BED_MAX_SECONDS * rate)]
    x = _make_loop(x, int(round(FILE_BED_CROSSFADE * rate)), key)
    try:
        loop = _normalise_bed(x)
    except SoundError:
        raise SoundError(f"'{key}' is silent; choose a sound file with audible sound") from None
    return Bed(path.name, _to_channels(loop, channels), rate)


def _make_loop(x: np.ndarray, fade: int, label: str) -> np.ndarray:
    """Loop x seamlessly: its last ``fade`` frames cross-fade (equal power) into its first."""
    n = len(x)
    if n < 4:
        raise SoundError(f"'{label}' is too short to loop; use a recording of a few seconds")
    fade = max(1, min(fade, n // 3))
    u = (np.arange(fade) + 0.5) / fade
    fade_in, fade_out = np.sin(0.5 * np.pi * u), np.cos(0.5 * np.pi * u)
    loop = x[: n - fade].copy()
    loop[:fade] = x[:fade] * fade_in[:, None] + x[n - fade :] * fade_out[:, None]
    return loop


# --------------------------------------------------------------------------------------------
# Listing, names, files


def list_sounds() -> list[SoundInfo]:
    """Every built-in bell and bed, for `guided sounds`."""
    bells = [SoundInfo(s.name, "bell", s.description, _ring_seconds(s)) for s in _BELLS.values()]
    beds = [SoundInfo(s.name, "bed", s.description, s.seconds) for s in _BEDS.values()]
    return bells + beds


def _builtin_name(name: str, names: tuple[str, ...], kind: str) -> str:
    key = str(name).strip().lower()
    if key in names:
        return key
    raise NotFoundError(_unknown_message(str(name), names, kind))


def _unknown_message(name: str, names: tuple[str, ...], kind: str) -> str:
    close = difflib.get_close_matches(name.strip().lower(), names, n=1, cutoff=0.5)
    if close:
        return f"unknown {kind} '{name}'; did you mean '{close[0]}'? (guided sounds lists them)"
    return (
        f"unknown {kind} '{name}'; use one of {', '.join(names)} or the path of a sound file "
        "(guided sounds lists them)"
    )


def _user_path(key: str, names: tuple[str, ...], kind: str) -> Path:
    """The sound file a non-built-in name refers to, or a friendly NotFoundError."""
    path = Path(key).expanduser()
    if key and path.exists():
        if path.is_dir():
            raise SoundError(f"'{key}' is a folder; give the path of a sound file")
        return path
    looks_like_path = "/" in key or os.sep in key or bool(path.suffix)
    if looks_like_path:
        raise NotFoundError(f"sound file '{key}' not found; check the path")
    raise NotFoundError(_unknown_message(key, names, kind))


def _check_rate(rate: int) -> int:
    if int(rate) != rate or not _MIN_RATE <= rate <= _MAX_RATE:
        raise SoundError(f"unsupported sample rate {rate}; use {_MIN_RATE} to {_MAX_RATE} Hz")
    return int(rate)


def _check_channels(channels: int) -> int:
    if channels not in (1, 2):
        raise SoundError(f"unsupported channel count {channels}; use 1 (mono) or 2 (stereo)")
    return int(channels)


def _to_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """(n, 2) -> (n, channels) float32; mono is the mean of the two channels."""
    if channels == 2:
        return np.ascontiguousarray(x, dtype=np.float32)
    return x.astype(np.float64).mean(axis=1, keepdims=True).astype(np.float32)


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited resampling of (n, c) float64 audio from src Hz to dst Hz."""
    x = np.asarray(x, dtype=np.float64)
    if src == dst or len(x) == 0:
        return x
    from scipy import signal

    g = math.gcd(src, dst)
    up, down = dst // g, src // g
    if max(up, down) <= 2000:
        return signal.resample_poly(x, up, down, axis=0)
    return signal.resample(x, int(round(len(x) * dst / src)), axis=0)


def _ffmpeg_missing() -> bool:
    return shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None


def _decode_reason(exc: Exception, path: Path) -> str:
    """One short line explaining why ffmpeg/pydub could not decode a file."""
    text = str(exc).strip()
    if type(exc).__name__ == "CouldntDecodeError" and "Output from ffmpeg" in text:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        text = lines[-1] if lines else "ffmpeg could not read it"
        for prefix in (str(path) + ": ", path.name + ": "):
            if text.startswith(prefix):
                text = text[len(prefix) :]
    elif isinstance(exc, (IndexError, KeyError)):
        text = "no audio stream found"
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _decode(path: Path, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode any file ffmpeg can read: ((n, 2) float64 in [-1, 1], sample rate)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # pydub warns when ffmpeg is absent
            warnings.simplefilter("ignore", DeprecationWarning)  # ... and about audioop
            from pydub import AudioSegment
    except ImportError as exc:
        raise MissingDependencyError(
            f"decoding sound files needs pydub ({exc}); install it with: pip install pydub"
        ) from None
    try:
        # -nostdin: ffmpeg would otherwise read keys from our stdin, eating what the user types.
        seg = AudioSegment.from_file(str(path), duration=max_seconds, parameters=["-nostdin"])
        frame_count = int(seg.frame_count())
        channels, width, src_rate = seg.channels, seg.sample_width, int(seg.frame_rate)
        raw = np.array(seg.get_array_of_samples())
    except Exception as exc:  # pydub/ffmpeg fail in many ways on bad files: never let them out
        if _ffmpeg_missing() and not isinstance(exc, (IndexError, KeyError)):
            raise MissingDependencyError(
                f"decoding '{path}' needs ffmpeg, which is not installed; install ffmpeg "
                "(e.g. sudo apt install ffmpeg) or use a built-in sound"
            ) from None
        raise SoundError(
            f"cannot decode '{path}' as audio: {_decode_reason(exc, path)}; "
            "use a WAV, FLAC, MP3 or OGG file"
        ) from None
    if frame_count == 0 or raw.size == 0 or src_rate <= 0:
        raise SoundError(f"'{path}' holds no audio; use a sound file with something in it")
    x = raw[: (raw.size // channels) * channels].reshape(-1, channels)
    x = x.astype(np.float64) / float(1 << (8 * width - 1))
    if channels == 1:
        x = np.repeat(x, 2, axis=1)
    elif channels > 2:
        x = x[:, :2]  # front left and right
    return x, src_rate
