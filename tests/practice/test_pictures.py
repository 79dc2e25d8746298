"""Pictures: the session map draws what the timeline and the mixer hold (checked against the
drawn shapes, not pixels), the calendar shades each day by its minutes, and both are real PNGs of
the asked size."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

import guided
from guided.audio.mixer import DUCK_DELAY_MS, DUCK_RISE_MS
from guided.errors import MissingDependencyError, OutputError
from guided.practice import log as practice_log
from guided.practice import pictures
from guided.practice.log import Practice

from ..conftest import needs

SCRIPT = """---
title: A small map
kind: meditation
background: rain
---
## Arriving
[bell]
Welcome. Let yourself settle.
Feel the ground beneath you.
[pause 12s]
## Breathing
Breathe in slowly, and out slowly.
[sit 20s]
[bell]
"""

pytestmark = needs("espeak-ng")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    # Prepared once: the map's tests only read it (speech cached in a home of this module's own).
    home = tmp_path_factory.mktemp("map-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUIDED_HOME", str(home))
        patch.setenv("GUIDED_ENGINE", "pyttsx3")
        yield guided.prepare(SCRIPT)


def png(path) -> tuple[str, tuple[int, int]]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.format, image.size


def test_the_map_draws_each_phrase_where_the_timeline_places_it(session, tmp_path):
    drawn = pictures.session_map(session, tmp_path / "map.png")
    rate = session.timeline.rate
    expected = [(e.start / rate, e.end / rate) for e in session.timeline.speech]
    assert len(drawn.phrases) == len(expected) == 3
    np.testing.assert_allclose(drawn.phrases, expected, atol=1e-6)
    assert drawn.bells == pytest.approx([e.start / rate for e in session.timeline.bells])
    assert [c[0] for c in drawn.chapters] == ["Arriving", "Breathing"]
    assert [c[1] for c in drawn.chapters] == pytest.approx([c.start / rate for c in session.timeline.sections])
    silences = {(round(a, 3), round(b, 3), kind) for a, b, kind in drawn.silences}
    for event in session.timeline.events:
        if event.kind in ("pause", "sit"):
            assert (round(event.start / rate, 3), round(event.end / rate, 3), event.kind) in silences
    assert drawn.seconds == pytest.approx(session.seconds)


def test_the_bed_curve_dips_under_the_voice_and_rises_in_the_silences(session, tmp_path):
    drawn = pictures.session_map(session, tmp_path / "map.png")
    times, db = np.array(drawn.bed_times), np.array(drawn.bed_db)
    rate = session.timeline.rate
    sit = next(e for e in session.timeline.events if e.kind == "sit")
    phrase = session.timeline.speech[-1]
    risen = (DUCK_DELAY_MS + DUCK_RISE_MS) / 1000  # the bed rises slowly into a long silence
    in_sit = db[(times > sit.start / rate + risen) & (times < sit.end / rate - 3)]
    in_phrase = db[(times > phrase.start / rate + 0.5) & (times < phrase.end / rate - 0.5)]
    assert in_sit.min() == pytest.approx(0.0, abs=0.01)  # the bed at its own level
    assert in_phrase.max() == pytest.approx(session.options.duck_db, abs=0.01)  # ducked under speech
    assert db[0] == pictures.BED_FLOOR_DB and db[-1] == pictures.BED_FLOOR_DB  # fading in and out


@pytest.mark.parametrize("size", [(1200, 400), (800, 300)])
def test_the_map_is_a_png_of_the_asked_size(session, tmp_path, size):
    drawn = pictures.session_map(session, tmp_path / "map.png", width=size[0], height=size[1])
    assert png(drawn.path) == ("PNG", size)
    assert not [p for p in tmp_path.iterdir() if p.name != "map.png"]  # no temporary file left behind


def test_a_session_without_a_bed_says_so_instead_of_drawing_a_curve(tmp_path):
    quiet = guided.prepare(SCRIPT.replace("background: rain", "background: none"))
    drawn = pictures.session_map(quiet, tmp_path / "map.png")
    assert drawn.bed_times == () and len(drawn.phrases) == 3


def test_a_fitted_session_is_mapped_at_its_fitted_length(tmp_path):
    fitted = guided.prepare(SCRIPT.replace("[pause 12s]", "[pause 5s..2m]"), minutes=1.5)
    drawn = pictures.session_map(fitted, tmp_path / "map.png", minutes=1.5)
    assert drawn.seconds == pytest.approx(90.0)
    rate = fitted.timeline.rate
    np.testing.assert_allclose(drawn.phrases, [(e.start / rate, e.end / rate) for e in fitted.timeline.speech])
    # The pause asked as 5s..2m is stretched to fill the 90 seconds, and drawn as long as it lasts.
    stretched = max(e.end - e.start for e in fitted.timeline.events if e.kind == "pause") / rate
    assert stretched > 20
    assert max(b - a for a, b, kind in drawn.silences if kind == "pause") == pytest.approx(stretched, abs=0.05)


def test_the_calendar_shades_each_day_by_its_minutes(guided_home, tmp_path):
    today = date(2025, 6, 12)  # a Thursday
    heard = {today: 45, today - timedelta(days=1): 10, today - timedelta(days=9): 75}
    for day, minutes in heard.items():
        practice_log.record(Practice("play", "heart-breathing", heard_ms=minutes * 60_000,
                                     at=datetime(day.year, day.month, day.day, 8).astimezone()))
    practice_log.record(Practice("export", "safe-haven", at=datetime(2025, 6, 5, 8).astimezone()))
    drawn = pictures.calendar(tmp_path / "cal.png", weeks=4, today=today)
    assert png(drawn.path) == ("PNG", (1200, 400))
    assert drawn.first == date(2025, 5, 19)  # the Monday four weeks back
    assert len(drawn.minutes) == len(drawn.colours) == 25  # up to today, nothing after it
    assert {d: m for d, m in drawn.minutes.items() if m} == {d: float(m) for d, m in heard.items()}
    luminance = {d: 0.3 * r + 0.59 * g + 0.11 * b for d, (r, g, b, _) in drawn.colours.items()}
    quiet = [luminance[d] for d in drawn.minutes if not drawn.minutes[d]]
    assert len(set(quiet)) == 1  # every quiet day alike, an export included
    assert quiet[0] > luminance[today - timedelta(days=1)] > luminance[today] > luminance[today - timedelta(days=9)]


def test_a_missing_matplotlib_is_one_clear_line(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(MissingDependencyError) as caught:
        pictures.preflight(tmp_path / "map.png")
    message = str(caught.value)
    assert "pip install 'guided[pictures]'" in message and "\n" not in message


def test_a_picture_into_a_missing_folder_is_refused_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        pictures.preflight(tmp_path / "nowhere" / "map.png")
