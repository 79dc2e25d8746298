"""Loudness after ITU-R BS.1770 / EBU R128: K-weighting, 100 ms step powers and gated integration.

Loudness is worked out ahead of mixing from each part's step powers (speech clips, bells, the
bed under its envelope), so a session of any length is normalised without holding it in memory.
The sum of the parts' powers is the power of their mix when they are uncorrelated, as voice,
bells and noise beds are.
"""

from __future__ import annotations

import json
import math
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

STEP_SECONDS = 0.1  # R128's 400 ms gating blocks overlap by 75 %: four steps of 100 ms
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0


@lru_cache(maxsize=8)
def k_weighting(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The two K-weighting stages (high shelf, then high pass) combined into one filter at `rate`."""
    # Shelf stage, from the analogue prototype in BS.1770 (as libebur128 derives it for any rate).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    shelf_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    # High-pass stage.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    pass_b = np.array([1.0, -2.0, 1.0])
    pass_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return np.convolve(shelf_b, pass_b), np.convolve(shelf_a, pass_a)


def _weighting_power(rate: int, frames: int) -> np.ndarray:
    """|H(f)|² of the K-weighting filter at the bins of an rfft of `frames` samples."""
    b, a = k_weighting(rate)
    z = np.exp(-1j * np.pi * np.arange(frames // 2 + 1) / (frames / 2))
    response = np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
    return np.abs(response) ** 2


# Step powers already known for read-only arrays (a cached bed's loop, a cached bell), by identity.
_known: dict[int, tuple[weakref.ref, int, np.ndarray]] = {}


def step_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """K-weighted power per 100 ms step, summed over channels: `samples` is (frames, channels).

    Worked out in the frequency domain (Parseval), step by step, with numpy alone: no filter state
    is carried from one step to the next, which changes a programme's loudness by far less than
    the 0.1 LU that meters display.
    """
    known = _known.get(id(samples))
    if known is not None and known[0]() is samples and known[1] == rate:
        return known[2].copy()
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, None]
    step = int(round(rate * STEP_SECONDS))
    count = -(-samples.shape[0] // step)
    if count == 0:
        return np.zeros(0)
    weights = np.full(step // 2 + 1, 2.0)
    weights[0] = 1.0
    if step % 2 == 0:
        weights[-1] = 1.0
    weights *= _weighting_power(rate, step)
    powers = np.empty(count)
    # A few seconds at a time, so that measuring a long loop never holds several copies of it.
    per_pass = 32
    for first in range(0, count, per_pass):
        steps = min(per_pass, count - first)
        chunk = np.zeros((steps * step, samples.shape[1]))
        part = samples[first * step : (first + steps) * step]
        chunk[: len(part)] = part
        spectra = np.fft.rfft(chunk.reshape(steps, step, -1), axis=1)
        powers[first : first + steps] = (np.abs(spectra) ** 2 * weights[None, :, None]).sum(axis=(1, 2)) / step**2
    return powers


def kept_step_powers(samples: np.ndarray, rate: int, beside: Path) -> np.ndarray:
    """`step_powers` of a cached sound, kept in a small file beside its cache file `beside` (valid
    while that file is unchanged), and remembered for `samples` itself, which must be read-only:
    measuring a bed's loop and a bell again would cost every start its CPU."""
    if samples.flags.writeable:
        raise ValueError("only a read-only array's step powers can be remembered")
    channels = samples.shape[1] if samples.ndim > 1 else 1
    memo = Path(f"{beside}.powers-{channels}ch.json")
    try:
        stat = Path(beside).stat()
        stamp = [stat.st_size, stat.st_mtime_ns, rate, int(samples.shape[0])]
    except OSError:
        stamp = None
    powers = None
    try:
        found = json.loads(memo.read_text("utf-8"))
        if stamp is not None and found.get("stamp") == stamp:
            powers = np.array(found["powers"], dtype=np.float64)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    if powers is None or powers.shape != (-(-samples.shape[0] // int(round(rate * STEP_SECONDS))),):
        powers = step_powers(samples, rate)
        if stamp is not None:
            from ..files import write_atomic

            try:
                write_atomic(memo, json.dumps({"stamp": stamp, "powers": powers.tolist()}).encode())
            except OSError:
                pass  # only a memo: the next start measures again
    key = id(samples)

    def forget(ref, key=key) -> None:
        if _known.get(key, (None,))[0] is ref:
            del _known[key]

    _known[key] = (weakref.ref(samples, forget), rate, powers)
    return powers.copy()


def integrated(steps: np.ndarray) -> float:
    """Integrated loudness (LUFS) of a programme given its step powers; -inf for silence."""
    steps = np.asarray(steps, dtype=np.float64)
    if steps.size < 4:
        steps = np.pad(steps, (0, 4 - steps.size))
    blocks = np.convolve(steps, np.ones(4) / 4, mode="valid")
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    kept = blocks[levels > ABSOLUTE_GATE]
    if kept.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * math.log10(kept.mean()) + RELATIVE_GATE
    with np.errstate(divide="ignore"):
        kept = kept[-0.691 + 10 * np.log10(kept) > relative]
    return -0.691 + 10 * math.log10(kept.mean())


def lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of a whole (frames, channels) array: for sounds and tests, not sessions."""
    return integrated(step_powers(samples, rate))


def db_to_gain(db: float) -> float:
    return 10 ** (db / 20)
