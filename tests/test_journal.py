"""Journal storage and recording, without sound hardware: crash-safe files, silence in samples,
which questions come next, and private files."""

from __future__ import annotations

import stat
import wave

import numpy as np
import pytest

from guided.errors import GuidedError
from guided.journal import entries as journal
from guided.journal.recorder import SpeechGate, WavAppender, repair
from guided.scripts.language import parse_script


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


def test_next_questions_are_the_ones_not_yet_answered():
    numbers = list(range(1, 21))
    assert journal.choose(numbers, set(), 3, None, False) == [1, 2, 3]
    assert journal.choose(numbers, {1, 2, 3}, 2, None, False) == [4, 5]
    assert journal.choose(numbers, set(numbers), 2, None, False) == [1, 2]  # all done: round again
    assert journal.choose(numbers, set(), None, [12, 7], False) == [12, 7]
    shuffled = journal.choose(numbers, set(), 5, None, True, seed=3)
    assert len(shuffled) == 5 and shuffled != [1, 2, 3, 4, 5]
    with pytest.raises(GuidedError, match="no question 21"):
        journal.choose(numbers, set(), None, [21], False)


def test_a_sitting_speaks_the_opening_the_chosen_questions_and_the_closing():
    deck = parse_script(
        "---\ntitle: D\nkind: journal\n---\n## Open\nWelcome.\n## Q\n1. One?\n2. Two?\n3. Three?\n## Close\nGoodbye.\n",
        "d.md",
    )
    script = journal.sitting_script(deck, [3, 1], None)
    spoken = [getattr(c, "text", None) for c in script.cues]
    assert "Welcome." in spoken and "Goodbye." in spoken
    assert [q.number for q in script.questions] == [3, 1]
    assert spoken.index("Three?") < spoken.index("One?") < spoken.index("Goodbye.")


def test_entries_are_private_and_rewritten_whole(tmp_path, guided_home):
    folder = journal.journal_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    sitting = journal.Sitting(folder, "trust-questions", "Twenty questions", "type")
    sitting.set(journal.Answer(1, "Why?", "answered", at="10:00:00", text="Because."))
    assert stat.S_IMODE(sitting.path.stat().st_mode) == 0o600
    sitting.set(journal.Answer(2, "How?", "no answer", at="10:01:00"))
    text = sitting.path.read_text()
    assert "## 1. Why?" in text and "Because." in text and "## 2. How?" in text
    assert not list(folder.glob(".*.tmp"))  # no temporary file left behind
    assert journal.answered_in("trust-questions") == {1}


def test_status_counts_answers_across_sittings(guided_home):
    folder = journal.journal_dir()
    first = journal.Sitting(folder, "deck", "Deck", "type")
    first.set(journal.Answer(1, "A?", "answered", text="x"))
    second = journal.Sitting(folder, "deck", "Deck", "type", started=first.started.replace(year=first.started.year + 1))
    second.set(journal.Answer(2, "B?", "reflected"))
    second.set(journal.Answer(1, "A?", "answered", text="again"))
    (row,) = journal.status([("deck", "Deck", 20)])
    assert (row.answered, row.questions, row.sittings) == (2, 20, 2)
    assert row.last.startswith(str(first.started.year + 1))


def test_two_sittings_in_the_same_second_keep_separate_entries(guided_home):
    folder = journal.journal_dir()
    first = journal.Sitting(folder, "deck", "Deck", "type")
    second = journal.Sitting(folder, "deck", "Deck", "type", started=first.started)
    first.set(journal.Answer(1, "A?", "answered", text="one"))
    second.set(journal.Answer(2, "B?", "answered", text="two"))
    assert first.path != second.path
    assert journal.answered_in("deck") == {1, 2}
