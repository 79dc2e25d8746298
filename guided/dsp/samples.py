"""Small signal tools shared by the mixer, the clip cache, bells and beds: the one resampler, levels,
the raised-cosine fade, and sliding windows."""

from __future__ import annotations

import math

import numpy as np

from . import resampled_length


def resample(samples: np.ndarray, source: int, target: int) -> np.ndarray:
    """Band-limited resampling of mono `(n,)` or `(n, channels)` audio through its spectrum.

    The signal is treated as periodic, padded with silence: right for a phrase or a bell, which
    start and end in near silence, and harmless at the edges of a file that is then faded or
    cross-faded. float64 stays float64; anything else comes out float32."""
    dtype = np.float64 if samples.dtype == np.float64 else np.float32
    frames = samples.shape[0]
    if source == target:
        return samples.astype(dtype, copy=False)
    length = resampled_length(frames, source, target)
    if frames == 0:
        return np.zeros((0, *samples.shape[1:]), dtype=dtype)
    if samples.ndim > 1:  # one channel at a time: a long file needs half the memory
        out = np.empty((length, *samples.shape[1:]), dtype=dtype)
        for channel in range(samples.shape[1]):
            out[:, channel] = resample(samples[:, channel], source, target)
        return out
    # Pad with silence to a length whose transforms are fast on both sides: d·2^k in, u·2^k out.
    g = math.gcd(source, target)
    down, up = source // g, target // g
    blocks = 1 << max(0, math.ceil(math.log2(max(1, -(-frames // down)))))
    padded_in, padded_out = down * blocks, up * blocks
    # Transformed at the precision asked for: float32 (speech, about 1e-7 error against a 16-bit
    # step of 3e-5) needs half the memory of float64, and a long phrase's transforms are the largest
    # arrays an export holds.
    spectrum = np.fft.rfft(np.asarray(samples, dtype=dtype), padded_in)
    # irfft keeps the first padded_out // 2 + 1 bins, adding zeros above when upsampling.
    out = np.fft.irfft(spectrum, padded_out)[:length]
    del spectrum
    out *= up / down
    return out.astype(dtype, copy=False)


def rms(x: np.ndarray) -> float:
    """Root mean square of all of x, in double precision."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def raised_cosine(n: int) -> np.ndarray:
    """n samples rising smoothly from exactly 0 towards 1 (sin^2), for fades."""
    if n <= 0:
        return np.zeros(0)
    return np.sin(0.5 * np.pi * np.arange(n) / n) ** 2


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
