"""`guided list` says how long a session will last with the current voice and rate: the length `show`
and `play` give, exact for speech already rendered, estimated (and marked so) for speech that is not."""

from __future__ import annotations

import pytest

import guided
from guided.options import resolve
from guided.paths import paths
from guided.scripts import catalog
from guided.scripts.language import parse_script
from guided.session.library import bell_length, session_lengths
from guided.timing.lengths import Lengths
from guided.timing.timeline import RATE
from guided.tts import pace
from guided.tts.cache import ClipCache
from guided.tts.pace import letters

from ..conftest import FakeEngine, needs
from ..helpers import run, run_json

SCRIPT = """---
title: Lengths
kind: meditation
---
## Arriving
Let yourself settle, and rest. [pause 4s..9s]
[bell chime]
This takes about {minutes} minutes.
[breathe in 4s, out 6s, x4]
## Sitting
[sit 1m..3m, bell every 30s]
Slowly, come back. Open your eyes.
"""


class PacedFakeEngine(FakeEngine):
    """The fake engine (a quarter second a word) with the pace a listing asks an engine for."""

    def seconds_per_word(self) -> float:
        return 0.25

    def expected_seconds(self, text: str) -> float:
        return pace.phrase_seconds(pace.PaceModel((0.25,)), (1.0,), text)


@pytest.fixture
def fake(monkeypatch, speak_with):
    engine = speak_with(PacedFakeEngine())
    monkeypatch.setattr("guided.tts.make_engine", lambda *a, **k: engine)  # the one a listing makes
    return engine


def script():
    return parse_script(SCRIPT, "lengths.md")


# --- what a listing reads from the clip cache ---------------------------------------------------


def test_a_cached_clip_s_length_is_read_from_its_header_at_any_rate(fake, guided_home):
    cache = ClipCache(guided_home / "clips")
    clip = cache.get(fake, "Three words here", 44100)
    assert cache.frames(clip.key, 44100) == clip.frames
    assert cache.frames(clip.key, 48000) == cache.get(fake, "Three words here", 48000).frames
    assert cache.frames(cache.key(fake.identity(), "never rendered"), 44100) is None


def test_a_damaged_clip_counts_as_not_rendered(fake, guided_home):
    cache = ClipCache(guided_home / "clips")
    clip = cache.get(fake, "Soon to be cut short", 44100)
    clip.path.write_bytes(clip.path.read_bytes()[:-100])
    assert cache.frames(clip.key, 44100) is None
    clip.path.write_bytes(b"not a clip at all\n")
    assert cache.frames(clip.key, 44100) is None


# --- one placement for rendered and listed lengths ------------------------------------------------


def test_once_rendered_a_session_is_listed_at_exactly_its_rendered_length(fake):
    listed = Lengths(resolve(), bell_length).of(script())
    assert listed.estimated and listed.estimated_phrases == listed.phrases
    session = guided.prepare(script(), background="none")
    listed = Lengths(resolve(), bell_length).of(script())
    assert not listed.estimated
    assert listed.timeline.total == session.total
    assert [(e.kind, e.start, e.length) for e in listed.timeline.events] == \
           [(e.kind, e.start, e.length) for e in session.timeline.events]
    assert listed.timeline.script.cues == session.timeline.script.cues  # {minutes} said the same


def test_a_fitted_length_is_listed_as_rendering_fits_it(fake):
    session = guided.prepare(script(), background="none", minutes=3)
    listed = Lengths(resolve(minutes=3), bell_length).of(script())
    assert listed.timeline.total == session.total == 3 * 60 * RATE
    assert [e.start for e in listed.timeline.events] == [e.start for e in session.timeline.events]


def test_unrendered_phrases_take_the_voice_s_pace_and_lengthen_at_commas_and_full_stops(fake):
    lengths = Lengths(resolve(), bell_length)
    assert lengths.guess("Slowly, come back.") > lengths.guess("Slowly come back.")
    assert lengths.guess("Come back. Open your eyes.") > lengths.guess("Come back open your eyes.")
    long = "a calm and steady breath " * 8
    seconds = lengths.guess(long) / RATE
    assert seconds == pytest.approx(len(long.split()) * PacedFakeEngine().seconds_per_word(), rel=0.35)
    assert letters("One, two.") > letters("One two.")


def test_cached_phrases_correct_the_estimates_of_the_others(fake):
    """A voice may speak the library at another pace than the calibration text: once enough of its
    phrases are cached, the others are estimated at the pace those really took."""
    long_line = " ".join(["steady"] * 45) + "."  # the fake engine: a quarter second a word, whatever the word
    listed = parse_script(SCRIPT.replace("Slowly, come back. Open your eyes.", long_line), "long.md")
    ClipCache(paths().clips).get(fake, long_line, RATE)
    plain, corrected = Lengths(resolve(), bell_length), Lengths(resolve(), bell_length)
    corrected.calibrate([listed])
    assert corrected.guess(long_line) == pytest.approx(45 * 0.25 * RATE, abs=2)
    assert plain.guess(long_line) != pytest.approx(45 * 0.25 * RATE, abs=RATE // 10)
    ratio = corrected.guess(long_line) / plain.guess(long_line)
    assert corrected.guess("Open your eyes, when you are ready.") == \
           pytest.approx(plain.guess("Open your eyes, when you are ready.") * ratio, abs=1)


def test_a_voice_whose_pace_is_not_measured_is_listed_without_measuring_it(guided_home):
    (guided_home / "cache" / "pace.json").unlink(missing_ok=True)
    rows = run_json("list")
    assert rows and all(r["estimated"] for r in rows)
    assert not (guided_home / "cache" / "pace.json").exists()  # measuring renders speech: list never does


def test_the_table_marks_estimated_lengths():
    result = run("list", check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("heart-breathing "))
    assert "~" in line.split()[1]
    assert "~ estimated" in result.stderr


# --- the whole built-in library with the real voice ---------------------------------------------


@pytest.mark.e2e
@pytest.mark.slow
@needs("espeak-ng")
def test_every_built_in_session_is_listed_at_the_length_show_gives():
    ids = catalog.Catalog().ids()
    before = {r["id"]: r for r in run_json("list")}
    assert all(before[i]["estimated"] for i in ids)
    rendered = {i: guided.prepare(i).seconds for i in ids}  # one process renders them all, once
    after = {r["id"]: r for r in run_json("list")}
    shown = run_json("show", "heart-breathing")["stats"]["seconds"]
    assert after["heart-breathing"]["seconds"] == pytest.approx(shown, rel=0.01)
    for i in ids:
        assert not after[i]["estimated"], i
        assert after[i]["seconds"] == pytest.approx(rendered[i], rel=0.01), i
        # Before any rendering, the estimate from the voice's pace was within 1 % of it.
        assert before[i]["seconds"] == pytest.approx(rendered[i], rel=0.01), i
    assert [r.seconds for r in session_lengths([catalog.Catalog().load(i)[1] for i in ids])] == \
           pytest.approx([after[i]["seconds"] for i in ids], abs=0.5)


@pytest.mark.e2e
@pytest.mark.slow
@needs("espeak-ng")
def test_with_the_natural_voice_the_default_session_is_listed_within_one_percent_before_rendering():
    from guided.tts.piper_engine import installed_voices, piper_available

    if not (piper_available() and installed_voices()):
        pytest.skip("no Piper voice installed")
    listed = {r["id"]: r for r in run_json("list", env={"GUIDED_ENGINE": "piper"})}["heart-breathing"]
    assert listed["estimated"]
    assert listed["seconds"] == pytest.approx(guided.prepare("heart-breathing", engine="piper").seconds, rel=0.01)
