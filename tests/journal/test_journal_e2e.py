"""Hands-free journaling through real PortAudio: ALSA's file plugin plays the narration into a file
and feeds a "microphone" from another (espeak-ng speech followed by silence)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import has_portaudio, run, run_json

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "espeak-ng"),
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

RATE = 44100
ANSWER = "I learned to trust slowly, because promises were often broken when I was small."
SECOND_ANSWER = "Trust means that I can rest when someone else holds the plan."


def speech(text: str, tmp_path: Path) -> np.ndarray:
    """espeak-ng's own voice (not the tool's), as 44.1 kHz mono 16-bit samples."""
    wav = tmp_path / "answer.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2")


def sound_home(tmp_path: Path, microphone: np.ndarray) -> Path:
    home = tmp_path / "alsa-home"
    home.mkdir()
    microphone.astype("<i2").tofile(home / "mic.raw")
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{home}/played.raw" infile "{home}/mic.raw" format "raw" }}\n'
    )
    return home


def wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, RATE)
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")


def test_recorded_answers_hold_the_spoken_words_and_end_after_the_silence(tmp_path, guided_home):
    first, second = speech(ANSWER, tmp_path), speech(SECOND_ANSWER, tmp_path)
    # One microphone stream serves the whole sitting, heard only while an answer is taken: the
    # second answer is what the microphone gives after the first one ended.
    microphone = np.concatenate([first, np.zeros(4 * RATE, dtype=np.int16), second, np.zeros(6 * RATE, dtype=np.int16)])
    home = sound_home(tmp_path, microphone)
    result = run("journal", "trust-questions", "--record", "--questions", "2", "--silence", "3s", "--no-transcribe",
                 env={"HOME": str(home)}, timeout=300)
    assert result.returncode == 0, result.stderr
    folder = guided_home / "journal"
    (entry,) = folder.glob("*.md")
    text = entry.read_text()
    recordings = sorted(folder.glob("*.wav"))
    assert len(recordings) == 2
    one, two = (wav_samples(r) for r in recordings)
    # Nothing is lost between the answers, nor heard twice: together they are the microphone's
    # sound from its start, and each is the speech that was fed.
    assert np.array_equal(np.concatenate([one, two]), microphone[: len(one) + len(two)])
    assert np.array_equal(one[: len(first)], first)
    second_at = len(first) + 4 * RATE - len(one)  # where the second voice starts in the second answer
    assert second_at > 0 and np.array_equal(two[second_at: second_at + len(second)], second)
    # Each ended after 3 s of quiet (counted in samples) from the last sound of its voice.
    ends = [np.flatnonzero(np.abs(first) > 0.01 * 32768)[-1],
            second_at + np.flatnonzero(np.abs(second) > 0.01 * 32768)[-1]]
    for samples, voice_ends in zip((one, two), ends, strict=True):
        assert -0.2 * RATE < len(samples) - (voice_ends + 3 * RATE) < 0.5 * RATE
        assert not samples[voice_ends + RATE // 10:].any()  # followed by the silence
    for recording in recordings:
        assert f"]({recording.name})" in text
    assert "## 1. " in text and "## 2. " in text
    assert "answered: [1, 2]" in text
    assert "*Transcript*" not in text  # --no-transcribe


def test_questions_are_worked_through_over_several_sittings(tmp_path):
    home = sound_home(tmp_path, np.zeros(RATE, dtype=np.int16))
    env = {"HOME": str(home)}
    run("journal", "--reflect", "1s", "--questions", "2", env=env, check=True)
    first = run_json("journal", "--status", env=env)
    run("journal", "--reflect", "1s", "--questions", "2", env=env, check=True)
    second = run_json("journal", "--status", env=env)
    by_deck = {r["deck"]: r for r in first}, {r["deck"]: r for r in second}
    # Sitting with a question in silence is reflecting on it, not answering it in words; a silent
    # sitting still moves on to the questions not yet sat with.
    assert (by_deck[0]["trust-questions"]["answered"], by_deck[0]["trust-questions"]["reflected"]) == (0, 2)
    assert (by_deck[1]["trust-questions"]["answered"], by_deck[1]["trust-questions"]["reflected"]) == (0, 4)
    assert by_deck[1]["trust-questions"]["questions"] == 20
    from guided.journal.entry import answered_in

    assert answered_in("trust-questions") == set()
    assert answered_in("trust-questions", reflected=True) == {1, 2, 3, 4}


def test_typed_answers_are_kept_in_the_entry(tmp_path, guided_home):
    home = sound_home(tmp_path, np.zeros(RATE, dtype=np.int16))
    result = run("journal", "--type", "--only", "5", env={"HOME": str(home)},
                 input="It made me careful, and a little lonely.\n\n")
    assert result.returncode == 0, result.stderr
    (entry,) = (guided_home / "journal").glob("*.md")
    text = entry.read_text()
    assert "## 5. How has mistrust affected" in text
    assert "It made me careful, and a little lonely." in text


def test_sigkill_in_the_middle_of_an_answer_keeps_what_was_recorded(tmp_path, guided_home):
    spoken = speech(ANSWER, tmp_path)
    home = sound_home(tmp_path, np.concatenate([spoken, np.zeros(6 * RATE, dtype=np.int16)]))
    env = {**os.environ, "HOME": str(home)}
    # An earlier sitting with one answer, which must survive whatever happens next.
    run("journal", "--record", "--only", "1", "--silence", "3s", env={"HOME": str(home)}, check=True)
    folder = guided_home / "journal"
    earlier = {p: p.read_bytes() for p in folder.iterdir()}

    # Now a long answer (the phrase over and over, no pause long enough to end it), killed mid-way.
    long_answer = np.concatenate([np.concatenate([spoken, np.zeros(RATE // 2, dtype=np.int16)])] * 60)
    long_answer.astype("<i2").tofile(home / "mic.raw")
    process = subprocess.Popen([sys.executable, "-m", "guided", "journal", "--record", "--only", "2", "--silence", "3s",
                                "--max-answer", "60m"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    target = None
    while time.monotonic() < deadline:
        found = [p for p in folder.glob("*-q02.wav")]
        if found and found[0].stat().st_size > 40 * RATE:  # 20 s of audio on disk
            target = found[0]
            break
        time.sleep(0.005)
    assert target is not None, "the answer never started recording"
    process.send_signal(signal.SIGKILL)
    process.wait()
    size_at_kill = target.stat().st_size

    # The next start repairs the recording; the status call is enough.
    rows = run_json("journal", "--status", env={"HOME": str(home)})
    samples = wav_samples(target)
    assert len(samples) * 2 >= size_at_kill - 44 - RATE * 2  # at most a second lost
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(target)],
                           capture_output=True, text=True, check=True)
    assert float(probe.stdout) > 19
    assert np.array_equal(samples[: len(spoken)], spoken)
    for path, content in earlier.items():
        assert path.read_bytes() == content  # the earlier sitting is untouched
    killed_entry = [p for p in folder.glob("*.md") if p not in earlier]
    assert len(killed_entry) == 1
    text = killed_entry[0].read_text()
    assert "interrupted, the recording was kept" in text and target.name in text
    assert {r["deck"]: r for r in rows}["trust-questions"]["answered"] == 2


@pytest.mark.parametrize(("signum", "status", "line"), [(signal.SIGTERM, 143, "guided: stopped by SIGTERM"),
                                                       (signal.SIGHUP, 129, "guided: stopped by SIGHUP")])
def test_sigterm_or_sighup_in_the_middle_of_an_answer_keeps_it_whole_and_says_so(tmp_path, guided_home, signum,
                                                                                 status, line):
    # As a service manager or a closed terminal would end it: like Ctrl-C, the answer so far is kept
    # as a whole recording and the entry says the sitting was interrupted.
    spoken = speech(ANSWER, tmp_path)
    long_answer = np.concatenate([np.concatenate([spoken, np.zeros(RATE // 2, dtype=np.int16)])] * 60)
    home = sound_home(tmp_path, long_answer)
    process = subprocess.Popen([sys.executable, "-m", "guided", "journal", "--record", "--only", "3", "--silence", "3s",
                                "--max-answer", "60m", "--no-transcribe"], env={**os.environ, "HOME": str(home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    folder = guided_home / "journal"
    deadline = time.monotonic() + 120
    while not [p for p in folder.glob("*-q03.wav") if p.stat().st_size > 10 * RATE]:  # 5 s recorded
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the answer never started recording"
        time.sleep(0.01)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert err.strip().splitlines()[-1] == line
    assert "Traceback" not in err
    (recording,) = folder.glob("*-q03.wav")
    samples = wav_samples(recording)  # a whole WAV: its header counts the samples that are there
    assert len(samples) >= 5 * RATE  # what was on disk when the signal came (written in half seconds)
    assert np.array_equal(samples[: len(spoken)], spoken)
    (entry,) = folder.glob("*.md")
    text = entry.read_text()
    assert "interrupted, the recording was kept" in text and recording.name in text
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no spare room or temporary file


def test_a_sitting_from_a_cold_cache_is_heard_before_its_speech_is_rendered(tmp_path, guided_home):
    # Progressive: the first sound comes while most of the sitting's phrases are still to be rendered
    # (espeak-ng, phrase after phrase, behind the narration); the answers are kept all the same.
    answers = ["A friend who kept her word.", "Slowly, and with some fear.", "Knowing I can leave."]
    home = sound_home(tmp_path, np.zeros(RATE, dtype=np.int16))
    clips = guided_home / "cache" / "clips"
    played = home / "played.raw"
    process = subprocess.Popen([sys.executable, "-m", "guided", "journal", "trust-questions", "--type", "--questions",
                                "3"], env={**os.environ, "HOME": str(home)}, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdin.write("".join(f"{a}\n\n" for a in answers))
    process.stdin.close()
    deadline = time.monotonic() + 120
    while not (played.exists() and played.stat().st_size > 0):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.001)
    rendered_at_first_sound = sum(1 for _ in clips.rglob("*.clip")) if clips.exists() else 0
    assert process.wait(timeout=300) == 0, process.stderr.read()
    rendered = sum(1 for _ in clips.rglob("*.clip"))
    assert rendered >= 15  # the opening, three questions and their places, the closing
    assert rendered_at_first_sound <= rendered // 2
    stderr = process.stderr.read()
    assert "preparing speech" not in stderr
    (entry,) = (guided_home / "journal").glob("*.md")
    text = entry.read_text()
    assert "answered: [1, 2, 3]" in text
    for number, answer in enumerate(answers, start=1):
        assert f"## {number}. " in text and answer in text
    assert text.index(answers[0]) < text.index("## 2. ") < text.index(answers[1]) < text.index(answers[2])
    assert stderr.strip().splitlines()[-1].startswith("finished Twenty questions on trust; saved to your journal: ")
