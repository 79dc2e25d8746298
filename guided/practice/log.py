"""The practice log: a private SQLite file of what was practised (sessions heard, journal sittings,
exports), kept in the user data folder and never sent anywhere.

It owns the file and its schema: the schema's version is SQLite's `user_version`, and opening the
log runs whatever migrations it lacks, inside one write transaction, so two processes opening an
old log at once migrate it once. Every record is one short transaction in WAL mode with a busy
timeout: writers wait their turn, readers never block them, and a process killed mid-write leaves
the last committed record and an intact file. A log kept busy longer than a command should wait at
its end (another program holding it) loses nothing: the entry is queued in a small side file,
`practice-log.queued.jsonl`, one line each, and merged into the log by the next run that writes or
reads it (each queued entry carries a token, so a merge cut short never counts it twice). Writing
the log never stops what is being logged: a failure is one warning line (the `guided.practice_log`
logger) and a False return.
Forgetting really deletes: rows are overwritten (secure_delete), the file rebuilt (VACUUM) and the
write-ahead log emptied.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..errors import GuidedError, PracticeLogError
from ..files import set_aside
from ..paths import paths
from ..timing.timefmt import to_ms

FILE_NAME = "practice-log.sqlite3"
BUSY_MS = 15_000  # forgetting, asked for at the keyboard, waits this long for another writer
RECORD_BUSY_MS = 700  # what a command's end may wait for a busy log before the entry is queued aside
QUEUE_NAME = "practice-log.queued.jsonl"
KINDS = ("play", "journal", "export")

logger = logging.getLogger("guided.practice_log")

# Each step takes the schema from version N to N+1; a step is never edited once released, only added.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE practice (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,           -- when it ended, local time with its UTC offset (ISO 8601)
            day TEXT NOT NULL,          -- the local date it belongs to, YYYY-MM-DD
            kind TEXT NOT NULL CHECK (kind IN ('play', 'journal', 'export')),
            session TEXT NOT NULL,      -- the session's id (a journal sitting: its deck)
            title TEXT NOT NULL DEFAULT '',
            engine TEXT NOT NULL DEFAULT '',
            heard_ms INTEGER NOT NULL DEFAULT 0 CHECK (heard_ms >= 0),
            length_ms INTEGER NOT NULL DEFAULT 0 CHECK (length_ms >= 0),
            ended TEXT NOT NULL DEFAULT '',  -- finished, stopped, interrupted; written for an export
            answers INTEGER NOT NULL DEFAULT 0 CHECK (answers >= 0),
            detail TEXT NOT NULL DEFAULT ''  -- a sitting's way of answering, an export's format
        )""",
    ),
    # Periods and the calendar read by day: an index keeps that quick however long the log grows.
    ("CREATE INDEX practice_by_day ON practice (day)",),
    # An entry queued aside while the log was busy keeps its token: merged twice, it is added once.
    ("ALTER TABLE practice ADD COLUMN token TEXT",
     "CREATE UNIQUE INDEX practice_by_token ON practice (token) WHERE token IS NOT NULL"),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Practice:
    """One thing practised: a session heard, a journal sitting, or an export."""

    kind: str  # "play", "journal" or "export"
    session: str
    title: str = ""
    engine: str = ""
    heard_ms: int = 0  # what the listener actually heard (samples played), not the session's length
    length_ms: int = 0
    ended: str = ""
    answers: int = 0
    detail: str = ""
    at: datetime = field(default_factory=lambda: datetime.now().astimezone().replace(microsecond=0))
    id: int | None = None

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def minutes(self) -> float:
        return self.heard_ms / 60_000

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "session": self.session, "title": self.title, "at": self.at.isoformat(),
            "day": self.day.isoformat(), "minutes": round(self.minutes, 2), "seconds": round(self.heard_ms / 1000, 1),
            "length_seconds": round(self.length_ms / 1000, 1), "ended": self.ended, "answers": self.answers,
            "engine": self.engine, "detail": self.detail,
        }


def log_path() -> Path:
    """Where the log lives: the user data folder (GUIDED_HOME when it is set)."""
    return paths().data / FILE_NAME


def _damaged(exc: BaseException) -> bool:
    """Whether SQLite found the file itself unreadable (not a database, or its pages broken), as
    opposed to busy, locked or on a full disk, which pass."""
    return isinstance(exc, sqlite3.DatabaseError) and any(
        words in str(exc).lower() for words in ("not a database", "malformed", "encrypted"))


def _connect(path: Path, busy_ms: int = BUSY_MS) -> sqlite3.Connection:
    """The log, opened and up to date. A log SQLite cannot read is set aside (renamed with the date,
    kept whole) and a new one begun, with one line saying so: every later run would fail on it, and
    play and export would go on without logging, silently."""
    try:
        return _open(path, busy_ms)
    except sqlite3.DatabaseError as exc:
        if not _damaged(exc) or set_aside(path, "the practice log", ("-wal", "-shm")) is None:
            raise
    return _open(path, busy_ms)


def _open(path: Path, busy_ms: int) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Private from its first byte; SQLite gives the -wal and -shm files the main file's mode.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    # isolation_level=None: transactions are begun and ended here, explicitly, and kept short.
    conn = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise PracticeLogError(f"the practice log {path} cannot use write-ahead logging (journal mode {mode})")
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have just migrated
        if version > SCHEMA_VERSION:
            raise PracticeLogError(
                f"the practice log {path} was written by a newer guided (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); update guided to read it"
            )
        for step in MIGRATIONS[version:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_version(path: Path | None = None) -> int:
    path = path or log_path()
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def record(practice: Practice, path: Path | None = None) -> bool:
    """Add one entry in one short transaction. Never raises for the log's own troubles: they become
    one warning line and False, so what is being logged (playback, a sitting) always goes on."""
    if practice.kind not in KINDS:
        raise ValueError(f"unknown kind of practice {practice.kind!r}")
    path = path or log_path()
    row = _row(practice)
    try:
        return _write(path, [row])
    except (sqlite3.Error, OSError, GuidedError) as exc:
        if _busy(exc):
            try:  # kept aside, merged by the next run: nothing is lost and nothing waits
                _queue(path, [row])
                return True
            except OSError as queue_error:
                exc = queue_error
        logger.warning("guided: your practice log could not be written (%s); nothing else is affected", exc)
        return False


ROW_FIELDS = ("at", "day", "kind", "session", "title", "engine", "heard_ms", "length_ms", "ended", "answers",
              "detail", "token")


def _row(practice: Practice) -> dict:
    at = practice.at if practice.at.tzinfo else practice.at.astimezone()
    return {"at": at.isoformat(), "day": at.date().isoformat(), "kind": practice.kind, "session": practice.session,
            "title": practice.title, "engine": practice.engine, "heard_ms": max(0, int(practice.heard_ms)),
            "length_ms": max(0, int(practice.length_ms)), "ended": practice.ended,
            "answers": max(0, int(practice.answers)), "detail": practice.detail, "token": None}


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in str(exc).lower() for word in ("locked", "busy"))


def _write(path: Path, rows: list[dict], busy_ms: int = RECORD_BUSY_MS) -> bool:
    """Add `rows`, after whatever was queued aside, in one short transaction."""
    claimed = _claim_queued(path)
    queued = [row for file in claimed for row in _queued_rows(file)]
    try:
        with closing(_connect(path, busy_ms)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT OR IGNORE INTO practice ({', '.join(ROW_FIELDS)}) "
                f"VALUES ({', '.join('?' for _ in ROW_FIELDS)})",
                [tuple(row[f] for f in ROW_FIELDS) for row in [*queued, *rows]],
            )
            conn.execute("COMMIT")
    except BaseException:
        if queued:
            _queue(path, queued)  # back in the queue, tokens and all, for the next run
        for file in claimed:
            file.unlink(missing_ok=True)
        raise
    for file in claimed:
        file.unlink(missing_ok=True)
    return True


def _queue(path: Path, rows: list[dict]) -> None:
    """Append `rows` to the side file, each with a token (its own, if it had one), one line each."""
    import json
    import uuid

    lines = "".join(json.dumps({**row, "token": row["token"] or uuid.uuid4().hex}) + "\n" for row in rows)
    fd = os.open(path.with_name(QUEUE_NAME), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, lines.encode("utf-8"))  # one write: lines from two processes never interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def _claim_queued(path: Path) -> list[Path]:
    """Take the side file for this run (renamed: no other run merges it too), and any a killed run
    had taken and not finished with."""
    from ..files import alive

    claimed = []
    queue = path.with_name(QUEUE_NAME)
    mine = path.with_name(f"{QUEUE_NAME}.merging-{os.getpid()}")
    try:
        os.rename(queue, mine)
        claimed.append(mine)
    except OSError:
        pass  # nothing queued (or another run has just taken it)
    for left in path.parent.glob(f"{QUEUE_NAME}.merging-*"):
        pid = left.name.rsplit("-", 1)[-1]
        if left != mine and pid.isdigit() and not alive(int(pid)):
            claimed.append(left)
    return claimed


def _queued_rows(file: Path) -> list[dict]:
    import json

    rows = []
    try:
        lines = file.read_text("utf-8").splitlines()
    except OSError:
        return rows
    for line in lines:
        try:
            found = json.loads(line)
            rows.append({field_name: found[field_name] for field_name in ROW_FIELDS})
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash: the entries before and after it still count
    return rows


def merge_queued(path: Path | None = None) -> None:
    """Add what was queued aside to the log, when there is any and the log is free now."""
    path = path or log_path()
    if not path.with_name(QUEUE_NAME).exists() and not any(path.parent.glob(f"{QUEUE_NAME}.merging-*")):
        return
    try:
        _write(path, [])
    except (sqlite3.Error, OSError, GuidedError):
        pass  # still busy: it stays queued, and is read from the side file meanwhile


def record_play(session, heard_samples: int, ended: str, path: Path | None = None) -> bool:
    """A session heard on the sound card: `heard_samples` is what the player actually played."""
    return record(Practice(
        "play", session.id, session.title, session.engine_identity, heard_ms=to_ms(heard_samples, session.rate),
        length_ms=to_ms(session.total, session.rate), ended=ended,
    ), path)


def record_sitting(session, deck: str, heard_samples: int, answers: int, mode: str, ended: str,
                   path: Path | None = None) -> bool:
    """A journal sitting: the narration heard and the questions answered (or reflected on)."""
    return record(Practice(
        "journal", deck, session.title, session.engine_identity, heard_ms=to_ms(heard_samples, session.rate),
        length_ms=to_ms(session.total, session.rate), ended=ended, answers=answers, detail=mode,
    ), path)


def record_export(session, fmt: str, path: Path | None = None) -> bool:
    """A session written to a file to listen to elsewhere (nothing is heard yet)."""
    return record_exported(session.id, session.title, session.engine_identity, session.seconds, fmt, path)


def record_exported(session: str, title: str, engine: str, seconds: float, fmt: str,
                    path: Path | None = None) -> bool:
    """A session written to a file by a batch or the server: known by its id, title and length."""
    return record(Practice("export", session, title, engine, length_ms=round(seconds * 1000), ended="written",
                           detail=fmt), path)


def _where(since: date | None, until: date | None, before: date | None = None) -> tuple[str, list[str]]:
    clauses, values = [], []
    if since is not None:
        clauses.append("day >= ?")
        values.append(since.isoformat())
    if until is not None:
        clauses.append("day <= ?")
        values.append(until.isoformat())
    if before is not None:
        clauses.append("day < ?")
        values.append(before.isoformat())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def entries(since: date | None = None, until: date | None = None, path: Path | None = None) -> list[Practice]:
    """The entries from `since` to `until` (local dates, both included), oldest first."""
    path = path or log_path()
    if not path.exists() and not path.with_name(QUEUE_NAME).exists():
        return []  # reading never creates the log
    merge_queued(path)
    where, values = _where(since, until)
    try:
        with closing(_connect(path)) as conn:
            rows = conn.execute(
                "SELECT id, at, kind, session, title, engine, heard_ms, length_ms, ended, answers, detail, token "
                f"FROM practice{where} ORDER BY at, id", values,
            ).fetchall()
    except sqlite3.Error as exc:
        raise PracticeLogError(f"cannot read the practice log {path}: {exc}") from None
    found = [Practice(kind, session, title, engine, heard_ms, length_ms, ended, answers, detail,
                      at=datetime.fromisoformat(at), id=id_)
             for id_, at, kind, session, title, engine, heard_ms, length_ms, ended, answers, detail, _ in rows]
    # Still queued aside (the log busy even now): counted all the same.
    merged = {token for *_, token in rows if token}
    waiting = [row for file in (path.with_name(QUEUE_NAME), *path.parent.glob(f"{QUEUE_NAME}.merging-*"))
               for row in _queued_rows(file) if row["token"] not in merged
               and (since is None or row["day"] >= since.isoformat())
               and (until is None or row["day"] <= until.isoformat())]
    found += [Practice(r["kind"], r["session"], r["title"], r["engine"], r["heard_ms"], r["length_ms"], r["ended"],
                       r["answers"], r["detail"], at=datetime.fromisoformat(r["at"])) for r in waiting]
    return sorted(found, key=lambda p: (p.at, p.id is None, p.id or 0))


def count(before: date | None = None, path: Path | None = None) -> int:
    """How many entries `forget(before)` would delete."""
    path = path or log_path()
    merge_queued(path)
    if not path.exists():
        return 0
    where, values = _where(None, None, before)
    with closing(_connect(path)) as conn:
        return conn.execute(f"SELECT count(*) FROM practice{where}", values).fetchone()[0]


def forget_entries(before: date | None = None, path: Path | None = None) -> int:
    """Delete every entry (or those of days before `before`) so that nothing of them stays in the
    files: deleted rows are overwritten with zeros, the file is rebuilt without their pages, and the
    write-ahead log, which may still hold old copies, is emptied. Returns how many were deleted."""
    path = path or log_path()
    if not path.exists() and not path.with_name(QUEUE_NAME).exists():
        return 0
    where, values = _where(None, None, before)
    try:
        _write(path, [], BUSY_MS)  # what was queued aside is in the log first, and forgotten with it
        with closing(_connect(path)) as conn:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("BEGIN IMMEDIATE")
            deleted = conn.execute(f"DELETE FROM practice{where}", values).rowcount
            conn.execute("COMMIT")
            conn.execute("VACUUM")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        raise PracticeLogError(f"cannot change the practice log {path}: {exc}") from None
    if busy:
        raise PracticeLogError(
            f"forgot {deleted} entries, but another guided is reading the log, so an old copy may remain in "
            f"{path.name}-wal until it ends; run the same command again then"
        )
    return deleted
