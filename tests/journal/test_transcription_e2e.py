"""Spoken answers written down as text, end to end: ALSA's file plugin feeds the "microphone" with
answers spoken by Piper, `guided journal --record` keeps them, faster-whisper (the tiny.en model of
the dev extra, loaded from its folder, with the network made unreachable) writes them down, and
the words are compared with what was said."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from guided.journal.markdown import answers

from ..conftest import needs
from ..helpers import has_portaudio, run, run_json
from ..spoken import RATE, int16, needs_piper, needs_transcription, pink_noise, silence, speak, word_error_rate
from .test_journal_e2e import sound_home, wav_samples

pytestmark = [pytest.mark.e2e, pytest.mark.transcribe, needs("espeak-ng"), needs_piper, needs_transcription,
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

SAID = ("I learned to trust people slowly, because my family moved so often when I was young.",
        "Today I feel grateful for my friends and for the long walk we took by the sea.")
NO_NETWORK = str(Path(__file__).parent.parent / "no_network")
GAP_SECONDS = 4.0  # between the two answers on the microphone: more than --silence 3s


@pytest.fixture(scope="module")
def voices() -> tuple[np.ndarray, np.ndarray]:
    return speak(SAID[0]), speak(SAID[1])


def microphone(voices, noise_rms: float = 0.0) -> tuple[np.ndarray, list[int]]:
    """Two answers separated by quiet (under a steady noise floor, if any), and where each voice ends."""
    first, second = voices
    parts = [silence(0.5), first, silence(GAP_SECONDS), second, silence(20)]
    audio = np.concatenate(parts)
    last = [np.flatnonzero(np.abs(v) > 0.01)[-1] for v in voices]
    ends = [int(0.5 * RATE) + last[0], int(0.5 * RATE) + len(first) + int(GAP_SECONDS * RATE) + last[1]]
    if noise_rms:
        audio = audio + pink_noise(len(audio), noise_rms)
    return int16(audio), ends


def offline(tmp_path: Path) -> tuple[dict, Path]:
    log = tmp_path / "network-attempts.log"
    path = os.pathsep.join(p for p in (NO_NETWORK, os.environ.get("PYTHONPATH", "")) if p)
    # No HF_HUB_OFFLINE: were a model ever asked for by name, the attempt to fetch it would show.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    return {**env, "PYTHONPATH": path, "GUIDED_TEST_NETWORK_LOG": str(log)}, log


def record_two_answers(tmp_path, guided_home, mic: np.ndarray, *extra: str) -> tuple[Path, list[Path], str]:
    home = sound_home(tmp_path, mic)
    env, log = offline(tmp_path)
    result = run("journal", "trust-questions", "--record", "--questions", "2", "--silence", "3s", *extra,
                 env={**env, "HOME": str(home)}, timeout=400)
    assert result.returncode == 0, result.stderr
    assert not log.exists(), log.read_text()  # nothing tried to reach the network
    folder = guided_home / "journal"
    (entry,) = folder.glob("*.md")
    return entry, sorted(folder.glob("*.wav")), result.stderr


def assert_written_down(entry: Path, recordings: list[Path]) -> None:
    text = entry.read_text()
    kept = answers(text)
    assert [a.number for a in kept] == [1, 2]
    for answer, said, recording in zip(kept, SAID, recordings, strict=True):
        assert answer.audio == recording.name
        error = word_error_rate(said, answer.transcript or "")
        assert error <= 0.10, f"{answer.transcript!r}: {error:.0%} word error"
        timings = recording.with_suffix(".vtt")
        assert answer.timings == timings.name and timings.read_text().startswith("WEBVTT")
        assert stat.S_IMODE(timings.stat().st_mode) == 0o600
        # Under the link to its recording, marked as a transcript.
        link = text.index(f"[Listen to your answer]({recording.name})")
        assert link < text.index(f"*Transcript* ([word timings]({timings.name})):", link) < text.index("> ", link)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_two_spoken_answers_are_written_down_in_the_entry_without_the_network(tmp_path, guided_home, voices):
    mic, _ = microphone(voices)
    entry, recordings, stderr = record_two_answers(tmp_path, guided_home, mic)
    assert len(recordings) == 2
    assert_written_down(entry, recordings)
    assert "writing down your answers" in stderr


def test_answers_end_by_themselves_over_a_steady_noise_floor_20_db_down(tmp_path, guided_home, voices):
    noise_rms = 0.1 * 10 ** (-20 / 20)  # the voices are at 0.1 RMS (-20 dBFS): the floor at -40 dBFS
    mic, voice_ends = microphone(voices, noise_rms)
    entry, recordings, _ = record_two_answers(tmp_path, guided_home, mic)
    assert len(recordings) == 2
    one, two = (wav_samples(r) for r in recordings)
    # Each answer ends 3 s after its voice, the noise notwithstanding (reads are 0.1 s, the
    # detector decides every 32 ms and lets a word fade before calling it quiet).
    assert 2.8 * RATE <= len(one) - voice_ends[0] <= 3.6 * RATE
    assert 2.8 * RATE <= len(one) + len(two) - voice_ends[1] <= 3.6 * RATE
    assert_written_down(entry, recordings)


def test_guided_transcribe_fills_in_an_entry_recorded_without_it_even_after_a_kill(tmp_path, guided_home, voices):
    mic, _ = microphone(voices)
    entry, recordings, _ = record_two_answers(tmp_path, guided_home, mic, "--no-transcribe")
    assert "*Transcript*" not in entry.read_text()
    sound = {r: r.read_bytes() for r in recordings}

    # Killed while writing them down: as soon as the first answer's timings are on disk.
    env, log = offline(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "guided", "transcribe"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not recordings[0].with_suffix(".vtt").exists() and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert {r: r.read_bytes() for r in recordings} == sound  # the recordings are untouched
    assert [a.audio for a in answers(entry.read_text())] == [r.name for r in recordings]  # the entry is whole

    # The next run finishes the job; the one after that has nothing left to do.
    result = run("transcribe", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "wrote down" in result.stderr
    assert_written_down(entry, recordings)
    assert entry.read_text().count("*Transcript*") == 2
    written = entry.read_bytes()
    again = run("transcribe", env=env, timeout=300)
    assert again.returncode == 0 and "already written down" in again.stderr
    assert entry.read_bytes() == written
    assert not log.exists(), log.read_text()

    # And an answer is found again by a word it holds.
    found = run_json("journal", "--search", "grateful")
    assert [(f["deck"], f["number"]) for f in found] == [("trust-questions", 2)]
    assert "grateful" in found[0]["excerpt"].lower()
    nothing = run("journal", "--search", "submarine", "--json")
    assert nothing.returncode == 1 and json.loads(nothing.stdout) == []  # found nothing: exit 1, as grep


def test_without_the_engine_answers_are_kept_as_recordings_with_one_line_saying_how_to_add_it(tmp_path, guided_home,
                                                                                               voices):
    hide = str(Path(__file__).parent.parent / "hide_modules")
    home = sound_home(tmp_path, int16(np.concatenate([silence(0.5), voices[0], silence(6)])))
    result = run("journal", "--record", "--only", "1", "--silence", "3s",
                 env={"HOME": str(home), "PYTHONPATH": hide, "GUIDED_TEST_HIDE_MODULES": "faster_whisper"})
    assert result.returncode == 0, result.stderr
    hints = [line for line in result.stderr.splitlines() if "guided[transcribe]" in line]
    assert hints == ["  answers are kept as recordings only and spoken commands are off: transcription is not "
                     "installed (pip install 'guided[transcribe]')"]
    (entry,) = (guided_home / "journal").glob("*.md")
    (recording,) = (guided_home / "journal").glob("*.wav")
    text = entry.read_text()
    assert f"[Listen to your answer]({recording.name})" in text and "*Transcript*" not in text
    assert not recording.with_suffix(".vtt").exists()
    # The listener fell back to loudness, and still ended the answer after the quiet.
    voice_ends = int(0.5 * RATE) + np.flatnonzero(np.abs(voices[0]) > 0.01)[-1]
    assert 2.8 * RATE <= len(wav_samples(recording)) - voice_ends <= 3.6 * RATE


def test_one_unreadable_recording_is_skipped_in_one_line_and_the_others_are_written_down(tmp_path, guided_home,
                                                                                          voices):
    mic, _ = microphone(voices)
    entry, recordings, _ = record_two_answers(tmp_path, guided_home, mic, "--no-transcribe")
    recordings[0].write_bytes(b"RIFF, but not a recording at all")
    env, _ = offline(tmp_path)
    result = run("transcribe", env=env, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (said,) = [line for line in result.stderr.splitlines() if recordings[0].name in line]
    assert said.startswith("guided: cannot read the recording") and said.endswith("skipped it")
    assert "Errno" not in said
    kept = answers(entry.read_text())
    assert kept[0].transcript is None and word_error_rate(SAID[1], kept[1].transcript or "") <= 0.10
