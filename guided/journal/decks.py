"""A deck's questions in the journal: which are asked in a sitting (the next ones not yet answered,
or those chosen), the script a sitting speaks, and how far each deck has come."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UsageError
from ..scripts.language import SHORT_SITTING, LongSitting, Question, Script, Section, Span
from .entry import entries

SILENT_MODES = ("reflect", "wait")  # ways of answering made for silence: a reflection is their answer


@dataclass(frozen=True)
class DeckStatus:
    deck: str
    title: str
    answered: int  # questions answered in words (spoken or typed) in some sitting
    questions: int
    sittings: int
    last: str | None
    reflected: int = 0  # questions only reflected on in silence so far

    def words(self) -> str:
        """'2 answered and 3 reflected on, of 20': what --status says of the deck."""
        parts = [f"{self.answered} answered"] + ([f"{self.reflected} reflected on"] if self.reflected else [])
        return f"{' and '.join(parts)}, of {self.questions}"


def status(decks: list[tuple[str, str, int]], folder: Path | None = None) -> list[DeckStatus]:
    """Progress for each (id, title, number of questions) deck, from the entries on disk."""
    all_entries = entries(folder)
    rows = []
    for deck, title, count in decks:
        mine = [e for e in all_entries if e.deck == deck]
        answered = {n for e in mine for n in e.answered if 1 <= n <= count}
        reflected = {n for e in mine for n in e.reflected if 1 <= n <= count} - answered
        last = max((e.date for e in mine), default=None)
        rows.append(DeckStatus(deck, title, len(answered), count, len(mine), last, len(reflected)))
    return rows


def choose(questions: list[int], done: set[int], count: int | None, only: list[int] | None,
           shuffle: bool, seed: int | None = None) -> list[int]:
    """Which questions to ask: `only` those, or the next `count` not yet answered (all of them
    again once every one has been answered), in order or shuffled."""
    if only:
        unknown = [n for n in only if n not in questions]
        if unknown:
            raise UsageError(f"this deck has questions 1 to {max(questions)}; there is no question {unknown[0]}")
        chosen = list(dict.fromkeys(only))
    else:
        remaining = [n for n in questions if n not in done] or list(questions)
        if shuffle:
            random.Random(seed).shuffle(remaining)
        chosen = remaining[:count] if count else remaining
    return chosen


def sitting_script(deck: Script, chosen: list[int], reflect: Span | None) -> Script:
    """The deck as this sitting will speak it: its opening, each chosen question, and its closing.
    Where the sitting crosses from one part of the deck into another, what leads into that part (a
    breathing break) stays; a sitting that starts in a later part hears only its heading. A short
    sitting (SHORT_SITTING questions or fewer) leaves out what the opening marks `[long sitting]`;
    `{questions}` then says how many are chosen."""
    cues = list(deck.cues)
    positions = [i for i, c in enumerate(cues) if isinstance(c, Question)]
    by_number = {cues[i].number: i for i in positions}

    def section_start(index: int) -> int:
        """Where the section holding cue `index` begins (its heading), or 0 before any heading."""
        return next((i for i in range(index, -1, -1) if isinstance(cues[i], Section)), 0)

    first_section = section_start(positions[0])
    opening = _arrival(cues[:first_section], len(chosen)) if first_section else []
    closing = cues[positions[-1] + 1 :]
    middle: list = []
    entered: set[int] = set()
    for number in chosen:
        index = by_number[number]
        start = section_start(index)
        if start not in entered:  # the section's heading and what leads into its first question
            intro_end = next(i for i in range(start, len(cues)) if isinstance(cues[i], Question))
            lead = cues[start:intro_end]
            crossing = bool(entered) or start == first_section  # the deck's own first part opens it
            entered.add(start)
            middle += _arrival(lead, len(chosen)) if crossing else lead[:1]
        question = cues[index]
        if reflect is not None:
            question = replace(question, reflect=reflect)
        middle.append(question)  # the timeline says its place and closes its reflection with a chime
    return replace(deck, cues=tuple(opening + middle + closing))


def _arrival(cues: list, count: int) -> list:
    """An opening as a sitting of `count` questions hears it: a short sitting leaves out what each
    of its sections marks `[long sitting]`, from the mark to the section's end."""
    if count > SHORT_SITTING:
        return [c for c in cues if not isinstance(c, LongSitting)]
    kept, skipping = [], False
    for cue in cues:
        if isinstance(cue, Section):
            skipping = False
        if isinstance(cue, LongSitting):
            skipping = True
            continue
        if not skipping:
            kept.append(cue)
    return kept
