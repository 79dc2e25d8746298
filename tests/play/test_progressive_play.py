"""Playing while speech still renders, through real espeak-ng and real PortAudio into ALSA's file
plugin: the first sound does not wait for every phrase, a fitted session still ends when asked,
and a player that catches up with rendering waits in silence, says so, and goes on with the
right phrase."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import has_portaudio
from .test_play_e2e import read_wav

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "espeak-ng"),
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

RATE = 44100
SCRIPT = """---
title: Slow speech
kind: meditation
background: pink-noise
---
## Arriving
Let yourself settle.
Notice the breath as it comes and goes.
[pause 2s..40s]
Feel your feet resting on the floor.
## Resting
Rest your hands wherever they are.
Let the shoulders soften a little.
[pause 2s..40s]
That is all for now.
"""
PHRASES = 6

# Plays SCRIPT progressively with an engine that takes `delay` seconds a phrase; prints what it saw.
DRIVER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import guided.session.prepared as session_module

    script, played, delay, minutes, export = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
    real = session_module.make_engine

    class Slow:
        def __init__(self, engine):
            self.engine, self.name = engine, engine.name
        def identity(self):
            return self.engine.identity()
        def voices(self):
            return self.engine.voices()
        def render(self, text):
            time.sleep(delay)
            return self.engine.render(text)

    session_module.make_engine = lambda *a, **k: Slow(real(*a, **k))
    session = session_module.prepare(script, progressive=True, minutes=float(minutes) if minutes != "-" else None)
    seen = {"at_first_sound": None, "preparing": 0, "held_positions": []}

    def tick(player):
        if seen["at_first_sound"] is None and played.exists() and played.stat().st_size > 0:
            seen["at_first_sound"] = session.cache.rendered
        if player.preparing:
            seen["preparing"] += 1
            seen["held_positions"].append(player.controls.position)

    ended = session.play(on_tick=tick, log=False)
    session.export(export, log=False)
    print(json.dumps({**seen, "ended": ended, "total": session.mixer.total, "rendered": session.cache.rendered,
                      "settled_total": session.settled().total}))
    """
)



def drive(home: Path, tmp_path: Path, delay: float, minutes: float | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    script = tmp_path / "slow.md"
    script.write_text(SCRIPT)
    export = tmp_path / "settled.wav"
    out = subprocess.run([sys.executable, "-c", DRIVER, str(script), str(home / "played.raw"), str(delay),
                          "-" if minutes is None else str(minutes), str(export)],
                         capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=600)
    assert out.returncode == 0, out.stderr
    played = np.fromfile(home / "played.raw", dtype="<f4").reshape(-1, 2)
    return json.loads(out.stdout.strip().splitlines()[-1]), played, read_wav(export)


def without_held_silence(captured: np.ndarray, shortest: float = 0.05) -> tuple[np.ndarray, int]:
    """The capture with every run of digital silence longer than `shortest` seconds taken out (the
    session's own bed is never silent), and how many such runs there were."""
    silent = np.all(captured == 0.0, axis=1).astype(np.int8)
    edges = np.diff(np.concatenate([[0], silent, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = np.ones(len(captured), dtype=bool)
    runs = 0
    for a, b in zip(starts, ends, strict=True):
        if b - a > shortest * RATE:
            keep[a:b] = False
            runs += 1 if a > 0 else 0  # the device's own priming silence is not a wait
    return captured[keep], runs


def envelope(samples: np.ndarray, ms: int = 250) -> np.ndarray:
    size = RATE * ms // 1000
    frames = len(samples) // size
    return np.sqrt((samples[: frames * size, 0].reshape(frames, size) ** 2).mean(axis=1))


def test_the_first_sound_comes_before_later_phrases_are_rendered(sound_home, tmp_path):
    seen, captured, _ = drive(sound_home, tmp_path, delay=1.5)
    assert seen["ended"] == "finished"
    assert seen["at_first_sound"] is not None and seen["at_first_sound"] <= PHRASES // 2
    assert seen["rendered"] == PHRASES  # and every phrase was rendered by the end
    assert len(captured) > 0


def test_rendering_slower_than_playback_holds_silence_says_so_and_goes_on_with_the_right_phrase(sound_home, tmp_path):
    seen, captured, settled = drive(sound_home, tmp_path, delay=1.0)
    assert seen["ended"] == "finished"
    assert seen["preparing"] > 0
    # While it waits, the listener's place in the session stands still.
    held = seen["held_positions"]
    assert len(set(held)) < len(held)
    heard, waits = without_held_silence(captured)
    assert waits >= 1
    # Gaps taken out, what was heard is the session itself, phrase after phrase in its place.
    assert abs(len(heard) - len(settled)) < 0.1 * RATE
    a, b = envelope(heard), envelope(settled)
    n = min(len(a), len(b))
    assert np.corrcoef(a[:n], b[:n])[0, 1] >= 0.95


def test_a_fitted_session_played_from_a_cold_cache_ends_within_a_second_of_the_asked_length(sound_home, tmp_path):
    seen, captured, settled = drive(sound_home, tmp_path, delay=0.3, minutes=1.5)
    assert seen["ended"] == "finished"
    assert seen["total"] == 90 * RATE  # placed again as phrases arrived, still fitted to the sample
    heard, _ = without_held_silence(captured)
    assert abs(len(heard) / RATE - 90.0) <= 1.0
    assert seen["settled_total"] == 90 * RATE and len(settled) == 90 * RATE
