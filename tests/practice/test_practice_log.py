"""The practice log: a private SQLite file that keeps every record through concurrent writers and
killed processes, migrates its schema, forgets for good, and speaks of practice kindly."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from guided.errors import PracticeLogError
from guided.practice import log as practice_log
from guided.practice import report as practice_report
from guided.practice.log import Practice

WRITER = """
import sys
from guided.practice import log as practice_log
from guided.practice.log import Practice
name, count, padding = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for n in range(count):
    ok = practice_log.record(Practice("play", f"{name}-{n}", heard_ms=n, detail="x" * padding))
    if not ok:
        sys.exit(3)
    print(n, flush=True)
"""


def writer(name: str, count: int, padding: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, name, str(count), str(padding)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour).astimezone()


def rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT session, heard_ms FROM practice ORDER BY id").fetchall()


def test_the_log_lives_privately_in_the_user_data_folder_in_wal_mode(guided_home):
    assert practice_log.record(Practice("play", "heart-breathing", "Heart", heard_ms=90_000, ended="finished"))
    path = guided_home / "practice-log.sqlite3"
    assert practice_log.log_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == practice_log.SCHEMA_VERSION
    (entry,) = practice_log.entries()
    assert (entry.kind, entry.session, entry.heard_ms, entry.ended) == ("play", "heart-breathing", 90_000, "finished")
    assert entry.day == date.today()


def test_reading_an_absent_log_creates_nothing(guided_home):
    assert practice_log.entries() == []
    assert practice_log.count() == 0
    assert not (guided_home / "practice-log.sqlite3").exists()


def test_an_old_log_is_migrated_and_keeps_its_entries(guided_home):
    path = guided_home / "practice-log.sqlite3"
    with sqlite3.connect(path) as conn:  # a log as the first release wrote it
        for statement in practice_log.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO practice (at, day, kind, session, heard_ms) VALUES "
                     "('2025-03-01T08:00:00+00:00', '2025-03-01', 'play', 'safe-haven', 600000)")
        conn.execute("PRAGMA user_version = 1")
    assert practice_log.schema_version() == 1
    (entry,) = practice_log.entries()
    assert (entry.session, entry.heard_ms, entry.day) == ("safe-haven", 600_000, date(2025, 3, 1))
    assert practice_log.schema_version() == practice_log.SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "practice_by_day" in indexes


def test_a_log_from_a_newer_guided_is_refused_for_reading_and_left_alone(guided_home):
    path = guided_home / "practice-log.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(PracticeLogError, match="newer guided"):
        practice_log.entries()
    assert practice_log.schema_version() == 99


def test_two_processes_writing_at_once_lose_nothing(guided_home):
    count = 150
    first, second = writer("a", count), writer("b", count)
    for process in (first, second):
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    listed = practice_log.entries()  # what a busy moment queued aside is merged in first
    kept = [e.session for e in listed]
    assert sorted(kept) == sorted([f"a-{n}" for n in range(count)] + [f"b-{n}" for n in range(count)])
    assert not (guided_home / practice_log.QUEUE_NAME).exists()
    # Each writer's own entries are listed in the order it wrote them, to the second.
    for name in "ab":
        mine = [e for e in listed if e.session.startswith(f"{name}-")]
        assert [e.at for e in mine] == sorted(e.at for e in mine)


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")  # another program holding the log: no one else may write
print("holding", flush=True)
sys.stdin.readline()  # until the test lets go
conn.execute("ROLLBACK")
"""


def test_a_log_held_busy_by_another_program_loses_no_entry_and_keeps_nobody_waiting(guided_home):
    path = guided_home / "practice-log.sqlite3"
    assert practice_log.record(Practice("play", "before"))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert practice_log.record(Practice("play", "while-busy", heard_ms=61_000))  # kept: queued aside
        assert practice_log.record(Practice("journal", "while-busy-too", answers=2))
        queued = (guided_home / practice_log.QUEUE_NAME).read_text().splitlines()
        assert [json.loads(line)["session"] for line in queued] == ["while-busy", "while-busy-too"]
        # Read while still busy: the queued entries count all the same.
        assert [e.session for e in practice_log.entries()] == ["before", "while-busy", "while-busy-too"]
    finally:
        holder.communicate("go\n", timeout=30)
    assert practice_log.record(Practice("play", "after"))  # the next write merges what was queued
    assert not (guided_home / practice_log.QUEUE_NAME).exists()
    assert [s for s, _ in rows(path)] == ["before", "while-busy", "while-busy-too", "after"]
    assert practice_log.entries()[1].heard_ms == 61_000


def test_a_merge_cut_short_never_counts_an_entry_twice(guided_home):
    path = guided_home / "practice-log.sqlite3"
    practice_log.record(Practice("play", "first"))
    practice_log._queue(path, [practice_log._row(Practice("play", "queued"))])
    line = (guided_home / practice_log.QUEUE_NAME).read_text()
    practice_log.merge_queued()
    # A run killed after merging and before removing its claimed copy: the copy is merged again.
    (guided_home / f"{practice_log.QUEUE_NAME}.merging-999999999").write_text(line)
    practice_log.merge_queued()
    assert [s for s, _ in rows(path)] == ["first", "queued"]
    assert not list(guided_home.glob("practice-log.queued*"))


def test_sigkill_in_the_middle_of_writing_leaves_an_intact_log_with_every_committed_entry(guided_home):
    path = guided_home / "practice-log.sqlite3"
    reported = 0
    for delay in (0.4, 0.7, 1.1):
        # Large entries keep each transaction busy writing many pages when the kill lands.
        process = writer(f"k{delay}", 100_000, padding=200_000)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        reported += len(out.split())
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Every entry it said was written is there; at most one more was committed before its report.
        kept = len(rows(path))
        assert reported <= kept <= reported + 1, (reported, kept)
        reported = kept
    assert reported > 0
    assert practice_log.record(Practice("play", "after-the-kill"))
    assert rows(path)[-1][0] == "after-the-kill"


def test_forgetting_everything_leaves_no_row_and_nothing_of_it_in_the_files(guided_home):
    marker = "tender-memory-of-a-walk"
    practice_log.record(Practice("play", "first"))
    path = guided_home / "practice-log.sqlite3"
    # An idle reader (another guided showing the log) keeps the write-ahead file from being folded
    # away when each writer closes: old copies of the entries wait there too.
    with closing(sqlite3.connect(path)) as reader:
        reader.execute("SELECT count(*) FROM practice").fetchone()
        for n in range(40):
            practice_log.record(Practice("play", f"{marker}-{n}", title=f"{marker} title", heard_ms=n * 1000))
        files = lambda: [p for p in guided_home.iterdir() if p.name.startswith("practice-log")]  # noqa: E731
        assert any(marker.encode() in p.read_bytes() for p in files() if p.name.endswith("-wal"))
        assert practice_log.forget_entries() == 41
        assert practice_log.entries() == []
        for found in files():
            assert marker.encode() not in found.read_bytes(), found
        # Rebuilt, not merely unlinked: no free pages still holding old bytes.
        assert reader.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_forgetting_before_a_date_keeps_the_later_days_only(guided_home):
    today = date.today()
    old, recent = today - timedelta(days=40), today - timedelta(days=2)
    practice_log.record(Practice("play", "long-ago-session-words", heard_ms=60_000, at=at(old)))
    practice_log.record(Practice("journal", "recent-session", heard_ms=120_000, answers=2, at=at(recent)))
    assert practice_log.count(today - timedelta(days=10)) == 1
    assert practice_log.forget_entries(today - timedelta(days=10)) == 1
    assert [e.session for e in practice_log.entries()] == ["recent-session"]
    assert all(b"long-ago-session-words" not in p.read_bytes() for p in guided_home.glob("practice-log*"))


def test_a_log_that_cannot_be_written_is_one_warning_and_never_an_error(guided_home, caplog):
    (guided_home / "practice-log.sqlite3").mkdir()  # something in the way of the file
    with caplog.at_level(logging.WARNING, logger="guided.practice.log"):
        assert practice_log.record(Practice("play", "heart-breathing")) is False
    (message,) = [r.getMessage() for r in caplog.records]
    assert "practice log could not be written" in message and "\n" not in message


# --- what the log says back -----------------------------------------------------------------------

MONDAY = date(2025, 6, 9)  # a Monday, so the week and the month are both known


def seed(entries: list[tuple[date, str, str, int, int]]) -> None:
    for day, kind, session, minutes, answers in entries:
        practice_log.record(Practice(kind, session, title=session.title(), heard_ms=minutes * 60_000,
                                     answers=answers, ended="finished", at=at(day)))


def test_the_week_and_the_month_add_up_what_was_heard_and_answered(guided_home):
    today = MONDAY + timedelta(days=3)  # Thursday 12 June
    seed([
        (date(2025, 5, 30), "play", "heart-breathing", 30, 0),  # last month: in neither
        (date(2025, 6, 2), "play", "safe-haven", 10, 0),  # this month, last week
        (MONDAY, "play", "heart-breathing", 12, 0),
        (MONDAY + timedelta(days=1), "journal", "trust-questions", 8, 3),
        (MONDAY + timedelta(days=2), "play", "heart-breathing", 20, 0),
        (MONDAY + timedelta(days=2), "export", "grounding-now", 0, 0),
    ])
    found = practice_report.summary(today=today).as_dict()
    week, month = found["week"], found["month"]
    assert (week["from"], week["to"]) == ("2025-06-09", "2025-06-12")
    assert (week["minutes"], week["sittings"], week["plays"], week["journal_sittings"]) == (40.0, 3, 2, 1)
    assert (week["answers"], week["exports"], week["returned_to"]) == (3, 1, ["heart-breathing"])
    assert week["sessions"][0] == {"id": "heart-breathing", "title": "Heart-Breathing", "sittings": 2,
                                   "minutes": 32.0}
    assert (month["minutes"], month["sittings"]) == (50.0, 4)
    since = practice_report.summary(today=today, since=date(2025, 5, 1)).as_dict()["since"]
    assert (since["minutes"], since["sittings"]) == (80.0, 5)


def test_the_words_are_warm_plain_and_never_count_what_was_not_done(guided_home):
    today = MONDAY + timedelta(days=3)
    seed([
        (MONDAY, "play", "heart-breathing", 12, 0),
        (MONDAY + timedelta(days=1), "journal", "trust-questions", 8, 3),
        (MONDAY + timedelta(days=2), "play", "heart-breathing", 22, 0),
    ])
    text = " ".join(practice_report.words(practice_report.summary(today=today)))
    assert "This week you gave yourself 42 minutes of practice, over 3 sittings." in text
    assert "You sat with 3 questions in your journal." in text
    assert "You came back to heart-breathing most often." in text
    for pressure in ("streak", "miss", "goal", "should", "only", "again", "in a row", "!"):
        assert pressure not in text.lower()


def test_a_quiet_week_is_simply_quiet(guided_home):
    seed([(date(2025, 6, 2), "play", "safe-haven", 10, 0)])
    week, month = practice_report.words(practice_report.summary(today=MONDAY))
    assert week == "This week, nothing is in the log yet, and that is all right."
    assert month == "This month you gave yourself 10 minutes of practice, in one sitting."


def test_lengths_are_said_the_way_a_person_says_them():
    words = practice_report.duration_words
    assert [words(20_000), words(60_000), words(42 * 60_000), words(60 * 60_000), words(70 * 60_000)] == [
        "a few moments", "1 minute", "42 minutes", "1 hour", "1 hour and 10 minutes"]


def test_daily_minutes_cover_every_day_and_leave_exports_out(guided_home):
    seed([(MONDAY, "play", "a", 5, 0), (MONDAY, "journal", "b", 7, 1), (MONDAY, "export", "c", 0, 0),
          (MONDAY + timedelta(days=2), "play", "a", 3, 0)])
    days = practice_report.daily_minutes(MONDAY - timedelta(days=1), MONDAY + timedelta(days=3))
    assert list(days.values()) == [0.0, 12.0, 0.0, 3.0, 0.0]


def test_the_log_file_is_not_readable_by_others_even_with_a_loose_umask(guided_home):
    old = os.umask(0)
    try:
        practice_log.record(Practice("play", "x"))
    finally:
        os.umask(old)
    for path in guided_home.glob("practice-log*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_declining_to_forget_says_nothing_was_deleted_and_is_no_failure(guided_home):
    from ..helpers import run

    practice_log.record_exported("heart-breathing", "Heart-centred breathing", "x", 60.0, "mp3")
    result = run("log", "--forget", input="n\n")
    assert result.returncode == 0 and result.stderr.strip().endswith("nothing deleted"), result.stderr
    assert "Aborted" not in result.stderr and practice_log.count() == 1


@pytest.mark.parametrize("columns", [40, 80, 120])
def test_guided_log_wraps_its_words_to_the_terminal_width(guided_home, columns):
    from ..helpers import run

    for hour in range(9, 20):  # many sessions: the week's paragraph grows long
        practice_log.record(Practice("play", f"session-number-{hour}", f"A Long Session Title {hour}",
                                     heard_ms=600_000, at=datetime.now().astimezone().replace(hour=hour)))
    result = run("log", env={"COLUMNS": str(columns)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) < columns
    if columns == 40:
        assert len([line for line in lines if line]) > 2  # wrapped, not one line a paragraph
    # Wrapping only moves the line breaks: the words are those of the summary.
    unwrapped = run("log", env={"COLUMNS": "100000"}).stdout
    assert result.stdout.split() == unwrapped.split()
