"""A session's length without rendering any speech: for listings, where rendering would be slow."""

from __future__ import annotations

from .script import Script
from .timeline import RATE, EstimatedClip, assemble
from .tts import DEFAULT_RATE_WPM

ESTIMATED_BELL_SECONDS = 10.0


def estimate_seconds(script: Script, rate_wpm: int = DEFAULT_RATE_WPM) -> float:
    """The session's length with each phrase taking its words at `rate_wpm` (the engine's pace)."""
    return estimate(script, rate_wpm).seconds


def estimate(script: Script, rate_wpm: int = DEFAULT_RATE_WPM):
    """The session's timeline with each phrase taking its words at `rate_wpm`: each voice's pace
    is calibrated to that (tts/pace.py), so lengths are near what rendering gives."""

    def speak(text: str) -> EstimatedClip:
        frames = round(max(1, len(text.split())) * 60 / rate_wpm * RATE)
        return EstimatedClip(frames)

    return assemble(script, speak, lambda _name: round(ESTIMATED_BELL_SECONDS * RATE))
