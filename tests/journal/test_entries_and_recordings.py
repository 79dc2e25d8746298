"""Journal storage and recording, without sound hardware: crash-safe recordings, silence counted in
samples, and private entries that keep each sitting apart. (Which questions come next:
tests/journal/test_decks.py.)"""

from __future__ import annotations

import stat
import wave

import numpy as np

from guided.journal import entry as journal
from guided.journal.microphone import SpeechGate
from guided.journal.wav import WavAppender, repair


def tone(seconds: float, rate: int = 44100, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 220 * t) * level * 32767).astype(np.int16)


def test_a_recording_is_playable_after_every_flush(tmp_path):
    writer = WavAppender(tmp_path / "a.wav", 44100)
    writer.append(tone(1.0))
    writer.flush()
    with wave.open(str(tmp_path / "a.wav")) as f:  # readable while still being written
        assert f.getnframes() == 44100
    writer.append(tone(0.5))
    writer.close()
    with wave.open(str(tmp_path / "a.wav")) as f:
        assert f.getnframes() == int(1.5 * 44100)


def test_a_recording_cut_off_mid_write_is_repaired_to_everything_on_disk(tmp_path):
    path = tmp_path / "cut.wav"
    writer = WavAppender(path, 44100)
    writer.append(tone(1.0))
    writer.flush()
    writer.append(tone(2.0))  # the samples reach the disk as they come, the header did not: as if killed here
    with open(path, "ab") as f:
        f.write(b"\x01")  # and half a sample
    assert repair(path)
    with wave.open(str(path)) as f:
        assert f.getnframes() == 3 * 44100
    assert not repair(path)  # a whole file is left alone


def test_silence_is_counted_in_samples_after_speech():
    gate = SpeechGate(44100, silence_seconds=3.0)
    gate.feed(np.zeros(10 * 44100, dtype=np.int16))
    assert not gate.spoke and not gate.done  # quiet before speaking never ends an answer
    gate.feed(tone(2.0))
    assert gate.spoke and not gate.done
    gate.feed(np.zeros(int(2.9 * 44100), dtype=np.int16))
    assert not gate.done
    gate.feed(np.zeros(int(0.2 * 44100), dtype=np.int16))
    assert gate.done


def test_quiet_room_noise_is_not_speech():
    gate = SpeechGate(44100, silence_seconds=1.0)
    rng = np.random.default_rng(1)
    gate.feed((rng.normal(0, 0.002 * 32767, 5 * 44100)).astype(np.int16))  # about -54 dBFS
    assert not gate.spoke


def test_entries_are_private_and_rewritten_whole(tmp_path, guided_home):
    folder = journal.journal_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    sitting = journal.Entry(folder, "trust-questions", "Twenty questions", "type")
    sitting.set(journal.Answer(1, "Why?", "answered", at="10:00:00", text="Because."))
    assert stat.S_IMODE(sitting.path.stat().st_mode) == 0o600
    sitting.set(journal.Answer(2, "How?", "no answer", at="10:01:00"))
    text = sitting.path.read_text()
    assert "## 1. Why?" in text and "Because." in text and "## 2. How?" in text
    assert not list(folder.glob(".*.tmp"))  # no temporary file left behind
    assert journal.answered_in("trust-questions") == {1}


def test_two_sittings_in_the_same_second_keep_separate_entries(guided_home):
    folder = journal.journal_dir()
    first = journal.Entry(folder, "deck", "Deck", "type")
    second = journal.Entry(folder, "deck", "Deck", "type", started=first.started)
    first.set(journal.Answer(1, "A?", "answered", text="one"))
    second.set(journal.Answer(2, "B?", "answered", text="two"))
    assert first.path != second.path
    assert journal.answered_in("deck") == {1, 2}
