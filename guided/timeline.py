"""From a `Script` to a `Timeline`: every event at an absolute sample position, fitted to a length.

Speech is rendered (through the clip cache) while assembling, because a phrase's length decides
where everything after it goes. Chapters, captions, progress and skipping all read the Timeline;
nothing else works out timing again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from .errors import FitError, NotFoundError
from .script import Bell, Breathe, Pause, Question, Say, Script, Section, Sit, Span, format_ms
from .spoken_words import question_place, with_minutes

RATE = 44100
LEAD_IN_MS = 1500  # a breath of quiet (and the bed fading in) before the first word
TAIL_MS = 4000  # after the last sound, time for the bed to fade away
LINE_GAP_MS = 400  # between two spoken lines with nothing written between them
BELL_ADVANCE_MS = 4000  # what follows a bell starts once it has been heard; the rest rings under it
DEFAULT_INTERVAL_BELL = "chime"
REFLECTION_BELL = "chime"  # the soft bell that closes each reflection on a question
SPOKEN_BREATHS = 3  # after three guided breaths the listener knows the rhythm: the rest keep time in silence
BREATH_WORDS = {"in": "Breathe in", "hold": "Hold", "out": "Breathe out", "rest": "Rest"}


class Clip(Protocol):
    """All the timeline needs of a rendered phrase: its length in samples at the session's rate.
    The speech cache's clips are such; the mixer, not the timeline, reads their samples."""

    @property
    def frames(self) -> int: ...


@dataclass(frozen=True)
class Event:
    """Something that happens at `start` for `length` samples."""

    kind: str  # "speech", "bell", "pause", "reflect" or "sit"
    start: int
    length: int
    section: int  # index into Timeline.sections
    text: str = ""  # the caption of a spoken phrase
    clip: Clip | None = None
    bell: str | None = None  # the bell's name; None is the default bell
    question: int | None = None  # the question read (speech) or reflected on (reflect)
    leads: int | None = None  # the question whose place this phrase says ("The third question.")
    line: int = 0  # where the script wrote it

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Timeline:
    title: str
    kind: str
    rate: int
    total: int
    events: tuple[Event, ...]
    sections: tuple[Chapter, ...]
    script: Script

    @property
    def seconds(self) -> float:
        return self.total / self.rate

    @property
    def speech(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.kind == "speech")

    @property
    def bells(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.kind == "bell")

    def section_at(self, position: int) -> int:
        found = 0
        for index, chapter in enumerate(self.sections):
            if chapter.start <= position:
                found = index
        return found

    def section_index(self, wanted: int | str) -> int:
        """The index of a section named by its number (from 1) or by words of its title."""
        text = str(wanted).strip()
        if text.isdigit() and 1 <= int(text) <= len(self.sections):
            return int(text) - 1
        for index, chapter in enumerate(self.sections):
            if text.lower() in chapter.title.lower():
                return index
        titles = "; ".join(f"{i + 1}: {c.title}" for i, c in enumerate(self.sections))
        raise NotFoundError(f"no section {text!r}; this session has {titles}")

    def caption_at(self, position: int) -> Event | None:
        for event in self.speech:
            if event.start <= position < event.end:
                return event
        return None

    def stats(self) -> dict:
        speech = sum(e.length for e in self.speech)
        words = sum(len(e.text.split()) for e in self.speech)
        return {
            "seconds": round(self.seconds, 3),
            "speech_seconds": round(speech / self.rate, 3),
            "silence_seconds": round((self.total - speech) / self.rate, 3),
            "words": words,
            "words_per_minute": round(words / (self.seconds / 60), 1) if self.total else 0.0,
            "speaking_words_per_minute": round(words / (speech / self.rate / 60), 1) if speech else 0.0,
            "silence_share": round(1 - speech / self.total, 3) if self.total else 0.0,
            "bells": len(self.bells),
            "sections": len(self.sections),
            "questions": len(self.script.questions),
        }

    def outline(self) -> dict:
        """The whole timeline as plain data, times in seconds (what `guided show --json` prints)."""
        rate = self.rate
        return {
            "title": self.title,
            "kind": self.kind,
            "stats": self.stats(),
            "sections": [{"title": c.title, "start": round(c.start / rate, 3), "end": round(c.end / rate, 3)}
                         for c in self.sections],
            "events": [{"kind": e.kind, "start": round(e.start / rate, 3), "seconds": round(e.length / rate, 3),
                        "section": e.section, "text": e.text or None, "bell": e.bell, "question": e.question,
                        "leads": e.leads}
                       for e in self.events],
        }


# --- assembly ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """A step of the session before it is placed: speech, a bell, or time that may stretch."""

    kind: str
    section: int
    line: int
    clip: Clip | None = None
    text: str = ""
    span: Span | None = None  # milliseconds, for silences
    slot_ms: int = 0  # breathing cues: at least this long, whatever the word's length
    bell: str | None = None
    bell_frames: int = 0
    every_ms: int | None = None
    question: int | None = None
    leads: int | None = None


def assemble(
    script: Script,
    speak: Callable[[str], Clip],
    bell_frames: Callable[[str | None], int],
    *,
    rate: int = RATE,
    seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Timeline:
    """Place the script's cues in time; with `seconds`, stretch pauses within their bounds to fit.

    A `{minutes}` in a spoken line becomes the session's own length in words ("ten minutes"): the
    fitted length when there is one, else the length the session turns out to have."""
    rendered: dict[str, Clip] = {}

    def once(text: str) -> Clip:  # each phrase is rendered (or fetched) once, whatever the passes
        if text not in rendered:
            rendered[text] = speak(text)
        return rendered[text]

    minutes = round(seconds / 60) if seconds is not None else None
    for _attempt in range(4):
        spoken = with_minutes(script, minutes if minutes is not None else 10)
        # Not yet knowing its length, the first pass only estimates the lines that say it.
        guessed = {c.text for c in spoken.cues if isinstance(c, Say)} - {c.text for c in script.cues if isinstance(c, Say)} \
            if minutes is None else set()
        items, titles = _items(spoken, lambda text, guessed=guessed: _estimated(text, rate) if text in guessed else once(text),
                               bell_frames, progress)
        if seconds is None:
            events, total = _place(items, rate, 0.5)
        else:
            try:
                events, total = _fit(items, rate, round(seconds * rate))
            except FitError as exc:
                if spoken is script:
                    raise
                raise _spoken_range_error(script, once, bell_frames, rate, exc, round(seconds * rate)) from None
        heard = max(1, round(total / rate / 60))
        if spoken is script or (heard == minutes and not guessed) or seconds is not None:
            break
        minutes = heard  # say the length it really has, and place it again
    sections, renumber = _chapters(titles, events, total)
    events = [replace(e, section=renumber[e.section]) for e in events]
    return Timeline(
        title=script.title,
        kind=script.kind,
        rate=rate,
        total=total,
        events=tuple(events),
        sections=sections,
        script=spoken,
    )


@dataclass(frozen=True)
class EstimatedClip:
    """A phrase's length without rendering it (listings, and a first guess at a length)."""

    frames: int


def _estimated(text: str, rate: int) -> EstimatedClip:
    return EstimatedClip(round(max(1, len(text.split())) * 0.5 * rate))  # at an unhurried pace


def _spoken_range_error(script, speak, bell_frames, rate, exc: FitError, target: int) -> FitError:
    """The limits of a session that speaks its own length, each with the length it would then say:
    what the message offers must be what can really be asked for."""
    def limit(seconds: float, stretch: float) -> int:
        items, _ = _items(with_minutes(script, max(1, round(seconds / 60))), speak, bell_frames, None)
        return _place(items, rate, stretch)[1]

    low, high = limit(exc.shortest, 0.0), limit(exc.longest, 1.0)
    try:
        _check_range(low, high, target, rate)
    except FitError as precise:
        return precise
    return exc



def length_range(
    script: Script, speak: Callable[[str], Clip], bell_frames: Callable[[str | None], int], *, rate: int = RATE
) -> tuple[int, int]:
    """The shortest and longest the session can last, in samples, with every pause at its bounds."""
    items, _ = _items(script, speak, bell_frames, None)
    return _place(items, rate, 0.0)[1], _place(items, rate, 1.0)[1]


def spoken_texts(script: Script) -> list[str]:
    """Every phrase the script will speak, in order (for rendering ahead)."""
    texts: list[str] = []
    questions = len(script.questions)
    asked = 0
    for cue in script.cues:
        if isinstance(cue, Question) and questions > 1:
            asked += 1
            texts.append(question_place(asked, questions))
        if isinstance(cue, (Say, Question)):
            texts.append(cue.text)
        elif isinstance(cue, Breathe):
            texts.extend(BREATH_WORDS[name] for name, _ in cue.phases)
    return list(dict.fromkeys(texts))


def _items(script, speak, bell_frames, progress) -> tuple[list[_Item], list[str]]:
    texts = spoken_texts(script)
    clips: dict[str, Clip] = {}

    def clip(text: str) -> Clip:
        if text not in clips:
            clips[text] = speak(text)
            if progress:
                progress(len(clips), len(texts))
        return clips[text]

    titles: list[str] = []
    items: list[_Item] = []
    section = 0
    started = False  # a section before any heading is named after the session

    def add(item: _Item) -> None:
        nonlocal started
        if not started:
            titles.append(script.title)
            started = True
        items.append(item)

    previous_spoke = False
    questions = len(script.questions)
    asked = 0
    for cue in script.cues:
        if isinstance(cue, Section):
            titles.append(cue.title)
            section = len(titles) - 1
            started = True
            previous_spoke = False
            continue
        if isinstance(cue, Say):
            if previous_spoke:
                add(_Item("pause", section, cue.line, span=Span.fixed(LINE_GAP_MS)))
            add(_Item("speech", section, cue.line, clip=clip(cue.text), text=cue.text))
            previous_spoke = True
            continue
        previous_spoke = False
        if isinstance(cue, Pause):
            add(_Item("pause", section, cue.line, span=cue.span))
        elif isinstance(cue, Bell):
            add(_Item("bell", section, cue.line, bell=cue.name, bell_frames=bell_frames(cue.name)))
        elif isinstance(cue, Question):
            if questions > 1:
                asked += 1
                place = question_place(asked, questions)
                # The place leads into the question: its chapter starts when the listener hears it.
                add(_Item("speech", section, cue.line, clip=clip(place), text=place, leads=cue.number))
                add(_Item("pause", section, cue.line, span=Span.fixed(LINE_GAP_MS)))
            add(_Item("speech", section, cue.line, clip=clip(cue.text), text=cue.text, question=cue.number))
            add(_Item("reflect", section, cue.line, span=cue.reflect, question=cue.number))
            add(_Item("bell", section, cue.line, bell=REFLECTION_BELL, bell_frames=bell_frames(REFLECTION_BELL)))
        elif isinstance(cue, Sit):
            name = cue.bell or DEFAULT_INTERVAL_BELL
            frames = bell_frames(name) if cue.bell_every_ms else 0
            add(_Item("sit", section, cue.line, span=cue.span, every_ms=cue.bell_every_ms, bell=name, bell_frames=frames))
        elif isinstance(cue, Breathe):
            for repeat in range(cue.repeats):
                for name, ms in cue.phases:
                    if repeat < SPOKEN_BREATHS:
                        word = BREATH_WORDS[name]
                        add(_Item("speech", section, cue.line, clip=clip(word), text=word, slot_ms=ms))
                    else:
                        add(_Item("pause", section, cue.line, span=Span.fixed(ms)))
    if not titles:
        titles.append(script.title)
    return items, titles


def _ms(ms: float, rate: int) -> int:
    return round(ms * rate / 1000)


def _place(items: list[_Item], rate: int, stretch: float) -> tuple[list[Event], int]:
    """Lay the items end to end; `stretch` from 0 to 1 sets every stretchable silence in its range."""
    events: list[Event] = []
    cursor = _ms(LEAD_IN_MS, rate)
    reach = cursor  # the end of the last sound, bells ringing out included
    for item in items:
        if item.kind == "speech":
            length = item.clip.frames
            events.append(
                Event("speech", cursor, length, item.section, text=item.text, clip=item.clip,
                      question=item.question, leads=item.leads, line=item.line)
            )
            reach = max(reach, cursor + length)
            cursor += max(length, _ms(item.slot_ms, rate))
        elif item.kind == "bell":
            events.append(Event("bell", cursor, item.bell_frames, item.section, bell=item.bell, line=item.line))
            reach = max(reach, cursor + item.bell_frames)
            cursor += min(item.bell_frames, _ms(BELL_ADVANCE_MS, rate))
        else:
            span = item.span
            length = _ms(span.low + stretch * (span.high - span.low), rate)
            events.append(Event(item.kind, cursor, length, item.section, question=item.question, line=item.line))
            if item.every_ms:
                every = _ms(item.every_ms, rate)
                # Interval bells mark the time passing inside a sitting, not its start or its end.
                for at in range(cursor + every, cursor + length - _ms(BELL_ADVANCE_MS, rate) + 1, every):
                    events.append(Event("bell", at, item.bell_frames, item.section, bell=item.bell, line=item.line))
                    reach = max(reach, at + item.bell_frames)
            cursor += length
    total = max(cursor, reach) + _ms(TAIL_MS, rate)
    events.sort(key=lambda e: e.start)
    return events, total


def _fit(items: list[_Item], rate: int, target: int) -> tuple[list[Event], int]:
    shortest = _place(items, rate, 0.0)
    longest = _place(items, rate, 1.0)
    _check_range(shortest[1], longest[1], target, rate)
    return _search(items, rate, target, shortest)


def _check_range(shortest: int, longest: int, target: int, rate: int) -> None:
    """A FitError saying what can be asked for, unless `target` samples lie in the range."""
    if not shortest <= target <= longest:
        low_s, high_s = shortest / rate, longest / rate
        asked = format_ms(round(target * 1000 / rate))
        if shortest == longest:
            raise FitError(
                f"this session cannot change length: it has no stretchable pauses and lasts {_readable(low_s, 0)} "
                f"(asked for {asked})", low_s, high_s,
            )
        # Rounded inwards, so that whatever the message offers can really be asked for.
        low, high = _readable(low_s, +1), _readable(high_s, -1)
        minutes = f"{math.ceil(low_s / 60 * 100) / 100:g} and {math.floor(high_s / 60 * 100) / 100:g} minutes"
        raise FitError(
            f"this session can last from {low} to {high}, not {asked}; ask for between {minutes}", low_s, high_s,
        )


def _search(items: list[_Item], rate: int, target: int, shortest: tuple[list[Event], int]) -> tuple[list[Event], int]:
    # The length grows steadily with the stretch, so halving the interval finds it to the sample.
    low, high = 0.0, 1.0
    best = shortest
    for _ in range(60):
        middle = (low + high) / 2
        best = _place(items, rate, middle)
        if best[1] == target:
            break
        if best[1] < target:
            low = middle
        else:
            high = middle
    return best


def _readable(seconds: float, direction: int) -> str:
    """A length for a message: to the millisecond under a minute, else whole seconds rounded up (+1),
    down (-1) or to the nearest (0)."""
    if seconds < 60:
        return format_ms(round(seconds * 1000))
    whole = math.ceil(seconds) if direction > 0 else math.floor(seconds) if direction < 0 else round(seconds)
    return format_ms(whole * 1000)


def _chapters(titles: list[str], events: list[Event], total: int) -> tuple[tuple[Chapter, ...], dict[int, int]]:
    """Chapters for the sections that hold something, and each section's new index among them."""
    starts: dict[int, int] = {}
    for event in events:
        starts.setdefault(event.section, event.start)
    kept = [(i, starts[i], title) for i, title in enumerate(titles) if i in starts]
    chapters = []
    for index, (_, start, title) in enumerate(kept):
        end = kept[index + 1][1] if index + 1 < len(kept) else total
        chapters.append(Chapter(title, start, end))
    return tuple(chapters), {old: new for new, (old, _, _) in enumerate(kept)}
