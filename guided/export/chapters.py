"""The chapters of an exported session, read straight from its Timeline: one per section (starting
at the section's first event) and one per question (starting at the first spoken sample of the
question), interleaved in time order, each ending where the next one starts. Nothing here works
out timing again: it only reads the samples the Timeline already placed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..timing.timeline import Timeline


@dataclass(frozen=True)
class Mark:
    """A chapter of an exported file, in samples.

    `anchor` is what the chapter is about: a section's first event, or the first spoken sample of
    a question. `start` is where the chapter begins in the file; it equals `anchor`, except for the
    first chapter, which also holds the quiet lead-in and so starts at 0 (a chapter list should
    cover the whole file, and MP4 chapter tracks always begin at 0).
    """

    title: str
    start: int
    end: int
    anchor: int
    kind: str  # "section" or "question"
    question: int | None = None


def chapter_marks(timeline: Timeline) -> list[Mark]:
    """Sections and questions of the timeline as chapters, in time order, covering the whole file."""
    points: list[tuple[int, int, str, str, int | None]] = []  # (anchor, order, title, kind, question)
    for chapter in timeline.sections:
        points.append((chapter.start, 0, chapter.title, "section", None))
    # A question is titled by its own words and starts with the first thing said of it (its place,
    # "The third question.", when the timeline says one).
    first: dict[int, int] = {}
    words: dict[int, str] = {}
    for event in timeline.speech:
        if event.leads is not None:
            first.setdefault(event.leads, event.start)
        if event.question is not None:
            first.setdefault(event.question, event.start)
            words[event.question] = event.text
    for number, anchor in first.items():
        points.append((anchor, 1, words[number], "question", number))
    points.sort(key=lambda p: (p[0], p[1]))
    kept: list[tuple[int, int, str, str, int | None]] = []
    for point in points:
        # A question read the moment its section starts: the section's chapter already lands there,
        # and two chapters at one instant would leave an empty one that players skip or show oddly.
        if kept and kept[-1][0] == point[0]:
            continue
        kept.append(point)
    marks = []
    for index, (anchor, _, title, kind, question) in enumerate(kept):
        start = 0 if index == 0 else anchor
        end = kept[index + 1][0] if index + 1 < len(kept) else timeline.total
        marks.append(Mark(title=title, start=start, end=end, anchor=anchor, kind=kind, question=question))
    return marks


def within(marks: list[Mark], most: int | None) -> list[Mark]:
    """At most `most` chapters covering the same file: the questions' chapters go first (a section's
    chapter then holds its questions), then neighbouring sections are joined, each chapter keeping
    the first one's title, spread evenly so the chapters still mark the whole length."""
    if most is None or len(marks) <= most:
        return marks
    sections = [m for m in marks if m.kind == "section"] or marks
    kept = sections if len(sections) <= most else [sections[round(i * len(sections) / most)] for i in range(most)]
    joined = []
    for index, mark in enumerate(kept):
        start = 0 if index == 0 else mark.start
        end = kept[index + 1].start if index + 1 < len(kept) else marks[-1].end
        joined.append(Mark(mark.title, start, end, mark.anchor, mark.kind, mark.question))
    return joined
