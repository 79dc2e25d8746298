"""--rate means words a minute of speech, for every engine: each voice's pace is measured once and kept."""

from __future__ import annotations

import json
from pathlib import Path

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


# Plain English paragraphs written for this test, about anything but the library's subjects: no
# pace, weight or constant of guided was fitted to them. A line each, as a script would hold them.
PARAGRAPHS = [line for line in (Path(__file__).parent / "held_out_paragraphs.txt").read_text().splitlines() if line]


@pytest.mark.e2e
@needs("espeak-ng")
@pytest.mark.parametrize("engine", engines())
def test_rate_holds_on_paragraphs_of_any_subject_and_words_long_or_short(engine):
    """Each phrase is said at its own setting, so that long words (or short ones) do not slow (or
    speed) its words a minute: within 5 % over the paragraphs, and each paragraph within 15 % (a
    voice's own way with some words is beyond any count of letters: up to a quarter before)."""
    for wpm in (100, 120, 140):
        session = guided.prepare(deck(PARAGRAPHS), engine=engine, rate=wpm, background="none")
        measured = session.stats()["speaking_words_per_minute"]
        assert abs(measured / wpm - 1) <= 0.05, (engine, wpm, measured)
        for event in session.timeline.speech:
            alone = len(event.text.split()) / (event.length / session.timeline.rate / 60)
            assert abs(alone / wpm - 1) <= 0.15, (engine, wpm, round(alone, 1), event.text[:40])


@pytest.mark.e2e
@needs("espeak-ng")
def test_a_voice_measured_on_request_keeps_its_pace_with_its_identity(guided_home):
    memo = guided_home / "cache" / pace.MEMO_NAME
    memo.unlink()
    first = make_engine("pyttsx3", None, 120)
    assert not memo.exists()  # making an engine measures nothing
    first.measure_pace()
    kept = json.loads(memo.read_text())
    assert len(kept) == 1 and next(iter(kept)).endswith(first.identity().split(" rate=")[0])
    stamp = memo.stat().st_mtime_ns
    again = make_engine("pyttsx3", None, 120)
    assert again.pace.source == "measured" and again.identity() == first.identity()
    assert memo.stat().st_mtime_ns == stamp  # not measured again
    assert make_engine("pyttsx3", None, 100).identity() != first.identity()  # another pace, other clips


@pytest.mark.e2e
@needs("espeak-ng")
def test_a_voice_never_measured_speaks_at_an_estimate_that_its_phrases_correct(guided_home, monkeypatch):
    """A voice nobody measured (no memo, nothing shipped for it) starts from the engine's general
    estimate; the phrases it renders correct it, and the next session speaks within 5 % of --rate."""
    (guided_home / "cache" / pace.MEMO_NAME).unlink()
    monkeypatch.setattr(pace, "SHIPPED", guided_home / "nothing-shipped.json")
    monkeypatch.setattr(pace, "seconds_per_word", refuse_to_measure)
    voice = "gmw/en-gb-x-rp"  # not the voice the general estimate was measured on
    assert make_engine("pyttsx3", voice, 120).pace.source == "estimated"
    guided.prepare(deck(HELD_OUT), engine="pyttsx3", voice=voice, rate=120, background="none").stats()
    corrected = make_engine("pyttsx3", voice, 120)  # 250 words rendered: corrected twice, not settled yet
    assert corrected.pace.source == "refined" and 200 <= corrected.pace.words < pace.SETTLED_WORDS
    second = guided.prepare(deck(HELD_OUT), engine="pyttsx3", voice=voice, rate=120, background="none")
    assert abs(second.stats()["speaking_words_per_minute"] / 120 - 1) <= 0.05


def refuse_to_measure(*args, **kwargs):
    raise AssertionError("a voice's pace was measured")


def test_a_voices_pace_is_known_from_the_memo_then_the_shipped_models_then_the_estimate(guided_home, monkeypatch,
                                                                                       tmp_path):
    general = pace.PaceModel((0.2, 0.08))
    shipped = tmp_path / "paces.json"
    shipped.write_text(json.dumps({f"v{pace.MODEL_VERSION} piper x voice=a": [0.3, 0.1]}))
    monkeypatch.setattr(pace, "SHIPPED", shipped)
    (guided_home / "cache" / pace.MEMO_NAME).unlink()
    assert pace.known("piper x voice=b", general) == pace.Pace(general, "estimated")
    assert pace.known("piper x voice=a", general) == pace.Pace(pace.PaceModel((0.3, 0.1)), "shipped")
    pace.remember_measured("piper x voice=a", lambda: pace.PaceModel((0.25, 0.05)))
    assert pace.known("piper x voice=a", general) == pace.Pace(pace.PaceModel((0.25, 0.05)), "measured")
    assert pace.known("piper x voice=a", general).settled


def test_an_estimate_is_corrected_every_hundred_words_until_it_is_settled(guided_home):
    (guided_home / "cache" / pace.MEMO_NAME).unlink()
    estimate = pace.Pace(pace.PaceModel((0.2, 0.1)), "estimated")  # 0.3 s a word at scale 1
    refinement = pace.Refinement("piper x voice=c", estimate)
    phrase = "one two three four five"
    said = 5 * 0.3  # what the estimate says this phrase takes at its setting
    for _ in range(19):  # 95 words: not yet
        refinement.observe(phrase, 5 * 0.36, said)
    assert pace.known("piper x voice=c", estimate.model).source == "estimated"
    refinement.observe(phrase, 5 * 0.36, said)
    corrected = pace.known("piper x voice=c", estimate.model)
    assert corrected.source == "refined" and corrected.words == 100 and not corrected.settled
    assert corrected.model.seconds_per_word((1.0, 1.0)) == pytest.approx(0.36)
    refinement.observe("dropped", 0.0, 0.3)  # a phrase the engine dropped says nothing
    for _ in range(80):
        refinement.observe(phrase, 5 * 0.36, said)
    settled = pace.known("piper x voice=c", estimate.model)
    assert settled.words == 500 and settled.settled
    assert settled.model.seconds_per_word((1.0, 1.0)) == pytest.approx(0.36)


def test_a_measured_pace_is_never_replaced_by_a_correction(guided_home):
    estimate = pace.Pace(pace.PaceModel((0.2, 0.1)), "estimated")
    refinement = pace.Refinement("piper x voice=d", estimate)
    pace.remember_measured("piper x voice=d", lambda: pace.PaceModel((0.25, 0.05)))
    for _ in range(40):
        refinement.observe("one two three four five", 5 * 0.4, 5 * 0.3)
    assert pace.known("piper x voice=d", estimate.model).source == "measured"


def test_the_pace_model_is_fitted_from_measures():
    model = pace.fit([((1 / 80, 1.0), 0.6), ((1 / 160, 1.0), 0.35), ((1 / 120, 1.0), 60 / 130)])
    assert model.seconds_per_word((1 / 100, 1.0)) == pytest.approx(0.5, abs=0.02)
