"""A cold start (nothing cached) makes what the first sound needs at once and nothing else before
it: the bed and the bells load side by side, and speech renders once they are made. (How each sound
is made quickly and exactly: tests/audio/test_sound_loading.py.)"""

from __future__ import annotations

import threading

import guided
from guided.audio import beds, bells

from ..conftest import FakeEngine

SCRIPT = """---
title: Cold
kind: meditation
background: warm-drone
---
[bell]
Let yourself settle here now.
Notice the breath.
"""


class RecordingEngine(FakeEngine):
    """The fake engine, noting in `events` each phrase it renders."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def render(self, text: str):
        self.events.append(f"speech: {text}")
        return super().render(text)


def test_the_bed_and_the_bells_load_side_by_side(monkeypatch, fake_voice):
    # Each load waits until the other has begun: loaded one after the other, the first waits in vain.
    meeting = threading.Barrier(2, timeout=5)

    def meet(load):
        def waiting(*args, **kwargs):
            meeting.wait()
            return load(*args, **kwargs)

        return waiting

    monkeypatch.setattr(beds, "load_bed", meet(beds.load_bed))
    monkeypatch.setattr(bells, "load_bell", meet(bells.load_bell))
    session = guided.prepare(SCRIPT)
    assert session.mixer.bed is not None and len(session.timeline.bells) == 1


def test_speech_renders_only_once_the_bed_and_the_bells_are_made(monkeypatch, speak_with):
    events: list[str] = []

    def noting(load, what):
        def made(*args, **kwargs):
            found = load(*args, **kwargs)
            events.append(what)
            return found

        return made

    monkeypatch.setattr(beds, "load_bed", noting(beds.load_bed, "bed made"))
    monkeypatch.setattr(bells, "load_bell", noting(bells.load_bell, "bell made"))
    speak_with(RecordingEngine(events))
    session = guided.prepare(SCRIPT, progressive=True)
    session.speech.wait()
    session.speech.stop()
    assert events[:2] in (["bed made", "bell made"], ["bell made", "bed made"])
    assert events[2:] == ["speech: Let yourself settle here now.", "speech: Notice the breath."]
