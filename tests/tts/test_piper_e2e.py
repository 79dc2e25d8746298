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


def test_a_session_s_phrases_render_side_by_side_each_on_one_thread(tmp_path, monkeypatch):
    import contextlib
    import threading

    from guided.session.prepared import prepare
    from guided.tts import workers
    from guided.tts.piper_engine import find_voice, loaded_voice

    monkeypatch.setenv("GUIDED_HOME", str(tmp_path))
    model = loaded_voice(find_voice(None)).session.get_session_options()
    assert model.intra_op_num_threads == 1 and model.inter_op_num_threads == 1
    held, lock, slot = [0, 0], threading.Lock(), workers.slot

    @contextlib.contextmanager
    def counted():
        with slot():
            with lock:
                held[0] += 1
                held[1] = max(held)
            try:
                yield
            finally:
                with lock:
                    held[0] -= 1

    monkeypatch.setattr(workers, "slot", counted)
    lines = "\n".join(f"This is the {word} thing we notice, slowly and gently." for word in
                      ("first", "second", "third", "fourth", "fifth", "sixth"))
    session = prepare(f"---\ntitle: Side by side\nkind: talk\n---\n{lines}\n", engine="piper")
    assert session.cache.rendered == 6
    assert held[1] == min(2, workers.cores())


def test_a_released_voice_lets_its_model_go_and_loads_it_again_when_asked(tmp_path, monkeypatch):
    from guided.tts.piper_engine import PiperEngine

    monkeypatch.setenv("GUIDED_HOME", str(tmp_path))
    engine = PiperEngine()
    first, rate = engine.render("Let yourself settle.")
    assert engine.loaded
    engine.release()
    assert not engine.loaded
    again, _ = engine.render("Let yourself settle.")
    assert engine.loaded and abs(len(again) - len(first)) < 0.25 * rate
