"""The journal's entries: one Markdown file per sitting, written as the sitting goes, read back, and
repaired after a crash.

The journal is a folder of plain files any notes app opens: one Markdown entry per sitting, and
the spoken answers as WAV files beside it. Files are private (0600, folders 0700). The Markdown
entry is rewritten atomically after every answer, and before a recording starts it already
points at the recording's file, so a crash never loses an earlier answer nor hides a later one.

A recording can fill the disk. While one is taken the entry holds spare room (`spare_room`): a
temporary file of its own, already on disk, that the next version of the entry is written into
and renamed from when no new space is left, so the entry can still say what happened.
(On filesystems that copy on write, such as btrfs or ZFS, rewriting needs space of its own and
the spare room may not help; the entry then keeps its last version, which a later start repairs.)

The sitting that asks the questions and takes the answers is `sitting` (and `answers`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .. import files
from ..errors import OutputError
from ..files import write_atomic
from ..paths import paths
from ..scripts.catalog import slug
from ..timing.timefmt import clock
from .markdown import transcript_lines
from .wav import repair

SPARE_BYTES = 64 * 1024  # room kept for the entry while recording; it grows with the entry
FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # the errors that spare room gets round


def journal_dir() -> Path:
    folder = paths().journal
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise OutputError(f"cannot use the journal folder {folder}: {exc.strerror or exc}") from None
    return folder


@dataclass
class Answer:
    number: int
    question: str
    # "answered" (in words: spoken or typed), "reflected" (in silence), "skipped", "no answer",
    # "recording" (being taken now), "interrupted" (recorded when the sitting was stopped)
    status: str
    at: str = ""
    text: str | None = None
    audio: str | None = None  # file name beside the entry
    seconds: float = 0.0  # the recording's length
    speech_seconds: float = 0.0  # of it, what was speech
    transcript: str | None = None  # the recording as text ("" when no words were heard)
    timings: str | None = None  # the transcript's word timings (.vtt), beside the entry
    note: str | None = None  # what cut the answer short (the disk full, the microphone lost), as a clause


@dataclass
class Entry:
    """One sitting's entry: its Markdown file and the answers given so far. Making one claims its
    file in `folder` (an empty entry is written at once, under a name no other sitting has)."""

    folder: Path
    deck: str
    title: str
    mode: str
    started: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    answers: dict[int, Answer] = field(default_factory=dict)
    stopped: bool = False  # ended early with q, or by voice; not by Ctrl-C
    by_voice: bool = False  # ended by a spoken "stop"

    stem: str = ""
    # A background transcription updates answers while the sitting goes on: one writer at a time.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _spare: Path | None = field(default=None, repr=False, compare=False)  # see spare_room

    def __post_init__(self) -> None:
        # Two sittings started in the same second must never share (and overwrite) an entry.
        base = f"{self.started:%Y-%m-%d-%H%M%S}-{slug(self.deck, fallback='deck')}"
        count = 1
        while True:
            stem = base if count == 1 else f"{base}-{count}"
            try:  # claim the name atomically: a second process starting now picks another
                os.close(os.open(self.folder / f"{stem}.md", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                break
            except FileExistsError:
                count += 1
            except OSError as exc:
                raise OutputError(f"cannot write in the journal folder {self.folder}: {exc.strerror or exc}") from None
        self.stem = stem
        self.save()

    @property
    def path(self) -> Path:
        return self.folder / f"{self.stem}.md"

    def audio_path(self, number: int) -> Path:
        return self.folder / f"{self.stem}-q{number:02d}.wav"

    def discard(self) -> None:
        """Remove the entry: a sitting left before anything was answered is not journal. (On a disk
        that stopped taking changes it stays, saying where the sitting stopped.)"""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def spare_room(self) -> Iterator[None]:
        """Keep room on disk for the entry while inside: a write that finds the disk full uses it."""
        with self._lock:
            self._reserve(len(self._text().encode("utf-8")))
        try:
            yield
        finally:
            with self._lock:
                spare, self._spare = self._spare, None
                if spare is not None:  # a folder that refuses even this: the next run sweeps it away
                    with contextlib.suppress(OSError):
                        spare.unlink(missing_ok=True)

    def set(self, answer: Answer) -> None:
        with self._lock:
            self.answers[answer.number] = answer
            self.save()

    def drop(self, number: int) -> None:
        """Take answer `number` out of the entry again (a recording that turned out to be a command)."""
        with self._lock:
            if self.answers.pop(number, None) is not None:
                self.save()

    def set_transcript(self, number: int, text: str, timings: str | None) -> None:
        """Put the transcript of answer `number`'s recording under it."""
        with self._lock:
            self.set(replace(self.answers[number], transcript=text, timings=timings))

    def save(self) -> None:
        """Write the whole entry to a temporary file, then rename it over the old one."""
        with self._lock:
            self._save()

    def _save(self) -> None:
        data = self._text().encode("utf-8")
        try:
            write_atomic(self.path, data, private=True, durable=True)
        except OSError as exc:
            if exc.errno not in FULL or not self._write_spare(data):
                raise OutputError(f"cannot write the journal entry {self.path}: {exc.strerror or exc}") from None
        else:
            if self._spare is not None:
                self._reserve(len(data))

    def _reserve(self, size: int) -> None:
        """Have a spare file of at least twice `size` (and SPARE_BYTES) beside the entry, if the disk allows."""
        wanted = max(SPARE_BYTES, 2 * size)
        try:
            if self._spare is not None and self._spare.stat().st_size >= wanted:
                return
            if self._spare is None:
                handle, self._spare = files.create(self.folder, self.path.name, ".tmp")
                os.close(handle)
            with open(self._spare, "r+b") as f:  # zeros written, not a hole: the blocks are really taken
                f.seek(0, os.SEEK_END)
                f.write(bytes(wanted - f.tell()))
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass  # no room for spare room: the entry is written the usual way while it can be

    def _write_spare(self, data: bytes) -> bool:
        """Write the entry into the spare file and rename it over the entry: no new space needed."""
        spare = self._spare
        try:
            if spare is None or spare.stat().st_size < len(data):
                return False
            fd = os.open(spare, os.O_WRONLY)
            try:
                if os.write(fd, data) != len(data):  # the blocks are there: all of it goes in one write
                    return False
                os.ftruncate(fd, len(data))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(spare, self.path)
        except OSError:
            return False
        self._spare = None
        self._reserve(len(data))  # most likely no room now; tried all the same
        return True

    def numbers(self, *statuses: str) -> list[int]:
        return sorted(n for n, a in self.answers.items() if a.status in statuses)

    def _text(self) -> str:
        spoken = sum(a.seconds for a in self.answers.values())
        elapsed = (datetime.now() - self.started).total_seconds()
        lines = [
            "---",
            f"date: {self.started.isoformat()}",
            f"deck: {self.deck}",
            f"title: {_yaml_text(self.title)}",
            f"mode: {self.mode}",
            f"answered: [{', '.join(map(str, self.numbers(*IN_WORDS)))}]",  # in words, spoken or typed
            f"reflected: [{', '.join(map(str, self.numbers('reflected')))}]",
        ]
        skipped = self.numbers("skipped")
        if skipped:
            lines.append(f"skipped: [{', '.join(map(str, skipped))}]")
        if self.stopped:
            lines.append(f"ended: {'by voice' if self.by_voice else 'stopped'}")
        lines += [
            f"seconds: {elapsed:.1f}",
            f"answer_seconds: {spoken:.1f}",
            "---",
            f"# {self.title}",
            f"{self.started:%A %d %B %Y, %H:%M}",
            "",
        ]
        if self.by_voice:
            last = max(self.answers, default=None)
            after = f", after question {last}" if last is not None else ""
            lines += [f"*You ended this sitting by voice{after}.*", ""]
        for number in sorted(self.answers):
            a = self.answers[number]
            lines.append(f"## {number}. {a.question}")
            lines.append(f"*{_told(a)}.*")
            if a.audio:
                lines += ["", f"[Listen to your answer]({a.audio})"]
                if a.transcript is not None:
                    lines += transcript_lines(a.transcript, a.timings)
            if a.text:  # each line typed a paragraph of its own, as it was typed
                for paragraph in (line.strip() for line in a.text.splitlines()):
                    if paragraph:
                        lines += ["", paragraph]
            lines.append("")
        return "\n".join(lines)


IN_WORDS = ("answered", "interrupted")  # an answer given in words (a recording the sitting kept counts)


def _told(a: Answer) -> str:
    """How an answer is told in its entry, in the italic line under its question."""
    when = f" at {a.at}" if a.at else ""
    note = f"; {a.note}" if a.note else ""
    if a.status == "recording":
        return f"Recording{when}"
    if a.status == "interrupted" and not a.audio:
        return f"Typed{when}; the sitting was interrupted, what was typed is kept"
    if a.status == "interrupted":
        return f"Recorded{when}; the sitting was interrupted, the recording was kept"
    if a.status == "no answer":
        return f"No answer{when}{note}"
    if a.status == "reflected":
        return f"Reflected in silence{when}"
    if a.status == "skipped":
        return f"Skipped{when}" + (f", {a.note}" if a.note else "")
    if a.audio:
        speech = f"{clock(a.speech_seconds)} spoken in a recording of {clock(a.seconds)}" if a.speech_seconds \
            else f"a recording of {clock(a.seconds)}"
        return f"Answered{when}, {speech}{note}"
    return f"Answered{when}{note}"


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"), private=True, durable=True)
    except OSError as exc:
        raise OutputError(f"cannot write the journal entry {path}: {exc.strerror or exc}") from None


# --- reading the journal back -----------------------------------------------------------------


@dataclass(frozen=True)
class EntryInfo:
    """What a program needs to know of an entry on disk: its deck, its date, the questions it
    answered in words and those reflected on in silence."""

    path: Path
    deck: str
    date: str
    answered: tuple[int, ...]
    reflected: tuple[int, ...] = ()


def entries(folder: Path | None = None) -> list[EntryInfo]:
    import yaml

    folder = folder or paths().journal
    found = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
            head = text.split("---", 2)[1] if text.startswith("---") else ""
            data = yaml.safe_load(head) or {}
            answered = tuple(int(n) for n in data.get("answered") or ())
            reflected = tuple(int(n) for n in data.get("reflected") or ())
            found.append(EntryInfo(path, str(data.get("deck", "")), str(data.get("date", "")), answered, reflected))
        except (OSError, ValueError, TypeError, yaml.YAMLError, IndexError):
            continue  # a note the user wrote by hand, or a damaged file: never fatal
    return found


def answered_in(deck: str, folder: Path | None = None, *, reflected: bool = False) -> set[int]:
    """The questions of `deck` answered in words in any sitting (and, with `reflected`, those
    reflected on in silence too)."""
    return {n for e in entries(folder) if e.deck == deck
            for n in (e.answered + e.reflected if reflected else e.answered)}


def recover(folder: Path | None = None) -> list[Path]:
    """Repair recordings cut short by a crash and mark their entries; returns what was repaired."""
    folder = folder or paths().journal
    repaired = [p for p in sorted(folder.glob("*.wav")) if repair(p)] if folder.is_dir() else []
    for entry in entries(folder):
        text = entry.path.read_text(encoding="utf-8")
        if "*Recording" not in text:
            continue
        fixed = re.sub(r"\*Recording( at [^.]*)?\.\*", lambda m: f"*Recorded{m.group(1) or ''}; the sitting was interrupted, the recording was kept.*", text)
        kept = {int(n) for n in re.findall(r"^## (\d+)\. .*\n\*Recorded[^\n]*interrupted", fixed, flags=re.M)}
        answered = sorted(set(entry.answered) | kept)
        fixed = re.sub(r"^answered: \[.*\]$", f"answered: [{', '.join(map(str, answered))}]", fixed, count=1,
                       flags=re.M)
        _write_private(entry.path, fixed)
    return repaired
