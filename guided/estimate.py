"""A session's length without rendering any speech: for listings, where rendering would be slow."""

from __future__ import annotations

from pathlib import Path

from .script import Script
from .timeline import RATE, assemble
from .tts import DEFAULT_RATE_WPM
from .tts.cache import Clip

ESTIMATED_BELL_SECONDS = 10.0


def estimate_seconds(script: Script, rate_wpm: int = DEFAULT_RATE_WPM) -> float:
    """The session's length with each phrase taking its words at `rate_wpm` (the engine's pace)."""

    def speak(text: str) -> Clip:
        frames = round(max(1, len(text.split())) * 60 / rate_wpm * RATE)
        return Clip(key=text, path=Path(), native_rate=RATE, native_frames=frames, rate=RATE, frames=frames, step_powers=())

    timeline = assemble(script, speak, lambda _name: round(ESTIMATED_BELL_SECONDS * RATE))
    return timeline.seconds
