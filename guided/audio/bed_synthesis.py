"""How the built-in background beds are made: shaped noise, rain, ocean and a drone, as loops.

Each recipe builds its loop circularly: noise is shaped in the frequency domain over the whole
loop, envelopes and tones complete whole cycles in the loop and droplets wrap around, so the end
joins the start with no seam by construction. A recipe takes (frames, rate, random generator) and
returns (frames, 2) float64 at any level; :mod:`guided.beds` normalises, caches and loops it.

The transforms are numpy's: the same pocketfft as scipy.fft, giving the very same samples (single
precision stays single), without the 0.2-0.3 s that importing scipy.fft adds to a cold start.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..dsp.samples import raised_cosine, rms
from .sounds import LOOP_SECONDS, described


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
    f = np.fft.rfftfreq(n, 1 / rate)
    h = shape(f)
    h[0] = 0.0
    common, left, right = (_complex_noise(rng, len(f)) for _ in range(3))
    rho = corr_high + (corr_low - corr_high) / (1 + (f / corr_corner) ** 2)
    a, b = (h * np.sqrt(rho)).astype(np.float32), (h * np.sqrt(1 - rho)).astype(np.float32)
    spec = np.empty((len(f), 2), dtype=np.complex64)
    spec[:, 0] = a * common + b * left
    spec[:, 1] = a * common + b * right
    out = np.fft.irfft(spec, n, axis=0).astype(np.float64)
    return out / rms(out)


def _circular_filter(x: np.ndarray, rate: int, shape: Callable[[np.ndarray], np.ndarray]):
    """Filter each column of x with the zero-phase magnitude ``shape(f)``, circularly."""
    n = len(x)
    h = shape(np.fft.rfftfreq(n, 1 / rate))
    h[0] = 0.0
    return np.fft.irfft(np.fft.rfft(x, axis=0) * h[:, None], n, axis=0)


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
    patter /= rms(patter)
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
        env[: int(0.001 * rate)] *= raised_cosine(int(0.001 * rate))
        tail = k // 4
        env[k - tail :] *= raised_cosine(tail)[::-1]
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
    # A channel a row: each channel's transform then reads and writes contiguous memory, which
    # takes half the time of transforming down the columns of (n, 2), for the very same samples.
    spec = np.zeros((2, n // 2 + 1), dtype=np.complex128)

    def add(c: int, cycles: int, amp: float, phase: float) -> None:  # amp * cos(...)
        if 0 < cycles < n // 2:
            spec[c, cycles] += 0.5 * n * amp * np.exp(1j * phase)

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
    return np.fft.irfft(spec, n, axis=-1).T  # (n, 2), a view: normalising makes the contiguous copy


@dataclass(frozen=True)
class BedSpec:
    name: str
    make: Callable[[int, int, np.random.Generator], np.ndarray]

    @property
    def seconds(self) -> float:  # the loop's length, as the catalogue of sounds lists it
        return LOOP_SECONDS[self.name]

    @property
    def description(self) -> str:
        return described(self.name)


BEDS: dict[str, BedSpec] = {
    spec.name: spec
    for spec in (
        BedSpec("rain", _rain),
        BedSpec("ocean", _ocean),
        BedSpec("pink-noise", _pink),
        BedSpec("brown-noise", _brown),
        BedSpec("warm-drone", _warm_drone),
    )
}
