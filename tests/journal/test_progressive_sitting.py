"""A journal sitting that starts while its speech still renders, with a fake voice that renders
slowly and speaks twice as fast as the estimate it is first placed with, and a fake sound card that
plays as fast as it is fed: each stretch of narration still ends at the true end of its question's
reading, narration goes on after the true end of each reflection, and the reflect mode marks each
question at the true end of its silence."""

from __future__ import annotations

import contextlib
import threading
import time
import wave

import pytest

import guided.session.prepared as session_module
from guided.journal import answers, microphone, sitting
from guided.journal import entry as journal
from guided.options import resolve
from guided.play.player import Player
from guided.timing.timeline import EstimatedClip

from ..conftest import FakeEngine

RENDER_SECONDS = 0.1
BLOCK = 1024
DECK = """---
title: Three questions
kind: journal
background: none
---
## Arriving
Welcome. Let yourself arrive here, at your own pace, with nothing to do.
## Questions
1. What made you smile today, even for a moment, and who was there with you?
2. What would you like to let go of before you sleep tonight?
3. Who would you like to thank, and what for?
## Closing
Thank you for taking this time for yourself.
"""


class SlowEngine(FakeEngine):
    """The fake voice (0.25 s a word: twice as fast as the 120 words a minute estimates assume),
    taking RENDER_SECONDS a phrase; it counts how many phrases it was ever asked to speak at once."""

    def __init__(self) -> None:
        super().__init__()
        self.speaking = self.most_at_once = 0
        self._lock = threading.Lock()

    def render(self, text: str):
        with self._lock:
            self.speaking += 1
            self.most_at_once = max(self.most_at_once, self.speaking)
        try:
            time.sleep(RENDER_SECONDS)
            return super().render(text)
        finally:
            with self._lock:
                self.speaking -= 1


class Stretch:
    """What one player was asked to play, and what it did."""

    def __init__(self, player: Player, number_estimated: dict[int, bool]) -> None:
        self.player = player
        self.start = player.start
        self.estimated = number_estimated  # each question's reading still estimated when it began

    @property
    def end(self) -> int:
        """Where it stopped: heard from its start without a gap (it is never sought), and placed so."""
        assert self.player.total == self.start + self.player.heard
        return self.player.total


@pytest.fixture
def slow_sitting(monkeypatch, guided_home, speak_with, fast_sound_card):
    """The sitting's session as prepared (set once `prepare` runs), and every stretch played."""
    engine = speak_with(SlowEngine())
    seen: dict = {"session": None, "stretches": []}
    real_prepare, real_init = session_module.prepare, Player.__init__

    def prepare(*args, **kwargs):
        session = real_prepare(*args, **kwargs)
        if seen["session"] is None:
            seen["session"] = session
        return session

    def init(self, mixer, *args, **kwargs):
        kwargs["blocksize"] = BLOCK
        real_init(self, mixer, *args, **kwargs)
        estimated = {e.question: isinstance(e.clip, EstimatedClip) for e in mixer.timeline.speech if e.question}
        seen["stretches"].append(Stretch(self, estimated))

    monkeypatch.setattr(session_module, "prepare", prepare)
    monkeypatch.setattr(Player, "__init__", init)
    deck = guided_home / "three.md"
    deck.write_text(DECK)
    seen["engine"] = engine
    return seen, str(deck)


def settled_timeline(session):
    """Where a preparation with every phrase rendered first places the sitting."""
    return session_module.prepare(session.script, options=resolve(), id="settled")


def reading(timeline, number: int):
    return next(e for e in timeline.speech if e.question == number)


def reflection(timeline, number: int):
    return next(e for e in timeline.events if e.kind == "reflect" and e.question == number)


def test_each_stretch_ends_at_the_true_end_of_its_question_although_it_began_with_an_estimate(slow_sitting):
    seen, deck = slow_sitting
    answers = iter(["A dog in the park.", "Old worries.", "My sister."])
    plan = sitting.plan(deck, mode="type")
    held = sitting.run(plan, resolve(), sitting.SittingUI(read_text=lambda question: next(answers)), log=False)
    session = seen["session"]
    assert held.answers[3].text == "My sister."
    # Prepared progressively: the first stretch began before the questions were rendered, placed
    # with estimates that the true lengths then moved.
    assert session.speech is not None
    initial = session.timeline
    truth = settled_timeline(session).timeline
    assert all(reading(initial, n).end != reading(truth, n).end for n in (1, 2, 3))
    stretches = seen["stretches"]
    assert len(stretches) == 4  # up to each question's end, then the closing
    assert stretches[0].estimated[1] and stretches[0].estimated[3]
    for number, stretch in zip((1, 2, 3), stretches, strict=False):
        start = 0 if number == 1 else reflection(truth, number - 1).end
        assert (stretch.start, stretch.end) == (start, reading(truth, number).end)
    closing = stretches[-1]
    assert (closing.start, closing.end) == (reflection(truth, 3).end, truth.total)


def test_reflect_mode_marks_each_question_at_the_true_end_of_its_silence(slow_sitting, monkeypatch):
    seen, deck = slow_sitting
    marked: dict[int, int] = {}
    real_set = journal.Entry.set

    def record_set(self, answer):
        if answer.status == "reflected":
            marked[answer.number] = seen["stretches"][-1].player.controls.position
        return real_set(self, answer)

    monkeypatch.setattr(journal.Entry, "set", record_set)
    plan = sitting.plan(deck, mode="reflect", reflect="2s")
    held = sitting.run(plan, resolve(), log=False)
    session = seen["session"]
    assert sorted(held.answers) == [1, 2, 3] and all(a.status == "reflected" for a in held.answers.values())
    truth = settled_timeline(session).timeline
    (stretch,) = seen["stretches"]
    assert stretch.estimated[2] and stretch.estimated[3]
    assert stretch.player.heard == truth.total
    for number in (1, 2, 3):
        true_end, first_guess = reflection(truth, number).end, reflection(session.timeline, number).end
        assert abs(first_guess - true_end) > 10 * BLOCK  # placed with estimates, the marks would be far off
        # Marked in the first block the listener hears from the silence's true end.
        assert true_end <= marked[number] < true_end + BLOCK, (number, marked[number], true_end)


def test_a_question_heard_again_ends_where_it_ended_the_first_time(slow_sitting, monkeypatch):
    seen, deck = slow_sitting
    session = session_module.prepare(deck, progressive=True)
    keys = iter(["repeat", "repeat", "continue", "continue", "continue"])

    class Pressed(sitting.Sitting):
        def wait_key(self) -> str:
            return next(keys)

    held = Pressed(session, "three", "wait").hold()
    assert sorted(held.answers) == [1, 2, 3]
    truth = settled_timeline(session).timeline
    first, again, again_too = seen["stretches"][:3]
    assert first.estimated[1]
    read = reading(truth, 1)
    assert first.end == read.end
    for repeat in (again, again_too):
        assert (repeat.start, repeat.end) == (read.start, read.end)
    assert seen["stretches"][3].start == reflection(truth, 1).end
    assert session.mixer.timeline.total == truth.total  # hearing it again moved nothing


def test_the_prompt_to_answer_is_spoken_while_the_sitting_still_renders_never_two_phrases_at_once(
        slow_sitting, monkeypatch):
    seen, deck = slow_sitting
    takes: list[str] = []

    def record_answer(audio, **kwargs):
        # Each question: nothing said at first (the sitting asks again), then an answer.
        takes.append(audio.name)
        if takes.count(audio.name) == 1:
            return microphone.Recording(audio, 0.0, False, "nothing said")
        with wave.open(str(audio), "wb") as f:
            f.setnchannels(1), f.setsampwidth(2), f.setframerate(44100)
            f.writeframes(bytes(44100))
        return microphone.Recording(audio, 0.5, True, "silence")

    monkeypatch.setattr(answers, "record_answer", record_answer)
    monkeypatch.setattr(microphone, "Microphone", lambda device: contextlib.nullcontext())
    plan = sitting.plan(deck, mode="record")
    held = sitting.run(plan, resolve(), transcribe=False, log=False)
    assert [a.status for a in held.answers.values()] == ["answered"] * 3
    engine = seen["engine"]
    assert engine.most_at_once == 1  # one speech engine a process: the prompt waited its turn
    spoken = engine.rendered
    prompt = next(i for i, text in enumerate(spoken) if text.startswith("Take your time"))
    assert prompt < spoken.index("Thank you for taking this time for yourself.")  # not after all the rest
    truth = settled_timeline(seen["session"]).timeline
    narration = [s for s in seen["stretches"] if s.player.mixer is seen["session"].mixer]
    assert narration[0].estimated[1]
    for number, stretch in zip((1, 2, 3), narration, strict=False):
        start = 0 if number == 1 else reflection(truth, number - 1).end
        assert (stretch.start, stretch.end) == (start, reading(truth, number).end)
