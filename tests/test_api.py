"""guided as a Python library: the documented API works as written, and the CLI is a client of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import guided
from guided.options import resolve

from .conftest import needs
from .helpers import run_json

ROOT = Path(__file__).resolve().parent.parent
SHORT = "---\ntitle: A short pause\nkind: meditation\n---\nLet yourself arrive. [pause 2s]\nNotice one slow breath.\n"


def python_examples(markdown: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_the_examples_in_docs_api_md_run_as_written(tmp_path):
    """Every example, in order, as one program, with real speech, ffmpeg and a (file) sound card."""
    examples = python_examples(ROOT / "docs" / "api.md")
    assert len(examples) >= 8
    alsa = tmp_path / "alsa-home"
    alsa.mkdir()
    (alsa / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{alsa}/played.raw" infile "{alsa}/mic.raw" format "raw" }}\n')
    (alsa / "mic.raw").write_bytes(b"")
    work = tmp_path / "work"
    work.mkdir()
    program = "\n".join(examples)
    result = subprocess.run([sys.executable, "-c", program], cwd=work, capture_output=True, text=True, timeout=900,
                            env={**__import__("os").environ, "HOME": str(alsa), "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "An evening pause:" in out
    assert "120 -0.92" in out
    assert "stopped" in out
    assert "did you mean heart-breathing" in out
    assert "5 8 expected a duration" in out
    for name in ("heart.m4b", "heart.srt", "evening.mp3", "evening.vtt", "evening-faded.wav"):
        assert (work / name).stat().st_size > 0, name
    assert (alsa / "played.raw").stat().st_size > 0


def test_prepare_takes_an_id_a_path_or_the_text_of_a_script(tmp_path, fake_voice):
    path = tmp_path / "short.md"
    path.write_text(SHORT)
    by_path = guided.prepare(str(path), background="none")
    by_text = guided.prepare(SHORT, background="none")
    assert by_path.title == by_text.title == "A short pause"
    assert by_path.timeline.events == by_text.timeline.events
    by_id = guided.prepare("grounding-now", background="none")
    assert by_id.id == "grounding-now" and by_id.total > by_path.total


def test_a_session_gives_blocks_and_an_audiosegment_with_the_same_samples(tmp_path, fake_voice):
    session = guided.prepare(SHORT, background="rain")
    blocks = np.concatenate(list(session.blocks()))
    assert blocks.dtype == np.float32 and blocks.shape == (session.total, 2)
    segment = session.to_audiosegment()
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (44100, 2, 2)
    pcm = np.frombuffer(segment.raw_data, dtype="<i2").reshape(-1, 2).astype(np.float32) / 32768
    assert np.abs(pcm - blocks).max() <= 1 / 32768


def test_an_audiosegment_of_a_long_session_is_refused_in_one_line(fake_voice):
    session = guided.prepare(SHORT, background="none")
    with pytest.raises(guided.UsageError, match="use session.export"):
        session.to_audiosegment(max_seconds=1)


def test_the_library_lists_what_guided_list_json_prints():
    from_python = [row.as_dict() for row in guided.library().sessions()]
    assert from_python == run_json("list")
    assert {"heart-breathing", "trust-questions", "rebuilding-trust/7"} <= {row["id"] for row in from_python}


def test_options_come_from_arguments_then_environment_then_config_then_defaults(guided_home, monkeypatch):
    monkeypatch.delenv("GUIDED_ENGINE")
    assert resolve().rate_wpm == guided.SessionOptions().rate_wpm
    (guided_home / "config.toml").write_text('rate = 110\nbackground = "rain"\nvoice_volume = "50%"\n')
    assert (resolve().rate_wpm, resolve().background) == (110, "rain")
    monkeypatch.setenv("GUIDED_RATE", "125")
    assert resolve().rate_wpm == 125
    assert resolve(rate=140).rate_wpm == 140
    assert round(resolve().voice_db, 2) == -6.02
    assert resolve(voice_volume="100%").voice_db == 0.0


def test_a_bad_value_in_the_environment_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("GUIDED_RATE", "fast")
    with pytest.raises(guided.ConfigError, match="GUIDED_RATE"):
        resolve()


def test_a_series_is_refused_as_one_session_with_what_to_do_instead():
    with pytest.raises(guided.GuidedError, match="series of 7 sessions"):
        guided.prepare("rebuilding-trust")


def test_the_cli_holds_no_library_logic():
    # (No module reaching into another's private names: tests/test_rooms.py.)
    cli_text = "\n".join(p.read_text() for p in (ROOT / "guided" / "cli").glob("*.py"))
    assert not re.findall(r"(?<!self\.)\b(library|catalog|timeline|mixer)\.[a-z_]+\(", cli_text)


def test_importing_guided_loads_no_audio_machinery():
    code = "import sys, guided; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('numpy', 'sounddevice', 'pydub', 'piper', 'pyttsx3'))))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert json.loads(out) == []
