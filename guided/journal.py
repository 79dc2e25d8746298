"""Hands-free journaling: narrated questions, time to reflect, answers kept safely in a journal.

The journal is a folder of plain files any notes app opens: one Markdown file per sitting, and
the spoken answers as WAV files beside it. Files are private (0600, folders 0700). The Markdown
entry is rewritten atomically after every answer, and before a recording starts it already
points at the recording's file, so a crash never loses an earlier answer nor hides a later one.
"""

from __future__ import annotations

import os
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .catalog import slug
from .config import paths
from .errors import GuidedError, OutputError
from .files import write_atomic
from .journal_entry import transcript_lines
from .recorder import record_answer, repair
from .script import Question, Script, Span
from .timefmt import clock

ASK_AGAIN = "Take your time. Whenever you are ready, you can speak your answer, or simply stay with the question."


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
    status: str  # "answered", "reflected", "no answer", "recording", "interrupted"
    at: str = ""
    text: str | None = None
    audio: str | None = None  # file name beside the entry
    seconds: float = 0.0
    transcript: str | None = None  # the recording as text ("" when no words were heard)
    timings: str | None = None  # the transcript's word timings (.vtt), beside the entry


@dataclass
class Sitting:
    """One sitting's entry: its Markdown file and the answers given so far."""

    folder: Path
    deck: str
    title: str
    mode: str
    started: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    answers: dict[int, Answer] = field(default_factory=dict)
    stopped: bool = False  # ended early with q, not by Ctrl-C

    stem: str = ""
    # A background transcription updates answers while the sitting goes on: one writer at a time.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

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
        """Remove the entry: a sitting left before anything was answered is not journal."""
        self.path.unlink(missing_ok=True)

    def set(self, answer: Answer) -> None:
        with self._lock:
            self.answers[answer.number] = answer
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
        done = sorted(n for n, a in self.answers.items() if a.status in ("answered", "reflected", "interrupted"))
        spoken = sum(a.seconds for a in self.answers.values())
        elapsed = (datetime.now() - self.started).total_seconds()
        lines = [
            "---",
            f"date: {self.started.isoformat()}",
            f"deck: {self.deck}",
            f"title: {_yaml_text(self.title)}",
            f"mode: {self.mode}",
            f"answered: [{', '.join(map(str, done))}]",
            f"seconds: {elapsed:.1f}",
            f"answer_seconds: {spoken:.1f}",
            "---",
            f"# {self.title}",
            f"{self.started:%A %d %B %Y, %H:%M}",
            "",
        ]
        for number in sorted(self.answers):
            a = self.answers[number]
            lines.append(f"## {number}. {a.question}")
            when = f" at {a.at}" if a.at else ""
            if a.status == "recording":
                lines.append(f"*Recording{when}.*")
            elif a.status == "interrupted":
                lines.append(f"*Recorded{when}; the sitting was interrupted, the recording was kept.*")
            elif a.status == "no answer":
                lines.append(f"*No answer{when}.*")
            elif a.status == "reflected":
                lines.append(f"*Reflected in silence{when}.*")
            else:
                length = f", {clock(a.seconds)} spoken" if a.audio else ""
                lines.append(f"*Answered{when}{length}.*")
            if a.audio:
                lines += ["", f"[Listen to your answer]({a.audio})"]
                if a.transcript is not None:
                    lines += transcript_lines(a.transcript, a.timings)
            if a.text:
                lines += ["", a.text.strip()]
            lines.append("")
        _write_private(self.path, "\n".join(lines))


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"), private=True, durable=True)
    except OSError as exc:
        raise OutputError(f"cannot write the journal entry {path}: {exc.strerror or exc}") from None


# --- reading the journal back -----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    path: Path
    deck: str
    date: str
    answered: tuple[int, ...]


def entries(folder: Path | None = None) -> list[Entry]:
    import yaml

    folder = folder or paths().journal
    found = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
            head = text.split("---", 2)[1] if text.startswith("---") else ""
            data = yaml.safe_load(head) or {}
            answered = tuple(int(n) for n in data.get("answered") or ())
            found.append(Entry(path, str(data.get("deck", "")), str(data.get("date", "")), answered))
        except (OSError, ValueError, TypeError, yaml.YAMLError, IndexError):
            continue  # a note the user wrote by hand, or a damaged file: never fatal
    return found


def answered_in(deck: str, folder: Path | None = None) -> set[int]:
    return {n for e in entries(folder) if e.deck == deck for n in e.answered}


@dataclass(frozen=True)
class DeckStatus:
    deck: str
    title: str
    answered: int
    questions: int
    sittings: int
    last: str | None


def status(decks: list[tuple[str, str, int]], folder: Path | None = None) -> list[DeckStatus]:
    """Progress for each (id, title, number of questions) deck, from the entries on disk."""
    all_entries = entries(folder)
    rows = []
    for deck, title, count in decks:
        mine = [e for e in all_entries if e.deck == deck]
        done = {n for e in mine for n in e.answered if 1 <= n <= count}
        last = max((e.date for e in mine), default=None)
        rows.append(DeckStatus(deck, title, len(done), count, len(mine), last))
    return rows


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


# --- choosing questions -----------------------------------------------------------------------


def choose(questions: list[int], done: set[int], count: int | None, only: list[int] | None,
           shuffle: bool, seed: int | None = None) -> list[int]:
    """Which questions to ask: `only` those, or the next `count` not yet answered (all of them
    again once every one has been answered), in order or shuffled."""
    if only:
        unknown = [n for n in only if n not in questions]
        if unknown:
            raise GuidedError(f"this deck has questions 1 to {max(questions)}; there is no question {unknown[0]}")
        chosen = list(dict.fromkeys(only))
    else:
        remaining = [n for n in questions if n not in done] or list(questions)
        if shuffle:
            random.Random(seed).shuffle(remaining)
        chosen = remaining[:count] if count else remaining
    return chosen


def sitting_script(deck: Script, chosen: list[int], reflect: Span | None) -> Script:
    """The deck as this sitting will speak it: its opening, the chosen questions, its closing."""
    cues = list(deck.cues)
    positions = [i for i, c in enumerate(cues) if isinstance(c, Question)]
    opening = cues[: positions[0]]
    closing = cues[positions[-1] + 1 :]
    by_number = {c.number: c for c in cues if isinstance(c, Question)}
    middle: list = []
    for number in chosen:
        question = by_number[number]
        if reflect is not None:
            question = replace(question, reflect=reflect)
        middle.append(question)  # the timeline says its place and closes its reflection with a chime
    return replace(deck, cues=tuple(opening + middle + closing))


# --- a sitting --------------------------------------------------------------------------------


@dataclass
class Hooks:
    """How the sitting reaches the person: the CLI gives terminal versions, tests give their own."""

    # (session, start, end, {position: action}) → "finished" | "stopped" | "interrupted"
    play: Callable[[object, int, int, dict], str]
    say: Callable[[str], None] = lambda text: None  # a status line (stderr)
    wait_key: Callable[[], str] | None = None  # blocks until a key: "continue", "repeat" or "quit"
    read_text: Callable[[str], str | None] | None = None  # a typed answer (None: skipped)
    key_stop: threading.Event | None = None  # set by a key press while recording
    listening: Callable[[], None] = lambda: None  # the microphone is about to open
    started: Callable[[Sitting], None] = lambda sitting: None  # the entry exists; its answers fill in as given
    kept: Callable[[Sitting, int, Path], None] = lambda sitting, number, audio: None  # an answer was recorded


def run(
    session,
    deck_id: str,
    mode: str,
    hooks: Hooks,
    *,
    silence_seconds: float = 8.0,
    max_answer_seconds: float = 300.0,
    input_device: int | None = None,
    ask_again: Callable[[], object] | None = None,
    microphone=None,
) -> Sitting:
    """Narrate each question of the prepared sitting `session` and take its answer in `mode`.

    `q` ends the sitting early and keeps what was answered (`stopped`); Ctrl-C raises
    KeyboardInterrupt, likewise keeping it. An entry with nothing answered is removed either way."""
    sitting = Sitting(journal_dir(), deck_id, session.script.title, mode)
    hooks.started(sitting)
    try:
        _take_answers(sitting, session, mode, hooks, silence_seconds, max_answer_seconds, input_device, ask_again,
                      microphone)
    except _Stopped:
        sitting.stopped = True
    except KeyboardInterrupt:
        if not sitting.answers:
            sitting.discard()
        raise
    if not sitting.answers:
        sitting.discard()
    return sitting


class _Stopped(Exception):
    """`q` pressed: the sitting ends early, calmly, keeping what was answered."""


def _went_on(ended: str) -> None:
    """Carry on after narration that ended this way: stopped with q, or interrupted by Ctrl-C."""
    if ended == "stopped":
        raise _Stopped
    if ended != "finished":
        raise KeyboardInterrupt


def _take_answers(sitting, session, mode, hooks, silence_seconds, max_answer_seconds, input_device, ask_again,
                  microphone=None):
    timeline = session.timeline
    reads = {e.question: e for e in timeline.speech if e.question}
    reflections = {e.question: e for e in timeline.events if e.kind == "reflect"}
    numbers = [q.number for q in session.script.questions]
    texts = {q.number: q.text for q in session.script.questions}
    now = lambda: datetime.now().strftime("%H:%M:%S")  # noqa: E731

    if mode == "reflect":
        # One continuous stretch: the reflection is the timeline's own silence, ended by a chime.
        controls = {}

        def reflected(number: int):
            return lambda: sitting.set(Answer(number, texts[number], "reflected", at=now()))

        for number in numbers:
            controls[reflections[number].end] = reflected(number)
        sitting.save()
        _went_on(hooks.play(session, 0, timeline.total, controls))
        return

    position = 0
    sitting.save()
    for number in numbers:
        read = reads[number]
        _went_on(hooks.play(session, position, read.end, {}))
        position = reflections[number].end
        if mode == "wait":
            while True:
                key = hooks.wait_key()
                if key == "repeat":
                    _went_on(hooks.play(session, read.start, read.end, {}))
                    continue
                if key == "quit":
                    raise _Stopped
                break
            sitting.set(Answer(number, texts[number], "reflected", at=now()))
        elif mode == "type":
            text = hooks.read_text(texts[number])
            if text is None or not text.strip():
                sitting.set(Answer(number, texts[number], "no answer", at=now()))
            else:
                sitting.set(Answer(number, texts[number], "answered", at=now(), text=text))
        elif mode == "record":
            _record(sitting, number, texts[number], hooks, silence_seconds, max_answer_seconds, input_device,
                    ask_again, now, microphone)
    _went_on(hooks.play(session, position, timeline.total, {}))


def _record(sitting, number, text, hooks, silence_seconds, max_answer_seconds, input_device, ask_again, now,
            microphone=None):
    audio = sitting.audio_path(number)
    started = now()
    sitting.set(Answer(number, text, "recording", at=started, audio=audio.name))
    # Waiting for a first word: long enough to gather one's thoughts, then one gentle reminder.
    wait = max(20.0, 2 * silence_seconds)
    if hooks.key_stop is not None:
        hooks.key_stop.clear()
    hooks.listening()
    hooks.say("listening… (speak your answer; a pause ends it, or press a key)")
    try:
        result = record_answer(audio, silence_seconds=silence_seconds, max_seconds=max_answer_seconds,
                               wait_for_speech_seconds=wait, device=input_device, stop=hooks.key_stop,
                               microphone=microphone)
        if not result.spoke and result.ended_by == "nothing said":
            audio.unlink(missing_ok=True)
            if ask_again is not None:
                ask_again()
            hooks.listening()
            result = record_answer(audio, silence_seconds=silence_seconds, max_seconds=max_answer_seconds,
                                   wait_for_speech_seconds=wait, device=input_device, stop=hooks.key_stop,
                               microphone=microphone)
    except KeyboardInterrupt:
        sitting.set(Answer(number, text, "interrupted", at=started, audio=audio.name))
        raise
    if not result.spoke and result.ended_by == "nothing said":
        audio.unlink(missing_ok=True)
        sitting.set(Answer(number, text, "no answer", at=started))
        hooks.say("no answer; moving on")
        return
    sitting.set(Answer(number, text, "answered", at=started, audio=audio.name, seconds=result.seconds))
    hooks.say(f"kept your answer ({clock(result.seconds)})")
    hooks.kept(sitting, number, audio)
