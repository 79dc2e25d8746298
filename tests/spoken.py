"""Spoken answers for the transcription tests: sentences spoken by Piper (the voice package of the
dev extra), steady pink noise, and word error counted after lower-casing and dropping punctuation
and fillers."""

from __future__ import annotations

import functools
import re
from math import gcd

import numpy as np
import pytest

RATE = 44100  # the recorder's rate; mono
FILLERS = {"um", "uh", "er", "ah", "eh", "hmm", "mm", "mhm", "erm"}
SPEECH_RMS = 0.1  # -20 dBFS over the voiced part: a voice at arm's length from a laptop microphone


def _piper_ready() -> bool:
    try:
        from guided.tts.piper_engine import installed_voices, piper_available

        return piper_available() and bool(installed_voices())
    except Exception:
        return False


needs_piper = pytest.mark.skipif(not _piper_ready(), reason="needs piper-tts and a voice (the dev extra)")


def _transcription_ready() -> bool:
    try:
        from guided.journal.whisper_engine import engine_available
        from guided.journal.whisper_models import installed_models

        return engine_available() and bool(installed_models())
    except Exception:
        return False


needs_transcription = pytest.mark.skipif(not _transcription_ready(),
                                         reason="needs faster-whisper and a model (the transcribe and dev extras)")


@functools.cache
def _voice():
    from guided.tts.piper_engine import PiperEngine

    return PiperEngine(rate_wpm=150)


def speak(text: str, rms: float = SPEECH_RMS) -> np.ndarray:
    """`text` spoken by Piper, as float64 samples at RATE with the voiced part at `rms` of full scale."""
    from scipy.signal import resample_poly

    voice = _voice()
    samples, rate = voice.render_at(text, voice.length_scale)  # one steady pace, as a person speaks
    g = gcd(rate, RATE)
    audio = resample_poly(samples.astype(np.float64) / 32768, RATE // g, rate // g)
    voiced = audio[np.abs(audio) > 0.01]
    return audio * (rms / np.sqrt(np.mean(voiced**2)))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE))


def pink_noise(frames: int, rms: float, seed: int = 20) -> np.ndarray:
    """Steady pink noise (power falling 3 dB an octave, like a fan or a room), at `rms` of full scale."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(frames))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, frames)
    return noise * (rms / np.sqrt(np.mean(noise**2)))


def int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32768), -32768, 32767).astype("<i2")


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return [w for w in re.findall(r"[a-z0-9']+", text) if w not in FILLERS]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Substitutions, deletions and insertions over the reference's words."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))
