"""A deck's questions in the journal: which are asked in a sitting (the next ones not yet answered,
or those chosen), the script a sitting speaks, and how far each deck has come."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import GuidedError
from ..scripts.language import Question, Script, Span
from .entry import entries


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
