"""Spoken commands heard for real: `guided journal --record` with ALSA's file plugin as the
microphone, fed with words spoken by two voices (Piper's and espeak-ng's), the real Whisper model
of the dev extra hearing them, real espeak-ng narration. A command said alone steers the sitting
and is never kept; an answer that holds the same words is an answer, written down as said."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from guided.journal.markdown import answers

from ..conftest import needs
from ..helpers import has_portaudio, run
from ..spoken import RATE, SPEECH_RMS, int16, needs_piper, needs_transcription, silence, speak, word_error_rate
from .test_journal_e2e import sound_home

pytestmark = [pytest.mark.e2e, pytest.mark.transcribe, needs("espeak-ng", "ffmpeg"), needs_piper, needs_transcription,
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]


def espeak(text: str) -> np.ndarray:
    """espeak-ng's own voice (not the narration's settings), at the answers' level, as float samples."""
    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True).stdout
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
                         input=wav, capture_output=True, check=True).stdout
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768
    voiced = audio[np.abs(audio) > 0.01]
    return audio * (SPEECH_RMS / np.sqrt(np.mean(voiced**2)))


VOICES = {"piper": speak, "espeak-ng": espeak}


def journal(tmp_path, sound: np.ndarray, *args: str):
    home = sound_home(tmp_path, int16(sound))
    return run("journal", "trust-questions", "--record", "--silence", "3s", *args, env={"HOME": str(home)},
               timeout=600)


@pytest.mark.parametrize("voice", VOICES)
def test_stop_said_after_the_first_question_ends_the_sitting_and_the_entry_says_so(tmp_path, guided_home, voice):
    sound = np.concatenate([silence(1.0), VOICES[voice]("Stop."), silence(5.0)])
    result = journal(tmp_path, sound, "--questions", "3")
    assert result.returncode == 0, result.stderr
    assert 'heard "Stop' in result.stderr and "ending the sitting here" in result.stderr, result.stderr
    folder = guided_home / "journal"
    assert not list(folder.glob("*.wav"))  # "stop" was never kept as an answer
    (entry,) = folder.glob("*.md")
    text = entry.read_text()
    assert "ended: by voice" in text and "*You ended this sitting by voice" in text
    assert answers(text) == []  # no question answered
    assert "stopped by voice; saved to your journal" in result.stderr


@pytest.mark.parametrize("voice", VOICES)
def test_skip_and_next_question_please_reach_the_third_question_keeping_no_recording(tmp_path, guided_home, voice):
    say = VOICES[voice]
    third = "I want to stop pushing people away before they can leave."
    sound = np.concatenate([silence(1.0), say("Skip."), silence(2.0), say("Next question, please."), silence(2.0),
                            say(third), silence(5.0)])
    result = journal(tmp_path, sound, "--questions", "3")
    assert result.returncode == 0, result.stderr
    text = next((guided_home / "journal").glob("*.md")).read_text()
    first, second, kept = answers(text)
    assert first.status.startswith("Skipped") and second.status.startswith("Skipped"), result.stderr
    assert not first.audio and not second.audio
    assert kept.number == 3 and kept.audio and word_error_rate(third, kept.transcript or "") <= 0.15, kept.transcript
    assert len(list((guided_home / "journal").glob("*.wav"))) == 1


def test_answers_that_hold_command_words_are_kept_as_answers(tmp_path, guided_home):
    said = ["Next time I will ask for help sooner.",
            "I skip meals when I am anxious, and then I wait.",
            "Again and again, I test the people I love."]
    parts = [silence(1.0)]
    for sentence in said:
        parts += [speak(sentence), silence(5.0)]
    result = journal(tmp_path, np.concatenate(parts), "--questions", "3")
    assert result.returncode == 0, result.stderr
    assert "heard" not in result.stderr, result.stderr  # nothing taken for a command
    kept = answers(next((guided_home / "journal").glob("*.md")).read_text())
    assert [a.number for a in kept] == [1, 2, 3]
    for answer, sentence in zip(kept, said, strict=True):
        assert answer.status.startswith("Answered at ") and answer.audio
        assert word_error_rate(sentence, answer.transcript or "") <= 0.15, (sentence, answer.transcript)
