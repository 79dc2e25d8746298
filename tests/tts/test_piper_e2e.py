"""The natural voice, for real: Piper with the test voice package, offline."""

from __future__ import annotations

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import decode, rms_db, run, run_json

piper = pytest.importorskip("piper", reason="needs guided[piper]")
pytestmark = [pytest.mark.e2e, needs("ffmpeg")]

SCRIPT = "---\ntitle: Piper\nkind: talk\n---\nLet yourself settle, and breathe.\n[pause 1s]\nYou are safe here.\n"


def test_voices_lists_the_installed_piper_voice():
    rows = run_json("voices", "--engine", "piper")
    assert any(r["engine"] == "piper" and r["id"] == "en_US-joe-medium" for r in rows)


def test_piper_renders_speech_that_never_clips_and_is_cached(tmp_path):
    script = tmp_path / "p.md"
    script.write_text(SCRIPT)
    first = run_json("export", str(script), "--engine", "piper", "-o", str(tmp_path / "a.wav"))
    second = run_json("export", str(script), "--engine", "piper", "-o", str(tmp_path / "b.wav"))
    assert first["speech_rendered"] == 2 and second["speech_rendered"] == 0
    audio = decode(tmp_path / "a.wav", channels=2)
    assert 20 * np.log10(np.abs(audio).max()) < -0.5
    assert rms_db(audio) > -35  # speech, not silence
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def test_rate_means_the_same_pace_for_both_engines(tmp_path):
    script = tmp_path / "p.md"
    script.write_text("---\ntitle: Pace\nkind: talk\n---\n" + "Breathe in slowly and let your shoulders soften now. " * 3 + "\n")
    speech = {}
    for engine in ("pyttsx3", "piper"):
        shown = run_json("show", str(script), "--engine", engine, "--rate", "130")
        speech[engine] = shown["stats"]["speech_seconds"]
    words = 27
    for engine, seconds in speech.items():
        assert 100 <= words / seconds * 60 <= 175, (engine, seconds)


def test_an_unknown_piper_voice_is_one_line():
    result = run("export", "heart-breathing", "--engine", "piper", "--voice", "nobody", "-o", "x.wav")
    assert result.returncode == 1
    assert "unknown Piper voice 'nobody'" in result.stderr and "Traceback" not in result.stderr
