"""A warm start with Piper never loads the speech model: cached phrases play without it."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import has_portaudio, run

piper = pytest.importorskip("piper", reason="needs guided[piper]")
pytestmark = [pytest.mark.e2e, needs("ffmpeg")]

SCRIPT = "---\ntitle: Warm\nkind: talk\n---\nLet yourself settle.\n[pause 1s]\nYou are safe here.\n"
VOICE = "warm-voice"



@pytest.fixture
def user_voice(guided_home):
    """The test voice, copied into the user's voices folder under a name of its own."""
    from guided.tts.piper_engine import installed_voices

    source = next((v for v in installed_voices() if v.origin != "user"), None)
    if source is None:
        pytest.skip("needs a Piper voice package")
    folder = guided_home / "voices"
    folder.mkdir()
    model = folder / f"{VOICE}.onnx"
    shutil.copyfile(source.model, model)
    shutil.copyfile(source.config, folder / f"{VOICE}.onnx.json")
    return model


def break_model(model):
    """Garbage of the same size and modification time: the remembered fingerprint still matches,
    so only an attempt to load the model can tell."""
    stat = model.stat()
    model.write_bytes(b"\xff" * stat.st_size)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_making_a_piper_engine_and_asking_its_identity_loads_no_model(user_voice):
    from guided.tts import make_engine

    engine = make_engine("piper", voice=VOICE)
    assert "voice=" in engine.identity()
    assert not engine.loaded


@pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")
def test_a_warm_play_never_loads_the_model_and_a_new_phrase_says_it_cannot(user_voice, tmp_path):
    sound_home = tmp_path / "alsa-home"
    sound_home.mkdir()
    (sound_home / "mic.raw").write_bytes(b"")
    (sound_home / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{sound_home}/played.raw" '
        f'infile "{sound_home}/mic.raw" format "raw" }}\n'
    )
    script = tmp_path / "warm.md"
    script.write_text(SCRIPT)
    run("export", str(script), "--engine", "piper", "--voice", VOICE, "-o", str(tmp_path / "a.wav"), check=True)
    break_model(user_voice)

    played = run("play", str(script), "--engine", "piper", "--voice", VOICE, "-q", env={"HOME": str(sound_home)})
    assert played.returncode == 0, played.stderr
    heard = np.fromfile(sound_home / "played.raw", dtype="<f4")
    assert np.abs(heard).max() > 0.01  # the cached speech itself, not only the device's silence

    script.write_text(SCRIPT + "A phrase never spoken before.\n")
    failed = run("play", str(script), "--engine", "piper", "--voice", VOICE, "-q", env={"HOME": str(sound_home)})
    assert failed.returncode != 0
    assert "cannot load the Piper voice" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
