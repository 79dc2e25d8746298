"""Voice activity: which stretches of a microphone's sound hold speech.

Two detectors answer the same question for the microphone's speech gate. The energy detector calls any
window loud enough "speech": simple and always there, but a fan or traffic above its threshold
keeps an answer open, and a quiet speaker below it is cut off. The Silero detector (the small
neural model that ships inside faster-whisper, run by onnxruntime) hears speech whatever its
level and ignores steady noise; it is used whenever `guided[transcribe]` is installed.

Both work as a stream: samples go in as they come, and each finished window comes back as
(samples it covers at the microphone's rate, speech or not), so the gate counts time in samples.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np

SPEECH_THRESHOLD_DB = -42.0  # RMS over a short window; a quiet voice at arm's length is above it
WINDOW_MS = 30

SILERO_RATE = 16000
SILERO_WINDOW = 512  # samples at 16 kHz the model decides on (32 ms)
SILERO_CONTEXT = 64  # samples of the previous window the model sees before each one
# Hysteresis, as faster-whisper's own speech finder: above START is speech, below END is not,
# in between keeps the last decision, so a soft syllable inside a word does not end it.
SILERO_START = 0.5
SILERO_END = 0.35


class SpeechDetector(Protocol):
    name: str

    def feed(self, samples: np.ndarray) -> list[tuple[int, bool]]:
        """Take int16 samples; return each window completed by them as (samples, is speech)."""
        ...


class EnergyDetector:
    """Speech is a window whose RMS is above a fixed level."""

    name = "energy"

    def __init__(self, rate: int, threshold_db: float = SPEECH_THRESHOLD_DB) -> None:
        self.window = max(1, rate * WINDOW_MS // 1000)
        self.threshold = 10 ** (threshold_db / 20) * 32768
        self._pending = np.zeros(0, dtype=np.int16)

    def feed(self, samples: np.ndarray) -> list[tuple[int, bool]]:
        data = np.concatenate((self._pending, np.asarray(samples).reshape(-1)))
        whole = len(data) // self.window * self.window
        self._pending = data[whole:]
        if not whole:
            return []
        windows = data[:whole].astype(np.float64).reshape(-1, self.window)
        loud = np.sqrt((windows**2).mean(axis=1)) > self.threshold
        return [(self.window, bool(is_loud)) for is_loud in loud]


class _To16k:
    """A streaming resampler to 16 kHz: a low-pass whose memory carries across calls, then linear
    interpolation at exact positions (integers, so minutes of audio never drift). numpy alone:
    scipy.signal's filters would cost every recorded sitting 75 MB of resident memory to import."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.taps = _low_pass(rate) if rate > SILERO_RATE else None
        self.history = np.zeros(len(self.taps) - 1) if self.taps is not None else None  # the last inputs
        self.taken = 0  # input samples received so far
        self.made = 0  # output samples made so far
        self.tail = np.zeros(0)  # the last input sample(s) not yet passed by the output
        self.tail_start = 0  # input index of tail[0]

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        x = np.asarray(samples, dtype=np.float64).reshape(-1) / 32768
        if self.taps is not None:
            given = np.concatenate((self.history, x))
            x = np.convolve(given, self.taps, mode="valid")  # one output per new input sample
            self.history = given[len(given) - len(self.history):]
        data = np.concatenate((self.tail, x))
        self.taken += len(x)
        # Output k sits at input position k * rate / 16000; make all that lie within the data.
        last = ((self.taken - 1) * SILERO_RATE) // self.rate if self.taken else -1
        ks = np.arange(self.made, last + 1)
        positions = ks * self.rate / SILERO_RATE - self.tail_start
        out = np.interp(positions, np.arange(len(data)), data) if len(ks) else np.zeros(0)
        self.made = last + 1
        keep_from = max(0, min(len(data) - 1, (self.made * self.rate) // SILERO_RATE - self.tail_start))
        self.tail = data[keep_from:]
        self.tail_start += keep_from
        return out.astype(np.float32)


def _low_pass(rate: int) -> np.ndarray:
    """A windowed-sinc low-pass for `rate`, passing speech below 0.45 x 16 kHz (7.2 kHz) and
    stopping what would fold back into it at 16 kHz: about 2.3 ms of taps (101 at 44.1 kHz),
    a Blackman window (over 70 dB down from 8.5 kHz at 44.1 kHz), and unity gain."""
    count = int(rate * 0.0023) | 1
    cutoff = 0.45 * SILERO_RATE / rate  # as a fraction of `rate`
    n = np.arange(count) - (count - 1) / 2
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(count)
    return taps / taps.sum()


class SileroDetector:
    """faster-whisper's Silero model, fed window by window with its memory carried between calls
    (the same probabilities as the model gives for the whole recording at once)."""

    name = "silero"

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.session = _silero_session()
        self.resample = _To16k(rate)
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(SILERO_CONTEXT, dtype=np.float32)
        self.pending = np.zeros(0, dtype=np.float32)
        self.windows = 0  # windows decided so far, to map them back to microphone samples
        self.speaking = False

    def feed(self, samples: np.ndarray) -> list[tuple[int, bool]]:
        data = np.concatenate((self.pending, self.resample(samples)))
        count = len(data) // SILERO_WINDOW
        self.pending = data[count * SILERO_WINDOW:]
        if not count:
            return []
        windows = data[: count * SILERO_WINDOW].reshape(count, SILERO_WINDOW)
        contexts = np.concatenate((self.context[None, :], windows[:-1, -SILERO_CONTEXT:]))
        batch = np.concatenate((contexts, windows), axis=1).astype(np.float32)
        probabilities, self.h, self.c = self.session.run(None, {"input": batch, "h": self.h, "c": self.c})
        self.context = windows[-1, -SILERO_CONTEXT:].copy()
        decided = []
        for probability in np.asarray(probabilities).reshape(-1):
            if probability >= SILERO_START:
                self.speaking = True
            elif probability < SILERO_END:
                self.speaking = False
            start = self.windows * SILERO_WINDOW * self.rate // SILERO_RATE
            self.windows += 1
            end = self.windows * SILERO_WINDOW * self.rate // SILERO_RATE
            decided.append((end - start, self.speaking))
        return decided


@functools.lru_cache(maxsize=1)
def _silero_session():
    """The ONNX session of the model file faster-whisper ships (loaded once per process)."""
    from ..paths import libraries_kept_home

    with libraries_kept_home():  # the model's loading imports onnxruntime itself
        from faster_whisper.vad import get_vad_model

        session = get_vad_model().session
    names = {i.name for i in session.get_inputs()}
    if names != {"input", "h", "c"}:
        raise RuntimeError(f"unexpected Silero model inputs {sorted(names)}")
    return session


@functools.lru_cache(maxsize=1)
def silero_available() -> bool:
    """Whether the Silero detector can run here (faster-whisper and onnxruntime, a model it reads)."""
    try:
        _silero_session()
    except Exception:  # not installed, a damaged install, or a model of another shape: use energy
        return False
    return True


def speech_detector(rate: int, prefer: str | None = None) -> SpeechDetector:
    """A fresh detector for one answer: Silero when it can run here, energy otherwise
    (`prefer="energy"` asks for the energy detector)."""
    if prefer != "energy" and silero_available():
        return SileroDetector(rate)
    return EnergyDetector(rate)
