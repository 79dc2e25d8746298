"""Progressive preparation with a fake engine whose phrases arrive only when the test lets them:
what was already mixed never changes when the rest is placed again, a fitted length still comes
out to the sample, and nothing is mixed over a phrase that is not rendered yet."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import guided.session.prepared as session_module
from guided.play.progressive import LiveMixer
from guided.timing.timeline import EstimatedClip

from ..conftest import FakeEngine

RATE = 44100
SCRIPT = """---
title: Gated
kind: meditation
background: pink-noise
---
## One
Let yourself settle here now.
Notice the breath.
[pause 2s..30s]
Feel the feet on the floor, and the weight of the body.
## Two
Rest.
[pause 2s..30s]
Let the shoulders soften, a little more with every breath out.
That is all.
"""


class GatedEngine(FakeEngine):
    """Renders a phrase only when the test allows one more."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed = threading.Semaphore(0)

    def render(self, text: str):
        self.allowed.acquire()
        return super().render(text)


@pytest.fixture
def gated(speak_with):
    return speak_with(GatedEngine())


def play_through(session, engine: GatedEngine, block: int = 4096) -> tuple[list[tuple[int, np.ndarray]], int]:
    """Mix block by block as the player does, letting one phrase render each time mixing waits."""
    mixer = session.mixer
    assert isinstance(mixer, LiveMixer)
    blocks, waits, position = [], 0, 0
    while True:
        mixer.sync(position)
        if position >= mixer.total:
            return blocks, waits
        frames = min(block, mixer.total - position)
        samples = mixer.render(position, frames)
        if samples is None:
            waits += 1
            seen = session.speech.version
            engine.allowed.release()
            deadline = time.monotonic() + 10
            while session.speech.version == seen and time.monotonic() < deadline:
                time.sleep(0.001)
            continue
        blocks.append((position, samples))
        position += frames


@pytest.mark.parametrize("minutes", [None, 1.0])
def test_what_was_mixed_never_changes_when_the_rest_is_placed_again(gated, minutes):
    session = session_module.prepare(SCRIPT, progressive=True, minutes=minutes)
    assert any(isinstance(e.clip, EstimatedClip) for e in session.mixer.timeline.speech)
    blocks, waits = play_through(session, gated)
    assert waits >= 5  # every phrase arrived while mixing waited for it
    final = session.mixer.timeline
    assert not any(isinstance(e.clip, EstimatedClip) for e in final.speech)
    # The fake voice speaks twice as fast as the estimate: the placement really moved.
    assert any(a.start != b.start for a, b in zip(final.speech, session.timeline.speech, strict=True))
    for position, samples in blocks:
        assert np.array_equal(session.mixer.render(position, len(samples)), samples)
    if minutes is not None:
        assert final.total == round(minutes * 60 * RATE)
    else:
        assert final.total == session.settled().total  # unfitted: where a full preparation puts it


def test_nothing_is_mixed_over_a_phrase_still_rendering(gated):
    session = session_module.prepare(SCRIPT, progressive=True)
    mixer = session.mixer
    first = mixer.timeline.speech[0]
    # Lead-in can be mixed at once; the first phrase cannot.
    assert mixer.render(0, 4096) is not None
    assert mixer.render(first.start, 4096) is None
    gated.allowed.release()
    time.sleep(0.01)
    deadline = time.monotonic() + 10
    while mixer.render(first.start, 4096) is None and time.monotonic() < deadline:
        time.sleep(0.001)
    spoken = mixer.render(first.start, 4096)
    assert spoken is not None and np.abs(spoken).max() > 0.01  # the phrase itself, where it belongs


def test_a_warm_cache_prepares_progressively_into_the_very_same_mix(fake_voice):
    full = session_module.prepare(SCRIPT, minutes=1.0)
    live = session_module.prepare(SCRIPT, minutes=1.0, progressive=True)
    assert live.mixer.timeline == full.timeline
    assert live.mixer.render(0, live.total).tobytes() == full.mixer.render(0, full.total).tobytes()


class SideBySideEngine(GatedEngine):
    """A gated engine that can render two phrases at once (as Piper does, one per core), and notes
    which phrases it has begun."""

    parallel = 2

    def __init__(self) -> None:
        super().__init__()
        self.begun: list[str] = []
        self.lock = threading.Lock()
        self.released = 0

    def release(self) -> None:
        self.released += 1

    def render(self, text: str):
        with self.lock:
            self.begun.append(text)
        return super().render(text)


def test_an_engine_that_renders_side_by_side_gets_the_next_phrases_to_be_heard_at_once(speak_with, monkeypatch):
    from guided.timing.timeline import spoken_texts
    from guided.tts import workers

    monkeypatch.setattr(workers, "cores", lambda: 2)
    engine = speak_with(SideBySideEngine())
    session = session_module.prepare(SCRIPT, progressive=True)
    heard = spoken_texts(session.script)
    deadline = time.monotonic() + 10
    while len(engine.begun) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.05)
    # Two at once, the first two to be heard (either may reach the engine first), and no more.
    assert sorted(engine.begun) == sorted(heard[:2])
    assert engine.released == 0
    blocks, _waits = play_through(session, engine)
    assert sorted(engine.begun) == sorted(heard)
    assert engine.released == 1  # its model let go once, when the last phrase was rendered
    for position, samples in blocks:  # what was mixed while phrases arrived two at a time stays as it was
        assert np.array_equal(session.mixer.render(position, len(samples)), samples)


def test_stopping_waits_for_every_phrase_in_hand_and_going_on_renders_the_rest(speak_with, monkeypatch):
    from guided.tts import workers

    monkeypatch.setattr(workers, "cores", lambda: 2)
    engine = speak_with(SideBySideEngine())
    session = session_module.prepare(SCRIPT, progressive=True)
    deadline = time.monotonic() + 10
    while len(engine.begun) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    stopper = threading.Thread(target=session.speech.stop)
    stopper.start()
    stopper.join(0.2)
    assert stopper.is_alive()  # two phrases in hand, neither allowed to finish yet
    engine.allowed.release()
    engine.allowed.release()
    stopper.join(5)
    assert not stopper.is_alive() and not session.speech.done
    for _ in range(20):
        engine.allowed.release()
    session.speech.wait()
    assert session.speech.done
