"""--rate means words a minute of speech, for every engine: each voice's pace is measured once and kept."""

from __future__ import annotations

import json

import pytest

import guided
from guided.errors import GuidedError
from guided.tts import make_engine, pace

from ..conftest import needs

# Spoken lines of the built-in library that the calibration text does not hold (it samples others):
# every 41st line from the 28th, as the calibration takes every 41st from the 8th.
HELD_OUT = (
    'Perhaps your breath gets shorter. Your stomach tightens. Your jaw clenches.',
    'Take what feels useful, and leave the rest.',
    'The third practice is mindfulness.',
    'Telling them about your fears, your needs, and your boundaries helps them understand how to support you.',
    'If you are lying down, feel your heels, and the backs of your legs.',
    'Your heart learned to be careful for good reasons.',
    'I can let good things in, a little at a time.',
    'That care has protected you. It deserves some thanks.',
    "It doesn't need to be obeyed, and it doesn't need to be silenced. Just heard.",
    'None of that was your choice, and none of it was your fault.',
    'That is clever, and it is also a little clumsy.',
    'That is the end of step three.',
    'Now, silently, offer that past self a few kind words.',
    'And someone who keeps pushing past it is showing you something too.',
    'So it helps to collect the good moments on purpose. You might even write them down.',
    'You can forgive someone and still keep a firm boundary. You can forgive from a distance.',
    'Listen to the sound of the waves for a moment.',
    'Or stepping outside for five minutes of fresh air.',
    'Breathe slowly, and let the moment unfold.',
    'When has mistrust changed how a relationship turned out, or kept a connection from forming?',
)


def deck(text_lines) -> str:
    return "---\ntitle: Pace\nkind: talk\n---\n" + "\n".join(text_lines) + "\n"


def engines() -> list[str]:
    found = ["pyttsx3"]
    try:
        make_engine("piper")
        found.append("piper")
    except GuidedError:
        pass
    return found


@pytest.mark.e2e
@needs("espeak-ng")
@pytest.mark.parametrize("engine", engines())
def test_rate_gives_that_many_words_a_minute_of_speech_within_five_percent(engine):
    for wpm in (100, 120, 140):
        session = guided.prepare(deck(HELD_OUT), engine=engine, rate=wpm, background="none")
        measured = session.stats()["speaking_words_per_minute"]
        assert abs(measured / wpm - 1) <= 0.05, (engine, wpm, measured)


@pytest.mark.e2e
@needs("espeak-ng")
def test_a_voice_is_measured_once_and_its_pace_kept_with_its_identity(guided_home):
    memo = guided_home / "cache" / pace.MEMO_NAME
    memo.unlink()
    first = make_engine("pyttsx3", None, 120)
    kept = json.loads(memo.read_text())
    assert len(kept) == 1 and next(iter(kept)).endswith(first.identity().split(" rate=")[0])
    stamp = memo.stat().st_mtime_ns
    again = make_engine("pyttsx3", None, 120)
    assert again.identity() == first.identity() and memo.stat().st_mtime_ns == stamp  # not measured again
    assert make_engine("pyttsx3", None, 100).identity() != first.identity()  # another pace, other clips


def test_the_pace_model_is_fitted_from_measures():
    model = pace.fit([((1 / 80, 1.0), 0.6), ((1 / 160, 1.0), 0.35), ((1 / 120, 1.0), 60 / 130)])
    assert model.seconds_per_word((1 / 100, 1.0)) == pytest.approx(0.5, abs=0.02)
