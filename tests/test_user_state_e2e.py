"""Everything guided keeps lives in its own folders (GUIDED_HOME here): a play, an export with Piper,
a transcribed answer and a picture leave the rest of the home as they found it, though the
libraries they load (onnxruntime, faster-whisper, matplotlib) would otherwise write caches of
their own there."""

from __future__ import annotations

import os

import numpy as np
import pytest

from .conftest import needs
from .helpers import has_portaudio, run
from .journal.test_journal_e2e import sound_home
from .spoken import int16, needs_piper, needs_transcription, silence, speak

pytestmark = [pytest.mark.e2e, pytest.mark.transcribe, needs("espeak-ng", "ffmpeg"), needs_piper,
              needs_transcription, pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

SHORT = "---\ntitle: Short\nkind: talk\nbackground: none\n---\n## Only\nHello there.\n[pause 1s]\nGoodbye.\n"


def files_under(folder) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_play_an_export_a_transcription_and_a_picture_write_nothing_outside_guideds_folders(tmp_path,
                                                                                                guided_home):
    home = sound_home(tmp_path, int16(np.concatenate([silence(0.5), speak("I walked by the sea today."),
                                                      silence(5)])))
    found = files_under(home)
    script = tmp_path / "short.md"
    script.write_text(SHORT)
    # The user's own folders by their usual names, as on a machine where nothing else sets them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "MPLCONFIGDIR"}
    env["HOME"] = str(home)
    run("play", str(script), "-q", "--engine", "pyttsx3", env=env, check=True)
    run("export", str(script), "-o", str(tmp_path / "short.mp3"), "--engine", "piper", env=env, check=True)
    run("journal", "--record", "--only", "1", "--silence", "3s", env=env, check=True)
    run("show", "heart-breathing", "--png", str(tmp_path / "map.png"), env=env, check=True)
    assert files_under(home) - found == {"played.raw"}  # what the sound card's file plugin wrote
    assert any((guided_home / "journal").glob("*.vtt"))  # the answer was written down
    assert (guided_home / "cache" / "libraries").is_dir()  # where the libraries' own files went
