"""A state file of guided's that cannot be read (the practice log, the pace measurements, the voice
fingerprints, a batch's index) is set aside with the date, kept whole, and a new one begun, with one
line on stderr saying so and where the old one is; a user's journal is never touched."""

from __future__ import annotations

import json
from datetime import date

from guided.practice import log as practice_log
from guided.practice.log import Practice

from ..helpers import run

GARBAGE = b"this was a practice log once, before a disk fault\n"


def damaged_log(home):
    path = home / "practice-log.sqlite3"
    path.write_bytes(GARBAGE)
    return path


def aside(home, name="practice-log"):
    return home / f"{name}.damaged-{date.today().isoformat()}.sqlite3"


def test_a_damaged_log_is_set_aside_whole_and_a_new_one_begun_with_one_line_saying_where(guided_home, capsys):
    path = damaged_log(guided_home)
    assert practice_log.record(Practice("play", "heart-breathing", heard_ms=60_000))
    assert aside(guided_home).read_bytes() == GARBAGE  # nothing of it lost
    assert [p.session for p in practice_log.entries()] == ["heart-breathing"]  # the new log works
    said = capsys.readouterr().err.splitlines()
    assert said == [f"guided: the practice log {path} could not be read; it is kept as {aside(guided_home)} "
                    "and a new one begun"]


def test_a_second_damaged_log_the_same_day_gets_a_name_of_its_own(guided_home):
    damaged_log(guided_home)
    practice_log.entries()
    damaged_log(guided_home)
    practice_log.entries()
    second = guided_home / f"practice-log.damaged-{date.today().isoformat()}-2.sqlite3"
    assert aside(guided_home).read_bytes() == GARBAGE and second.read_bytes() == GARBAGE


def test_guided_log_and_play_say_it_once_then_go_on_with_a_new_log(guided_home, tmp_path):
    damaged_log(guided_home)
    journal = guided_home / "journal"
    journal.mkdir()
    (journal / "2025-01-01-entry.md").write_text("what I wrote")
    first = run("log")
    assert first.returncode == 0, first.stderr
    assert [line for line in first.stderr.splitlines() if "could not be read" in line] == [
        f"guided: the practice log {guided_home / 'practice-log.sqlite3'} could not be read; it is kept as "
        f"{aside(guided_home)} and a new one begun"]
    again = run("log")
    assert again.returncode == 0 and "could not be read" not in again.stderr
    assert (journal / "2025-01-01-entry.md").read_text() == "what I wrote"
    assert sorted(p.name for p in journal.iterdir()) == ["2025-01-01-entry.md"]


def test_damaged_pace_measurements_and_voice_fingerprints_are_set_aside(guided_home, capsys):
    from guided.tts import pace
    from guided.tts.piper_engine import voice_fingerprint

    cache = guided_home / "cache"
    cache.mkdir(exist_ok=True)
    (cache / "pace.json").write_text("{not json")
    general = pace.PaceModel((0.3,))
    assert pace.known("some voice", general).source == "estimated"
    assert (cache / f"pace.damaged-{date.today().isoformat()}.json").read_text() == "{not json"
    (cache / "voice-fingerprints.json").write_text("[1, 2]")  # JSON, but not what guided keeps there
    model = guided_home / "voice.onnx"
    model.write_bytes(b"model bytes")
    assert voice_fingerprint(model) == voice_fingerprint(model)
    assert (cache / f"voice-fingerprints.damaged-{date.today().isoformat()}.json").read_text() == "[1, 2]"
    assert isinstance(json.loads((cache / "voice-fingerprints.json").read_text()), dict)
    said = [line for line in capsys.readouterr().err.splitlines() if "could not be read" in line]
    assert len(said) == 2 and "the pace measurements" in said[0] and "the voice fingerprints" in said[1]


def test_a_damaged_batch_index_is_set_aside_and_read_as_empty(tmp_path, capsys):
    from guided.batch.index import read_index

    index = tmp_path / "index.json"
    index.write_bytes(b"\x00\x01 half an index")
    assert read_index(index) == {}
    assert not index.exists()
    assert (tmp_path / f"index.damaged-{date.today().isoformat()}.json").read_bytes() == b"\x00\x01 half an index"
    assert "the batch index" in capsys.readouterr().err
