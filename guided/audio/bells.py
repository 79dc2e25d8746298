"""The built-in bells (``bowl``, ``chime``, ``gong``) and any sound file used as a bell.

Every built-in bell is a sum of inharmonic partials. Each partial is a pair of nearly equal modes
that beat slowly, decays at its own rate (higher partials faster), starts with a soft raised-cosine
attack and rings out to below -70 dB before a short fade to exactly zero. The two channels hear
each pair with slightly different balance, phase and beat rate, which gives the ring a little
width. Peak level is exactly -6 dBFS (0.5). Synthesis is deterministic: the same name and rate
give the same samples every time, so a session renders identically on every run.

The product ships them pre-rendered as ``audio/NAME.flac`` (see ``audio/generate.py``);
:func:`load_bell` decodes those (and keeps the result as .npy in a cache folder when given one)
and falls back to synthesis when they are missing. A user's file is decoded by
:mod:`guided.audio.user_sounds`, a few seconds at a time, then peak-normalised and faded like a built-in.

Arrays are shaped ``(frames, channels)``; mono is the mean of the two stereo channels.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..dsp.loudness import kept_step_powers
from ..dsp.samples import raised_cosine, resample
from ..errors import MissingDependencyError, SoundError
from ..files import write_npy
from ..paths import bundled
from .sounds import BELL_NAMES, described
from .user_files import BELL_PEAK, RATE, builtin_name, check_channels, check_rate, to_channels, user_path
from .user_sounds import user_bell

RING_FLOOR_DB = -70.0  # a bell ends once its ring has decayed below this, relative to its peak
BELL_END_FADE = 0.05  # s, the fade to exactly zero at the end of a synthesised bell
BUNDLED_RATE = 44100  # the rate of the bundled audio/NAME.flac files


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
class BellSpec:
    name: str
    f0: float  # fundamental, Hz
    attack: float  # raised-cosine attack, s
    modes: tuple[_Mode, ...]
    seed: int
    spread: float = 0.6  # how differently the channels hear each pair: phase spread, radians
    balance: float = 0.12  # ... and amplitude tilt between the two modes of a pair

    @property
    def description(self) -> str:
        return described(self.name)


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


@lru_cache(maxsize=1)
def _specs() -> dict[str, BellSpec]:
    """The built-in bells' specifications, made when first asked for: the gong's partials are
    drawn with numpy's random generator, whose import a start that only reads cached bells skips."""
    specs = (
        BellSpec(
            "bowl",
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
        BellSpec(
            "chime",
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
        BellSpec(
            "gong",
            f0=65.4,
            attack=0.025,
            modes=_gong_modes(),
            seed=303,
            spread=0.9,
        ),
    )
    return {spec.name: spec for spec in specs}


def __getattr__(name: str):
    if name == "BELLS":  # name → BellSpec, built on first use
        return _specs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def ring_seconds(spec: BellSpec) -> float:
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


def _render_bell(spec: BellSpec, rate: int) -> np.ndarray:
    n = int(round(ring_seconds(spec) * rate))
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
    out[:attack] *= raised_cosine(attack)[:, None]
    fade = int(round(BELL_END_FADE * rate))
    out[n - fade :] *= raised_cosine(fade)[::-1, None]
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
    spec = _specs()[builtin_name(name, BELL_NAMES, "bell")]
    return _render_bell(spec, check_rate(rate))


@lru_cache(maxsize=16)
def _bundled_bell(name: str, rate: int) -> np.ndarray:
    path = bundled("audio") / f"{name}.flac"
    if not path.is_file():
        return synth_bell(name, rate)
    try:
        x = _decode_bundled(path, rate)
    except (MissingDependencyError, SoundError):  # ffmpeg missing or file damaged: synthesise
        return synth_bell(name, rate)
    out = _finish_bell(x)
    out.flags.writeable = False
    return out


def _decode_bundled(path: Path, rate: int) -> np.ndarray:
    """A bundled bell (stereo 24-bit FLAC at 44.1 kHz, as audio/generate.py writes them) as (n, 2)
    float64 at `rate`, from one ffmpeg run: pydub would run ffprobe first to learn what a file
    holds, which is known here: one process fewer on a cold start."""
    import subprocess

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MissingDependencyError("decoding the bundled bells needs ffmpeg")
    try:
        done = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-f", "s32le", "-acodec",
                               "pcm_s32le", "-"], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SoundError(f"cannot decode {path}: {exc}") from None
    if done.returncode != 0 or not done.stdout or len(done.stdout) % 8:
        raise SoundError(f"cannot decode {path}: {done.stderr.decode(errors='replace').strip()}")
    x = np.frombuffer(done.stdout, dtype="<i4").reshape(-1, 2).astype(np.float64) / float(1 << 31)
    return resample(x, BUNDLED_RATE, rate)


def _cached_bell_path(name: str, rate: int, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"bell-{name}-{rate}hz-v1.npy"


def _cached_bell(name: str, rate: int, cache_dir: Path) -> np.ndarray:
    """A built-in bell decoded once and kept as .npy: decoding FLAC runs ffmpeg, which costs a
    noticeable part of a second at every start; reading the array costs a few milliseconds."""
    path = _cached_bell_path(name, rate, cache_dir)
    try:
        x = np.load(path, allow_pickle=False)
        if (
            x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2 and x.shape[0] > 0
            and abs(_finite_peak(x) - BELL_PEAK) < 1e-3
        ):
            return x
    except Exception:  # missing, truncated or garbled: decode again
        pass
    x = _bundled_bell(name, rate)
    write_npy(path, np.ascontiguousarray(x))
    return x


def _finite_peak(x: np.ndarray) -> float:
    """The largest absolute sample of x (inf when any is not finite), a second at a time, so that
    checking a cached bell holds no whole-bell temporaries."""
    peak = 0.0
    for first in range(0, len(x), 48000):
        part = x[first : first + 48000]
        if not np.isfinite(part).all():
            return float("inf")
        peak = max(peak, float(np.abs(part).max()))
    return peak


def load_bell(name_or_path: str, rate: int = RATE, channels: int = 2, cache_dir: Path | None = None):
    """A bell as (n, channels) float32: a built-in name, or the path of any sound file.

    Built-in names decode the bundled ``audio/NAME.flac`` (synthesising it if missing) into an
    array. A file becomes a :class:`guided.audio.stored.StoredSound` (read a slice at a time, like
    an array): its first two minutes at most, resampled to ``rate``, peak-normalised to -6 dBFS,
    with a 5 ms fade-in and a short fade-out (see :mod:`guided.audio.user_sounds`); kept in
    ``cache_dir`` by the file's content when given one.
    """
    rate = check_rate(rate)
    channels = check_channels(channels)
    key = str(name_or_path).strip()
    if key.lower() in BELL_NAMES:
        if cache_dir is not None:
            bell = to_channels(_cached_bell(key.lower(), rate, cache_dir).copy(), channels)
            bell.flags.writeable = False  # so that its step powers, kept beside it, stay true
            kept_step_powers(bell, rate, _cached_bell_path(key.lower(), rate, cache_dir))
            return bell
        return to_channels(_bundled_bell(key.lower(), rate).copy(), channels)
    return user_bell(user_path(key, BELL_NAMES, "bell"), key, rate, channels, cache_dir)
