"""Hands-free means no hands: in a recorded sitting, a short phrase said alone after a question
steers the sitting (stop, skip, repeat, more time, pause and go on) and is never kept as an answer;
an answer that holds those words is an answer. What the sitting did is said on screen and in the
entry. (The recogniser is faked here; tests/journal/test_spoken_commands_e2e.py hears real speech
with the real Whisper model.)"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from guided.journal import commands
from guided.journal.commands import GO_ON, MORE_TIME, PAUSE, REPEAT, SKIP, STOP, Heard, command_in
from guided.journal.entry import answered_in, entries
from guided.journal.markdown import answers
from guided.journal.microphone import (
    COMMAND_HEARD_AFTER_SECONDS,
    COMMAND_MARGIN_SECONDS,
    COMMAND_PAUSE_SECONDS,
    record_answer,
)
from guided.journal.sitting import Sitting, SittingUI

from ..helpers import MIC_RATE, FakeMicrophone, tone

RATE = MIC_RATE


@pytest.fixture(autouse=True)
def loudness_is_speech(monkeypatch):
    """The fake microphone's tones count as speech: the energy detector, not Silero (which hears voices only)."""
    from guided.journal import microphone
    from guided.journal.vad import EnergyDetector

    monkeypatch.setattr(microphone, "speech_detector", lambda rate: EnergyDetector(rate))


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


# --- what counts as a command -------------------------------------------------------------------

@pytest.mark.parametrize("said, command", [
    ("Stop.", STOP), ("stop", STOP), ("That's all for today.", STOP), ("That’s all for today.", STOP),
    ("End the session.", STOP), ("Okay, stop please.", STOP),
    ("Skip.", SKIP), ("Next.", SKIP), ("Next question, please.", SKIP), ("Pass.", SKIP), ("Skip this one.", SKIP),
    ("Repeat.", REPEAT), ("Say that again.", REPEAT), ("Could you repeat that?", REPEAT),
    ("More time.", MORE_TIME), ("Wait.", MORE_TIME), ("Give me a moment.", MORE_TIME),
    ("Pause.", PAUSE), ("Go on.", GO_ON), ("Continue.", GO_ON),
])
def test_a_short_phrase_said_alone_is_its_command(said, command):
    assert command_in(said) == command


@pytest.mark.parametrize("answer", [
    "I want to stop pushing people away.",
    "Next time I would ask for help sooner.",
    "I skip meals when I'm anxious.",
    "Wait, I think it started at school.",
    "Again and again I test the people close to me.",
    "Stop and think, my mother used to say.",
    "Pausing before I answer helps me.",
    "",
    "Hmm.",
])
def test_an_answer_that_holds_command_words_is_an_answer(answer):
    assert command_in(answer) is None


@pytest.mark.parametrize("said, command", [
    ("Skip. Next.", SKIP), ("Okay. Stop.", STOP), ("Stop. Stop now.", STOP), ("Stop. Go on.", None),
    ("Stop. I mean it.", None),
])
def test_sentences_that_all_say_one_command_are_that_command(said, command):
    assert command_in(said) == command


@pytest.mark.parametrize("written, once", [
    ("Stop. Stop. Stop. Sto", "Stop."), ("repeat repeat repeat repeat", "Repeat."),
    ("Keep going Keep going Keep go", "Keep going."), ("Stop and go.", "Stop and go."),
    ("I said I said no", "I said I said no"), ("Stop.", "Stop."),
])
def test_a_phrase_written_over_and_over_is_read_once(written, once):
    assert commands.said_once(written) == once


def never() -> str:
    raise AssertionError("the plain reading is asked for only when a command was found")


def test_the_best_reading_decides_when_it_is_a_command_or_plainly_an_answer():
    assert commands.decide([("Stop.", -0.2), ("Stop!", -0.4)], lambda: "Stop.") == ("Stop.", STOP)
    assert commands.decide([("I keep people at a distance.", -0.3), ("I keep people at a distance", -0.4)],
                           never) == ("I keep people at a distance.", None)


def test_a_command_nearly_as_likely_as_the_best_reading_is_heard():
    """The smallest model writes "Force." for "Pause." with the command a close second."""
    readings = [("Force.", -0.9), ("Pause.", -1.1), ("Fours.", -1.5)]
    assert commands.decide(readings, lambda: "Pause.") == ("Pause.", PAUSE)


def test_a_command_far_less_likely_than_the_best_reading_is_not_heard():
    readings = [("Force.", -0.2), ("Pause.", -0.2 - commands.CLOSE_SCORE - 0.5)]
    assert commands.decide(readings, never) == ("Force.", None)


def test_a_reading_that_drops_words_is_no_command():
    readings = [("Skip school.", -0.5), ("Skip.", -0.6)]
    assert commands.decide(readings, never) == ("Skip school.", None)


def test_words_beside_the_command_heard_without_the_prompt_make_it_an_answer():
    """The commands said before make "Skip school." easy to read as "Skip."."""
    assert commands.decide([("Skip.", -0.3)], lambda: "Skip school.") == ("Skip school.", None)
    assert commands.decide([("Say it again.", -0.3)], lambda: "Say it again, Sam.") == ("Say it again, Sam.", None)
    # Another reading of the same sound, not more words: the command stands.
    assert commands.decide([("Skip this one.", -0.4)], lambda: "Let's get this one.") == ("Skip this one.", SKIP)
    assert commands.decide([("Pause.", -0.4)], lambda: "Force.") == ("Pause.", PAUSE)


def test_fillers_alone_are_not_an_answer_and_leave_the_next_utterance_to_be_judged():
    assert commands.only_fillers("Hmm.") and commands.only_fillers("Um, uh.")
    assert not commands.only_fillers("Hmm, I think so.")


# --- hearing the first utterance ------------------------------------------------------------------

class Ears:
    """A recogniser that says what each utterance was, in order, and keeps what it was given."""

    def __init__(self, *heard: str) -> None:
        self.heard = list(heard)
        self.given: list[int] = []

    def __call__(self, samples: np.ndarray, rate: int) -> Heard:
        self.given.append(len(samples))
        text = self.heard.pop(0) if self.heard else "something else"
        return Heard(text, command_in(text), 0.01)


def test_a_command_said_alone_ends_the_recording_at_once_and_says_which(tmp_path):
    sound = np.concatenate([quiet(1.0), tone(0.6), quiet(5.0), tone(4.0), quiet(3.0)])
    ears = Ears("Skip.")
    result = record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound), silence_seconds=2.0, hear=ears)
    assert result.ended_by == "command" and result.heard.command == SKIP
    (given,) = ears.given  # the utterance alone, with a little margin, not the quiet before it
    assert 0.6 * RATE <= given <= (0.6 + 2 * COMMAND_MARGIN_SECONDS + 0.1) * RATE
    # Acted on once the quiet after it was long enough, not at the end of a long silence.
    assert result.seconds < 1.0 + 0.6 + COMMAND_PAUSE_SECONDS + 0.3


class ClockedEars(Ears):
    """Ears that note how much sound the microphone had given when they were asked."""

    def __init__(self, microphone, *heard: str) -> None:
        super().__init__(*heard)
        self.microphone = microphone
        self.asked_at: list[float] = []

    def __call__(self, samples: np.ndarray, rate: int) -> Heard:
        self.asked_at.append(self.microphone.position / RATE)
        return super().__call__(samples, rate)


def test_a_command_is_written_down_early_in_the_pause_so_the_sitting_acts_when_the_pause_ends(tmp_path):
    microphone = FakeMicrophone(np.concatenate([quiet(1.0), tone(0.6), quiet(5.0)]))
    ears = ClockedEars(microphone, "Stop.")
    result = record_answer(tmp_path / "a.wav", microphone=microphone, silence_seconds=2.0, hear=ears)
    assert result.ended_by == "command"
    (asked_at,) = ears.asked_at
    assert 1.6 + COMMAND_HEARD_AFTER_SECONDS <= asked_at < 1.6 + COMMAND_PAUSE_SECONDS
    assert result.seconds < 1.6 + COMMAND_PAUSE_SECONDS + 0.3


class SlowEars(Ears):
    """Ears that take their time, noting how far the microphone was read when asked and when done."""

    def __init__(self, microphone, *heard: str, seconds: float = 0.3) -> None:
        super().__init__(*heard)
        self.microphone, self.seconds = microphone, seconds
        self.read_while_hearing: list[tuple[int, int]] = []

    def __call__(self, samples: np.ndarray, rate: int) -> Heard:
        import time

        asked = self.microphone.position
        time.sleep(self.seconds)
        self.read_while_hearing.append((asked, self.microphone.position))
        return super().__call__(samples, rate)


def test_the_microphone_goes_on_being_read_while_an_utterance_is_written_down(tmp_path):
    """A real microphone drops what is not read within a fraction of a second: an answer that
    begins with a short utterance loses nothing while it is judged."""
    sound = np.concatenate([tone(0.5), quiet(1.5), tone(2.0), quiet(3.0)])
    microphone = FakeMicrophone(sound, speed=4.0)
    ears = SlowEars(microphone, "Yesterday.")
    result = record_answer(tmp_path / "a.wav", microphone=microphone, silence_seconds=2.0, hear=ears)
    ((asked, done),) = ears.read_while_hearing
    assert done > asked  # read on meanwhile
    assert result.ended_by == "silence" and 2.4 < result.speech_seconds < 2.6


def test_a_command_is_acted_on_even_when_the_silence_ends_the_answer_before_it_is_written_down(tmp_path):
    microphone = FakeMicrophone(np.concatenate([quiet(0.5), tone(0.5), quiet(5.0)]))
    ears = SlowEars(microphone, "Stop.", seconds=0.5)
    result = record_answer(tmp_path / "a.wav", microphone=microphone, silence_seconds=1.0, hear=ears)
    assert result.ended_by == "command" and result.heard.command == STOP


def test_a_command_word_followed_by_more_words_after_a_sentence_pause_is_an_answer(tmp_path):
    """ "Wait. I think it started at school.": the pause between two sentences is shorter than the
    one that makes a command."""
    gap = (COMMAND_HEARD_AFTER_SECONDS + COMMAND_PAUSE_SECONDS) / 2
    sound = np.concatenate([tone(0.5), quiet(gap), tone(1.5), quiet(3.0)])
    ears = Ears("Wait.", "Wait, I think it started at school.")
    result = record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound), silence_seconds=2.0, hear=ears)
    assert result.ended_by == "silence"  # kept as an answer
    assert len(ears.given) == 2 and ears.given[1] > ears.given[0]  # heard again as one longer utterance
    assert 1.9 < result.speech_seconds < 2.2  # both sentences, none of it lost


def test_an_answer_goes_on_being_recorded_when_its_first_words_are_no_command(tmp_path):
    sound = np.concatenate([tone(1.0), quiet(0.8), tone(2.0), quiet(3.0)])
    ears = Ears("I think")
    result = record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound), silence_seconds=2.0, hear=ears)
    assert result.ended_by == "silence" and len(ears.given) == 1  # judged once, then an answer
    assert 3.5 < result.seconds < 6.5 and 2.9 < result.speech_seconds < 3.2


def test_a_long_first_utterance_is_an_answer_without_being_heard_as_a_command(tmp_path):
    sound = np.concatenate([tone(4.0), quiet(3.0)])
    ears = Ears()
    result = record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound), silence_seconds=2.0, hear=ears)
    assert result.ended_by == "silence" and ears.given == []


def test_a_filler_first_leaves_the_next_short_utterance_to_be_a_command(tmp_path):
    sound = np.concatenate([tone(0.4), quiet(1.0), tone(0.5), quiet(3.0)])
    ears = Ears("Hmm.", "Stop.")
    result = record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound), silence_seconds=2.0, hear=ears)
    assert result.ended_by == "command" and result.heard.command == STOP and len(ears.given) == 2


def test_a_gentle_word_comes_before_the_longest_answer_and_the_answer_is_cut_there(tmp_path):
    sound = np.concatenate([tone(25.0), quiet(3.0)])
    warned: list[int] = []
    microphone = FakeMicrophone(sound)
    result = record_answer(tmp_path / "a.wav", microphone=microphone, silence_seconds=2.0, max_seconds=20.0,
                           near_limit=lambda: warned.append(microphone.position))
    assert result.ended_by == "limit" and abs(result.seconds - 20.0) < 0.2
    (at,) = warned
    assert 4.5 * RATE <= at <= 5.5 * RATE  # fifteen seconds before the limit


# --- a sitting steered by voice -------------------------------------------------------------------

def fake_session(questions: int = 3):
    speech = [types.SimpleNamespace(question=n, start=n * 100, end=n * 100 + 50) for n in range(1, questions + 1)]
    events = [types.SimpleNamespace(kind="reflect", question=n, end=n * 100 + 90) for n in range(1, questions + 1)]
    script = types.SimpleNamespace(title="Three questions", questions=[
        types.SimpleNamespace(number=n, text=f"Question {n}?") for n in range(1, questions + 1)])
    timeline = types.SimpleNamespace(speech=speech, events=events, total=1000)
    return types.SimpleNamespace(timeline=timeline, mixer=types.SimpleNamespace(timeline=timeline), script=script,
                                 speech=None)


class Steered(Sitting):
    """A recorded sitting whose narration is heard in a moment, whose voice replies are noted, and
    whose microphone and recogniser are fakes: only what the sitting does with them is real."""

    def __init__(self, sound: np.ndarray, *heard: str, questions: int = 3) -> None:
        self.played: list[tuple[int, object]] = []
        self.said_back: list[str] = []
        self.lines: list[str] = []
        super().__init__(fake_session(questions), "three", "record", SittingUI(say=self.lines.append),
                         silence_seconds=1.5, microphone=FakeMicrophone(sound), recogniser=Ears(*heard))

    def play(self, start, end, marks) -> str:
        self.played.append((start, end))
        return "finished"

    def acknowledge(self, what: str) -> None:
        self.said_back.append(what)


def command(seconds: float = 0.5) -> np.ndarray:
    return np.concatenate([quiet(0.5), tone(seconds), quiet(1.0)])


def answer(seconds: float = 4.0) -> np.ndarray:
    return np.concatenate([quiet(0.5), tone(seconds), quiet(2.0)])


def test_stop_after_the_first_question_ends_the_sitting_keeping_no_recording_and_saying_so(guided_home):
    sitting = Steered(command(), "Stop.")
    entry = sitting.hold()
    assert entry.stopped and entry.by_voice
    assert len(sitting.played) == 1  # the first question only: no closing narration after a stop
    assert sitting.said_back == [STOP]
    assert not list(entry.folder.glob("*.wav"))  # the word "stop" was never kept as an answer
    text = entry.path.read_text()  # nothing answered, and the entry says the sitting was ended by voice
    assert answers(text) == [] and "*You ended this sitting by voice.*" in text and "ended: by voice" in text
    assert any('heard "Stop."' in line and "ending the sitting" in line for line in sitting.lines)


def test_stop_after_an_answer_keeps_the_answer_and_the_entry_says_the_sitting_was_ended_by_voice(guided_home):
    sitting = Steered(np.concatenate([answer(), command()]), "That's all for today.")  # a long answer is not heard
    entry = sitting.hold()
    text = entry.path.read_text()
    assert "ended: by voice" in text and "*You ended this sitting by voice, after question 1.*" in text
    assert [a.number for a in answers(text)] == [1] and len(list(entry.folder.glob("*.wav"))) == 1
    assert answered_in("three") == {1}


def test_skip_moves_on_marks_the_question_skipped_and_keeps_no_recording(guided_home):
    sitting = Steered(np.concatenate([command(), command(), answer()]), "Skip.", "Next question, please.",
                      "It helps to be asked.")
    entry = sitting.hold()
    text = entry.path.read_text()
    first, second, third = answers(text)
    assert first.status.startswith("Skipped at ") and first.status.endswith(", by voice.")
    assert second.status.startswith("Skipped at ") and not first.audio and not second.audio
    assert third.status.startswith("Answered at ") and third.audio
    assert "skipped: [1, 2]" in text and "answered: [3]" in text
    assert sitting.said_back == [SKIP, SKIP]
    assert [p.name for p in entry.folder.glob("*.wav")] == [third.audio]
    assert answered_in("three") == {3}  # skipped questions come back next time


def test_repeat_reads_the_question_again_and_listens_again(guided_home):
    sitting = Steered(np.concatenate([command(), answer()]), "Could you repeat that?", "Yes.", questions=1)
    entry = sitting.hold()
    reading = fake_session(1).timeline.speech[0]
    again = sitting.played[1]
    assert again[0] == reading.start and again[1](fake_session(1).timeline) == reading.end
    (kept,) = answers(entry.path.read_text())
    assert kept.status.startswith("Answered at ") and kept.audio


def test_more_time_lets_the_reflection_go_on_longer_than_the_usual_wait(guided_home):
    # After "more time", a first word that comes 40 s later (past the usual 20 s wait) is still heard.
    sitting = Steered(np.concatenate([command(), quiet(40.0), answer()]), "Give me a moment.", "Yes.", questions=1)
    entry = sitting.hold()
    assert sitting.said_back == [MORE_TIME]
    (kept,) = answers(entry.path.read_text())
    assert kept.status.startswith("Answered at ")


def test_pause_holds_the_sitting_until_go_on_then_listens_for_the_answer(guided_home):
    talk = np.concatenate([quiet(0.5), tone(4.0), quiet(1.0)])  # said while paused: not an answer
    sitting = Steered(np.concatenate([command(), talk, command(), answer()]), "Pause.", "Go on.", "My answer.",
                      questions=1)
    entry = sitting.hold()
    assert sitting.said_back == [PAUSE, GO_ON]
    (kept,) = answers(entry.path.read_text())
    assert kept.status.startswith("Answered at ") and len(list(entry.folder.glob("*.wav"))) == 1


def test_without_a_recogniser_every_word_is_an_answer(guided_home):
    sitting = Steered(np.concatenate([command(), answer()]), questions=1)
    sitting.recogniser = None
    entry = sitting.hold()
    (kept,) = answers(entry.path.read_text())
    assert kept.status.startswith("Answered at ")  # "stop" would have been kept as an answer here


# --- one meaning of "answered" ------------------------------------------------------------------

def write_entry(folder: Path, name: str, answered: str, reflected: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(f"---\ndate: 2026-12-0{name[-1]}T10:00:00\ndeck: trust-questions\n"
                                       f"mode: x\nanswered: [{answered}]\nreflected: [{reflected}]\n---\n")


def test_a_sitting_in_words_starts_at_the_first_question_not_answered_in_words(guided_home):
    from guided.journal import sitting as sittings

    write_entry(guided_home / "journal", "e1", "", "1, 2")  # reflected on in silence only
    write_entry(guided_home / "journal", "e2", "3", "")
    assert [e.reflected for e in entries()] == [(1, 2), ()]
    assert sittings.plan("trust-questions", mode="record", count=2).questions == (1, 2)
    assert sittings.plan("trust-questions", mode="type", count=2).questions == (1, 2)
    assert sittings.plan("trust-questions", mode="reflect", count=2).questions == (4, 5)
    assert sittings.plan("trust-questions", mode="wait", count=1).questions == (4,)
    (row,) = [r for r in sittings.status() if r.deck == "trust-questions"]
    assert row.words() == "1 answered and 2 reflected on, of 20"
