"""From a `Script` to a `Timeline`: every event at an absolute sample position, fitted to a length.

Speech is rendered (through the clip cache) while assembling, because a phrase's length decides
where everything after it goes. Chapters, captions, progress and skipping all read the Timeline;
nothing else works out timing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from ..errors import FitError, NotFoundError
from ..scripts.language import Bell, Breathe, LongSitting, Pause, Question, Say, Script, Section, Sit, Span
from ..scripts.spoken_words import question_place, with_minutes, with_questions
from .fitting import (
    UNFITTED_STRETCH,
    Event,
    Item,
    Placement,
    check_range,
    fit,
    place,
)

RATE = 44100
LINE_GAP_MS = 400  # between two spoken lines with nothing written between them
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

    @property
    def pauses(self) -> tuple[tuple[int, int], ...]:
        """Where the voice is silent between two phrases: (the end of one, the start of the next),
        whatever fills the silence (pauses, breathing, sittings, bells)."""
        found = []
        end = None
        for event in sorted(self.speech, key=lambda e: e.start):
            if end is not None and event.start > end:
                found.append((end, event.start))
            end = event.end if end is None else max(end, event.end)
        return tuple(found)

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


def assemble(
    script: Script,
    speak: Callable[[str], Clip],
    bell_frames: Callable[[str | None], int],
    *,
    rate: int = RATE,
    seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    estimate: Callable[[str], Clip] | None = None,
) -> Timeline:
    """Place the script's cues in time; with `seconds`, stretch pauses within their bounds to fit.

    A `{minutes}` in a spoken line becomes the session's own length in words ("ten minutes"): the
    fitted length when there is one, else the length the session turns out to have, found by
    placing it first with those lines as `estimate` says they will be (by default: rendered)."""
    return arrange(script, speak, bell_frames, rate=rate, seconds=seconds, progress=progress,
                   estimate=estimate).timeline()


@dataclass(frozen=True)
class Arrangement:
    """A script's steps and where they were placed: what `assemble` makes a Timeline of, kept whole
    so that a session still rendering can place its unheard rest again (guided/progressive.py)."""

    script: Script  # as it is read out: a `{minutes}` in words
    title: str
    kind: str
    rate: int
    items: tuple[Item, ...]
    titles: tuple[str, ...]  # of every section, kept or empty
    placement: Placement

    def timeline(self) -> Timeline:
        events, total = self.placement.events, self.placement.total
        sections, renumber = _chapters(list(self.titles), events, total)
        events = [replace(e, section=renumber[e.section]) for e in events]
        return Timeline(title=self.title, kind=self.kind, rate=self.rate, total=total, events=tuple(events),
                        sections=sections, script=self.script)


def arrange(
    script: Script,
    speak: Callable[[str], Clip],
    bell_frames: Callable[[str | None], int],
    *,
    rate: int = RATE,
    seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    estimate: Callable[[str], Clip] | None = None,
) -> Arrangement:
    """What `assemble` does, before it becomes a Timeline."""
    rendered: dict[str, Clip] = {}

    def once(text: str) -> Clip:  # each phrase is rendered (or fetched) once, whatever the passes
        if text not in rendered:
            rendered[text] = speak(text)
        return rendered[text]

    guess = estimate or once
    script = with_questions(script)
    minutes = round(seconds / 60) if seconds is not None else None
    for _attempt in range(4):
        spoken = with_minutes(script, minutes if minutes is not None else 10)
        # Not yet knowing its length, the first pass only estimates the lines that say it.
        guessed = {c.text for c in spoken.cues if isinstance(c, Say)} - {c.text for c in script.cues if isinstance(c, Say)} \
            if minutes is None else set()
        items, titles = script_items(spoken, lambda text, guessed=guessed: guess(text) if text in guessed else once(text),
                                     bell_frames, progress)
        if seconds is None:
            placement = place(items, rate, UNFITTED_STRETCH)
        else:
            try:
                placement = fit(items, rate, round(seconds * rate))
            except FitError as exc:
                if spoken is script:
                    raise
                raise _spoken_range_error(script, once, bell_frames, rate, exc, round(seconds * rate)) from None
        heard = max(1, round(placement.total / rate / 60))
        if spoken is script or (heard == minutes and not guessed) or seconds is not None:
            break
        minutes = heard  # say the length it really has, and place it again
    return Arrangement(spoken, script.title, script.kind, rate, tuple(items), tuple(titles), placement)


@dataclass(frozen=True)
class EstimatedClip:
    """A phrase's length without rendering it (listings, a first guess at a length, and a phrase
    still rendering while a session already plays)."""

    frames: int


def _spoken_range_error(script, speak, bell_frames, rate, exc: FitError, target: int) -> FitError:
    """The limits of a session that speaks its own length, each with the length it would then say:
    what the message offers must be what can really be asked for."""
    def limit(seconds: float, stretch: float) -> int:
        items, _ = script_items(with_minutes(script, max(1, round(seconds / 60))), speak, bell_frames, None)
        return place(items, rate, stretch).total

    low, high = limit(exc.shortest, 0.0), limit(exc.longest, 1.0)
    try:
        check_range(low, high, target, rate)
    except FitError as precise:
        return precise
    return exc


def spoken_texts(script: Script) -> list[str]:
    """Every phrase the script will speak, in order (for rendering ahead)."""
    script = with_questions(script)
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


def script_items(script, speak, bell_frames, progress=None) -> tuple[list[Item], list[str]]:
    """The script's steps in order, each phrase through `speak`, and the title of every section."""
    texts = spoken_texts(script)
    clips: dict[str, Clip] = {}

    def clip(text: str) -> Clip:
        if text not in clips:
            clips[text] = speak(text)
            if progress:
                progress(len(clips), len(texts))
        return clips[text]

    titles: list[str] = []
    items: list[Item] = []
    section = 0
    started = False  # a section before any heading is named after the session

    def add(item: Item) -> None:
        nonlocal started
        if not started:
            titles.append(script.title)
            started = True
        items.append(item)

    previous_spoke = False
    questions = len(script.questions)
    asked = 0
    for cue in script.cues:
        if isinstance(cue, LongSitting):
            continue  # whole: a session played as it is written keeps its long arrival
        if isinstance(cue, Section):
            titles.append(cue.title)
            section = len(titles) - 1
            started = True
            previous_spoke = False
            continue
        if isinstance(cue, Say):
            if previous_spoke:
                add(Item("pause", section, cue.line, span=Span.fixed(LINE_GAP_MS)))
            add(Item("speech", section, cue.line, clip=clip(cue.text), text=cue.text))
            previous_spoke = True
            continue
        previous_spoke = False
        if isinstance(cue, Pause):
            add(Item("pause", section, cue.line, span=cue.span))
        elif isinstance(cue, Bell):
            add(Item("bell", section, cue.line, bell=cue.name, bell_frames=bell_frames(cue.name)))
        elif isinstance(cue, Question):
            if questions > 1:
                asked += 1
                said = question_place(asked, questions)
                # The place leads into the question: its chapter starts when the listener hears it.
                add(Item("speech", section, cue.line, clip=clip(said), text=said, leads=cue.number))
                add(Item("pause", section, cue.line, span=Span.fixed(LINE_GAP_MS)))
            add(Item("speech", section, cue.line, clip=clip(cue.text), text=cue.text, question=cue.number))
            add(Item("reflect", section, cue.line, span=cue.reflect, question=cue.number))
            add(Item("bell", section, cue.line, bell=REFLECTION_BELL, bell_frames=bell_frames(REFLECTION_BELL)))
        elif isinstance(cue, Sit):
            name = cue.bell or DEFAULT_INTERVAL_BELL
            frames = bell_frames(name) if cue.bell_every_ms else 0
            add(Item("sit", section, cue.line, span=cue.span, every_ms=cue.bell_every_ms, bell=name, bell_frames=frames))
        elif isinstance(cue, Breathe):
            for repeat in range(cue.repeats):
                for name, ms in cue.phases:
                    if repeat < SPOKEN_BREATHS:
                        word = BREATH_WORDS[name]
                        add(Item("speech", section, cue.line, clip=clip(word), text=word, slot_ms=ms))
                    else:  # a breath kept in silence: still a breath, as `show` and the map say
                        add(Item("breath", section, cue.line, text=BREATH_WORDS[name], span=Span.fixed(ms)))
    if not titles:
        titles.append(script.title)
    return items, titles


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
