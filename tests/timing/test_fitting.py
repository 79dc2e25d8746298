"""Fitting a session to a length: `--minutes N` lasts N minutes within a second, end to end, and
asking for the impossible names the shortest and longest the session can last."""

from __future__ import annotations

import re

import pytest

from guided.scripts.language import Pause, Question, Sit, parse_duration_ms, parse_script
from guided.timing.timeline import FitError, assemble
from guided.tts.cache import ClipCache

from ..conftest import needs
from ..helpers import length_range, probe, run, run_json

RATE = 44100


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One user state for the module, so speech is rendered once and shared, as for a real user."""
    return tmp_path_factory.mktemp("fit-home")


def guided(home, *args, **kwargs):
    return run(*args, env={"GUIDED_HOME": str(home)}, **kwargs)


# --- end to end, with real espeak-ng and ffmpeg -------------------------------------------------

@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_seven_minute_export_lasts_seven_minutes(home, tmp_path):
    out = tmp_path / "x.wav"
    result = guided(home, "export", "heart-breathing", "--minutes", "7", "-o", str(out), "--json", check=True)
    stream = probe(out)["streams"][0]
    duration = float(probe(out)["format"]["duration"])
    assert abs(duration - 420) <= 1.0, duration
    # Measured independently of the format's header: the samples themselves.
    assert abs(int(stream["duration_ts"]) / int(stream["sample_rate"]) - 420) <= 1.0
    assert '"seconds": 420' in result.stdout


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_fitting_holds_at_another_sample_rate_and_in_mono(home, tmp_path):
    out = tmp_path / "y.wav"
    guided(home, "export", "heart-breathing", "--minutes", "8.5", "--sample-rate", "22050", "--mono",
           "-o", str(out), "-q", check=True)
    info = probe(out)
    assert info["streams"][0]["channels"] == 1
    assert abs(float(info["format"]["duration"]) - 510) <= 1.0


@pytest.mark.e2e
@needs("espeak-ng")
def test_one_minute_is_refused_with_the_shortest_possible_length(home):
    result = guided(home, "export", "heart-breathing", "--minutes", "1", "-o", "never.wav")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    found = re.fullmatch(
        r"guided: this session can last from (\S+) to (\S+), not 1m; ask for between ([\d.]+) and ([\d.]+) minutes",
        message,
    )
    assert found, message
    shortest, longest = (parse_duration_ms(found.group(i)) / 1000 for i in (1, 2))
    assert 60 < shortest <= 420 < longest
    # What the message offers can really be had, and a little less than its shortest cannot.
    low, high = float(found.group(3)), float(found.group(4))
    assert abs(low * 60 - shortest) < 1 and abs(high * 60 - longest) < 1
    for minutes in (low, high):
        stats = run_json("show", "heart-breathing", "--minutes", str(minutes), env={"GUIDED_HOME": str(home)})["stats"]
        assert abs(stats["seconds"] - minutes * 60) <= 1.0
    too_short = guided(home, "show", "heart-breathing", "--minutes", f"{(shortest - 2) / 60:.4f}")
    assert too_short.returncode == 1 and f"from {found.group(1)}" in too_short.stderr


@pytest.mark.e2e
@needs("espeak-ng")
def test_too_long_is_refused_naming_the_longest(home):
    result = guided(home, "show", "heart-breathing", "--minutes", "60")
    assert result.returncode == 1
    assert re.search(r"can last from \S+ to \S+, not 1h", result.stderr)


@pytest.mark.e2e
@needs("espeak-ng")
def test_show_with_minutes_gives_the_fitted_outline_and_statistics(home):
    shown = run_json("show", "heart-breathing", "--minutes", "10", env={"GUIDED_HOME": str(home)})
    stats = shown["stats"]
    assert abs(stats["seconds"] - 600) <= 1.0
    assert abs(stats["speech_seconds"] + stats["silence_seconds"] - stats["seconds"]) < 0.01
    assert stats["bells"] == 2 and stats["words"] > 400
    assert shown["events"][-1]["start"] < 600
    text = guided(home, "show", "heart-breathing", "--minutes", "10", check=True).stdout
    last = text.strip().splitlines()[-1]
    assert re.fullmatch(
        r"10:00 in all: \d+:\d\d speech, \d+:\d\d silence and sound; \d+ words, \d+ a minute overall; 2 bells", last
    ), last
    assert "## Resting" in text and "[sit " in text


@pytest.mark.e2e
@needs("espeak-ng")
def test_a_journal_deck_fits_by_stretching_its_reflection_times(home):
    natural = run_json("show", "trust-questions", env={"GUIDED_HOME": str(home)})
    fitted = run_json("show", "trust-questions", "--minutes", "25", env={"GUIDED_HOME": str(home)})
    assert abs(fitted["stats"]["seconds"] - 1500) <= 1.0
    reflect = [e["seconds"] for e in fitted["events"] if e["kind"] == "reflect"]
    before = [e["seconds"] for e in natural["events"] if e["kind"] == "reflect"]
    assert len(reflect) == 20
    assert max(reflect) - min(reflect) < 0.01  # all in the same proportion of their (equal) ranges
    assert 30 <= reflect[0] < before[0] == 90  # shorter than the natural 90 s, never under its 30 s bound


# --- the arithmetic, with the fake engine --------------------------------------------------------

BODY = """## One
Hello there. [pause 2s..10s]
[pause 1s..3s]
1. A question to sit with? [pause 20s..1m]
[sit 1m..5m]
Goodbye.
"""


def _build(engine, tmp_path, seconds=None):
    cache = ClipCache(tmp_path / "clips")
    script = parse_script("---\ntitle: T\nkind: meditation\n---\n" + BODY, "t.md")
    speak = lambda text: cache.get(engine, text, RATE)  # noqa: E731
    return script, assemble(script, speak, lambda name: 10 * RATE, rate=RATE, seconds=seconds), speak


@pytest.mark.parametrize("seconds", [95, 200, 333.3, 384])
def test_every_stretchable_silence_moves_in_the_same_proportion_of_its_range(fake_engine, tmp_path, seconds):
    script, timeline, _ = _build(fake_engine, tmp_path, seconds)
    assert abs(timeline.total - seconds * RATE) <= 1
    spans = {c.line: (c.span if isinstance(c, (Pause, Sit)) else c.reflect)
             for c in script.cues if isinstance(c, (Pause, Sit, Question))}
    fractions = []
    for event in timeline.events:
        if event.kind in ("pause", "sit", "reflect") and event.line in spans:
            span = spans[event.line]
            fractions.append((event.length / RATE * 1000 - span.low) / (span.high - span.low))
    assert len(fractions) == 4
    assert max(fractions) - min(fractions) < 0.001
    assert 0 <= fractions[0] <= 1


def test_the_fit_error_carries_both_limits(fake_engine, tmp_path):
    script, _, speak = _build(fake_engine, tmp_path)
    low, high = length_range(script, speak, lambda name: 10 * RATE, rate=RATE)
    with pytest.raises(FitError) as caught:
        _build(fake_engine, tmp_path, seconds=30)
    assert caught.value.shortest == pytest.approx(low / RATE)
    assert caught.value.longest == pytest.approx(high / RATE)
    # Rounded inwards to whole seconds (94.5 s and 384.5 s, the chime closing the reflection included),
    # so that both ends can be asked for.
    assert str(caught.value) == "this session can last from 1m35s to 6m24s, not 30s; ask for between 1.58 and 6.4 minutes"
    assert (low / RATE, high / RATE) == (pytest.approx(94.5, abs=0.01), pytest.approx(384.5, abs=0.01))
