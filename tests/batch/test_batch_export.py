"""Exporting many sessions at once (`guided export ... --all FOLDER`): files named in order, an
extended playlist and an index, sessions exported in parallel and then only what changed (the
content hash follows the sound files too), and Ctrl-C leaving no partial file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guided.batch import jobs as batch
from guided.batch import selection
from guided.scripts.language import load_script
from guided.session.prepared import SessionOptions

from ..conftest import needs
from ..helpers import interrupt_when_writing, probe, run_json


def env(home) -> dict:
    """A private user state, and espeak-ng (pyttsx3) whatever other engines this machine has."""
    return {"GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3"}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One user state for the module, so speech is rendered once and shared as it is for a user."""
    return tmp_path_factory.mktemp("home")


def write_scripts(folder: Path, count: int, pause: str = "3s") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        (folder / f"s{n}.md").write_text(
            f"---\ntitle: Session {n}\nkind: meditation\n---\n## Start\nHello {n}.\n[pause {pause}]\n1. Why {n}?\n"
        )


def exports_logged(home: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(home / "practice-log.sqlite3") as conn:
        return sorted(r[0] for r in conn.execute("SELECT session FROM practice WHERE kind = 'export'"))


def test_batch_names_files_in_order_and_writes_an_extended_playlist():
    assert batch.file_name("rebuilding-trust/1", "mp3") == "rebuilding-trust-01.mp3"
    assert batch.file_name("heart-breathing", "m4b") == "heart-breathing.m4b"
    item = batch.BatchItem("a", "First  one", "a.mp3", 61.6, "h", "exported")
    assert batch.playlist_text("Mine", [item]) == "#EXTM3U\n#PLAYLIST:Mine\n#EXTINF:62,guided - First one\na.mp3\n"
    series = batch.select("rebuilding-trust")
    assert [e.id for e in series.files] == [f"rebuilding-trust/{n}" for n in range(1, 8)]
    assert series.name == "rebuilding-trust" and series.title == "Rebuilding trust"
    assert len(batch.select(None).files) >= 15


def test_changing_a_bell_or_background_file_named_by_path_makes_the_session_out_of_date(tmp_path):
    """The batch's content hash follows what the sound files hold, not only the names in the script."""
    ding, waves, other = tmp_path / "ding.wav", tmp_path / "waves.wav", tmp_path / "other.wav"
    for path in (ding, waves, other):
        path.write_bytes(b"the first recording")
    script_path = tmp_path / "s.md"
    script_path.write_text(f"---\ntitle: T\nkind: meditation\nbackground: {waves}\n---\nHello.\n[bell {ding}]\n[bell]\n")

    def digest(options: SessionOptions = SessionOptions()) -> str:
        return selection.content_hash(script_path, options, load_script(script_path), "mp3", None, None, None)

    first = digest()
    assert digest() == first  # nothing changed: up to date
    ding.write_bytes(b"another recording")
    after_bell = digest()
    assert after_bell != first
    waves.write_bytes(b"another recording")
    assert digest() != after_bell
    chosen = SessionOptions(background=str(other))  # a background file chosen as a setting
    before = digest(chosen)
    other.write_bytes(b"another recording")
    assert digest(chosen) != before


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_batch_exports_a_folder_in_parallel_with_playlist_and_index_and_then_only_what_changed(home, tmp_path):
    scripts, out = tmp_path / "mine", tmp_path / "out"
    write_scripts(scripts, 3)
    first = run_json("export", str(scripts), "--all", str(out), "--jobs", "2", "--captions", "vtt", env=env(home))
    assert first["exported"] == 3 and first["up_to_date"] == 0 and first["failed"] == 0
    assert exports_logged(home) == ["s1", "s2", "s3"]  # each file written is practice noted, as one export is
    files = sorted(p.name for p in out.iterdir())
    assert files == ["index.json", "mine.m3u8", "s1.mp3", "s1.vtt", "s2.mp3", "s2.vtt", "s3.mp3", "s3.vtt"]
    index = json.loads((out / "index.json").read_text())
    rows = {row["id"]: row for row in index["sessions"]}
    assert set(rows) == {"s1", "s2", "s3"}
    for name, row in rows.items():
        assert set(row) >= {"id", "title", "file", "seconds", "hash"} and row["title"] == f"Session {name[1]}"
        assert abs(float(probe(out / row["file"])["format"]["duration"]) - row["seconds"]) <= 0.1
    playlist = (out / "mine.m3u8").read_text().splitlines()
    assert playlist[0] == "#EXTM3U"
    entries = [(playlist[i], playlist[i + 1]) for i, line in enumerate(playlist) if line.startswith("#EXTINF:")]
    assert [f for _, f in entries] == ["s1.mp3", "s2.mp3", "s3.mp3"]
    assert entries[0][0] == f"#EXTINF:{round(rows['s1']['seconds'])},guided - Session 1"

    again = run_json("export", str(scripts), "--all", str(out), "--jobs", "2", "--captions", "vtt", env=env(home))
    assert again["exported"] == 0 and again["up_to_date"] == 3
    stamp = (out / "s1.mp3").stat().st_mtime_ns
    (scripts / "s2.md").write_text((scripts / "s2.md").read_text().replace("Hello 2.", "Hello again."))
    changed = run_json("export", str(scripts), "--all", str(out), "--captions", "vtt", env=env(home))
    assert changed["exported"] == 1 and [s["id"] for s in changed["sessions"] if s["status"] == "exported"] == ["s2"]
    assert exports_logged(home) == ["s1", "s2", "s2", "s3"]  # what was up to date is not logged again
    assert (out / "s1.mp3").stat().st_mtime_ns == stamp
    other = run_json("export", str(scripts), "--all", str(out), "--bitrate", "96k", "--captions", "vtt", env=env(home))
    assert other["exported"] == 3  # a setting that shapes the file changed: every file again
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_ctrl_c_during_a_batch_leaves_no_partial_files_and_exits_130(home, tmp_path):
    scripts, out = tmp_path / "long", tmp_path / "out"
    write_scripts(scripts, 3, pause="20m")
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = interrupt_when_writing([str(a) for a in ("export", scripts, "--all", out, "--jobs", "2")], out,
                                    env(home))
    assert result.returncode == 130, result.stderr
    assert sorted(os.listdir(out)) == ["keep.txt"]  # no session finished: nothing new at all


def test_batch_progress_names_the_work_counts_files_as_written_and_says_time_left_only_once_it_can(monkeypatch):
    import queue as queues

    from guided.batch import progress

    clock = {"now": 100.0}
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock["now"])
    state = progress.Progress({0: "alpha", 1: "beta"}, {0: 600.0, 1: 600.0})
    said = queues.Queue()
    for message in (("speech", 0, 0, 0), ("speech", 1, 0, 0)):
        said.put(message)
    state.drain(said)
    first = state.now(2, False)
    assert first.working == ("alpha", "beta") and first.left_seconds is None and first.finished == 0
    clock["now"] += 10
    said.put(("speech", 0, 10, 40))
    state.drain(said)
    early = state.now(2, False)
    assert early.working[0] == "alpha: speech 10/40" and early.done == pytest.approx(75.0)
    assert early.left_seconds == pytest.approx(10 * (1200 - 75) / 75)  # from the throughput so far
    clock["now"] += 30
    for message in (("speech", 0, 40, 40), ("audio", 0, 50, 100), ("written", 0, 100, 100)):
        said.put(message)
    state.drain(said)
    later = state.now(2, False)
    assert later.finished == 1 and later.working == ("beta",)  # counted the moment the file is written
    assert later.left_seconds == pytest.approx(40 * (1200 - 600) / 600)
