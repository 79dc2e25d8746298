"""A bed that stays still under the voice: swells counted over 400 ms windows (a rise of 6 dB or more
within 2 s), never in a pause shorter than the duck's hold, and seldom at all, in exports with the
voice silenced so that only the bed is heard."""

from __future__ import annotations

import numpy as np
import pytest

import guided
from guided.audio.mixer import FADE_MS
from guided.dsp.swells import WINDOW_S, stillness, swells, window_levels
from guided.options import SessionOptions
from guided.scripts import catalog

from ..conftest import needs
from ..helpers import decode, run

MOST_A_MINUTE = 1.5
RATE = 22050  # the bed's level over 400 ms is the same at any rate; a smaller one mixes faster
# The voice and bells 60 dB down, so that only the bed is heard; and the whole quieter than usual,
# since the mix is brought to its loudness by the bed alone now, which a loud bed would otherwise
# meet the peak guard for (the guard's work is not the duck's).
SILENCED = ("--voice-volume", "-60dB", "--bell-volume", "-60dB", "--loudness", "-30")


def levels_of(shape_db: np.ndarray, window_s: float = WINDOW_S) -> np.ndarray:
    """Levels as window_levels gives them, of a noise whose loudness follows `shape_db` (one value a window)."""
    size = round(RATE * window_s)
    noise = np.random.default_rng(1).standard_normal(len(shape_db) * size) * 0.1
    return window_levels([noise * np.repeat(10 ** (shape_db / 20), size)], RATE, window_s)


# --- the measure ---------------------------------------------------------------------------------


def test_a_quick_rise_of_10_db_is_a_swell_and_a_slow_one_is_not():
    t = np.arange(100) * WINDOW_S
    quick = np.where(t < 20, -10.0, 0.0)  # down, then back up between two windows
    assert swells(levels_of(quick)) == [pytest.approx(19.6)]
    slow = -10 * (0.5 + 0.5 * np.cos(np.pi * np.clip((t - 20) / 8, 0, 1)))  # 10 dB over 8 s, smoothly
    assert swells(levels_of(slow)) == []


def test_a_rise_over_several_windows_is_one_swell_and_silence_is_no_foot():
    t = np.arange(100) * WINDOW_S
    stairs = np.select([t < 10, t < 11, t < 12], [-20.0, -14.0, -7.0], 0.0)
    assert len(swells(levels_of(stairs))) == 1
    assert swells(np.r_[np.full(10, -np.inf), np.zeros(20)]) == []  # a bed starting from silence


def test_levels_do_not_depend_on_where_the_samples_are_cut():
    samples = np.random.default_rng(2).standard_normal((RATE * 3, 2))
    whole = window_levels([samples], RATE)
    cut = window_levels(np.array_split(samples, 7), RATE)
    np.testing.assert_allclose(whole, cut)
    assert len(whole) == 7  # whole windows only


def test_a_swell_rising_in_a_short_pause_is_named():
    t = np.arange(150) * WINDOW_S
    shape = np.where((t > 30.1) & (t < 33.9), 0.0, -10.0)  # up 10 dB in a 4 s pause, after 30 s
    found = stillness(levels_of(shape), [(30.2, 34.0), (50.0, 58.0)], hold_s=7.0, edge_s=6.4)
    assert found.swells == found.in_short_pauses == (pytest.approx(30.0),)
    assert found.per_minute == pytest.approx(1 / 1.0)
    assert stillness(levels_of(shape), [(30.2, 34.0)], hold_s=3.0, edge_s=6.4).in_short_pauses == ()


# --- the library, exported with the voice silenced ------------------------------------------------


@pytest.fixture(scope="module")
def library_home(tmp_path_factory):
    """One user state for the module: each session's speech is rendered once, for every test here."""
    home = tmp_path_factory.mktemp("library-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUIDED_HOME", str(home))
        patch.setenv("GUIDED_ENGINE", "pyttsx3")
        yield home


def pauses_of(session) -> list[tuple[float, float]]:
    rate = session.timeline.rate
    return [(a / rate, b / rate) for a, b in session.timeline.pauses]


EDGE_S = FADE_MS / 1000 + WINDOW_S  # the bed's own fades in and out are swells of another kind


@pytest.mark.e2e
@pytest.mark.slow
@needs("espeak-ng", "ffmpeg")
@pytest.mark.parametrize("args", [("heart-breathing",), ("five-practices", "--background", "warm-drone"),
                                  ("heart-breathing", "--minutes", "14")], ids=["heart-breathing", "five-practices",
                                                                                 "heart-breathing-fitted"])
def test_an_export_with_the_voice_silenced_keeps_the_bed_still_through_the_pauses(library_home, tmp_path, args,
                                                                                  monkeypatch):
    monkeypatch.setenv("GUIDED_HOME", str(library_home))
    out = tmp_path / "bed.wav"
    run("export", *args, *SILENCED, "--mono", "--sample-rate", str(RATE), "-o", str(out), check=True)
    levels = window_levels([decode(out, RATE)], RATE)
    choices = dict(zip(args[1::2], args[2::2], strict=True))
    session = guided.prepare(args[0], background=choices.get("--background"),
                             minutes=float(choices["--minutes"]) if "--minutes" in choices else None)
    found = stillness(levels, pauses_of(session), session.options.duck_hold_ms / 1000, EDGE_S)
    assert found.seconds == pytest.approx(session.seconds, abs=WINDOW_S)
    assert found.in_short_pauses == (), found
    assert found.per_minute <= MOST_A_MINUTE, found


@pytest.mark.e2e
@pytest.mark.slow
@needs("espeak-ng")
def test_no_built_in_session_moves_its_bed_in_a_short_pause(library_home):
    """The duck alone, for every session (a bed is chosen for those without one): the bed's level
    less the level of the same bed never ducked, so that the ocean's own waves are not counted.
    Through every pause shorter than the hold it holds still, at its depth."""
    quiet = {"voice_volume": -60.0, "bell_volume": -60.0, "loudness": -30.0, "sample_rate": RATE, "mono": True}
    books = catalog.Catalog()
    for session_id in books.ids():
        bed = None if SessionOptions().background_for(books.load(session_id)[1].background) else "rain"
        session = guided.prepare(session_id, **quiet, background=bed)
        still = guided.prepare(session_id, **quiet, background=bed, duck=0)
        dips = window_levels(session.blocks(), RATE) - window_levels(still.blocks(), RATE)
        hold = session.options.duck_hold_ms / 1000
        found = stillness(dips, pauses_of(session), hold, EDGE_S)
        assert found.in_short_pauses == (), (session_id, found)
        assert found.per_minute <= MOST_A_MINUTE, (session_id, found)
        times = np.arange(len(dips)) * WINDOW_S
        inside = np.zeros(len(dips), dtype=bool)
        for a, b in pauses_of(session):
            if b - a < hold and a > EDGE_S and b < session.seconds - EDGE_S:
                inside |= (times >= a) & (times + WINDOW_S <= b)
        assert inside.any(), session_id
        assert np.ptp(dips[inside]) < 0.5, (session_id, np.ptp(dips[inside]))  # still, at one depth
        risen = dips[(times > EDGE_S) & (times < session.seconds - EDGE_S)].max()  # the bed up, in a sitting
        assert np.median(dips[inside]) - risen == pytest.approx(-10.0, abs=0.5), session_id
