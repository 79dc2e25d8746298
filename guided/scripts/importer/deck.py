"""A journal deck from the questions found: its script text, its id and title, and writing it safely."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...errors import GuidedError, NoQuestionsError, OutputError
from ..catalog import BUILT_IN, Catalog, check_id, save, slug, user_dir
from ..language import parse_script
from .extraction import extract
from .reading import DUPLICATE, EXAMPLE, HEADING, RHETORICAL

# How each reason for leaving a line out is counted in a message: singular, plural.
_COUNTED = {HEADING: ("heading", "headings"), EXAMPLE: ("quoted example", "quoted examples"),
            RHETORICAL: ("question of the writer's own", "questions of the writer's own"),
            DUPLICATE: ("repeat", "repeats")}


def _what_was_left_out(left_out: tuple[tuple[str, str], ...]) -> str:
    """' (only 2 headings and 1 quoted example ending in '?')', or nothing when nothing was left out."""
    counts = [(sum(1 for r, _ in left_out if r == reason), forms) for reason, forms in _COUNTED.items()]
    parts = [f"{n} {forms[n != 1]}" for n, forms in counts if n]
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f" (only {listed} ending in '?')"


@dataclass(frozen=True)
class Imported:
    """What `import_questions` made: the deck's id, path, title and questions, and what it left out and why."""

    id: str
    path: Path
    title: str
    questions: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    written: bool
    replaced: bool
    text: str  # the deck's script


_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


def _count_words(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)


def deck_text(title: str, questions: list[str] | tuple[str, ...], source: str | None = None) -> str:
    """A journal deck script: a gentle opening with the safety line, the questions, a short closing."""
    count = len(questions)
    noun = "question" if count == 1 else "questions"
    origin = f" from {source}" if source else ""
    description = f"{count} reflection {noun} imported{origin}."
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "kind: journal",
        f"description: {json.dumps(description, ensure_ascii=False)}",
        "---",
        f"<!-- Made by 'guided import'{origin} on {date.today().isoformat()}. Edit it freely: each numbered",
        "     line is a question, read aloud and followed by quiet time to reflect ('reflect: 2m' in the",
        "     front matter sets how long; '[pause 3m]' at the end of a question gives that one its own time).",
        "     'guided validate' checks it, 'guided show' shows it with times. -->",
        "## Arriving",
        "[bell]",
        "Welcome. This is a self-reflection practice, not a substitute for a therapist, "
        "and you may pause or stop at any time.",
        "[pause 2s..4s]",
        "Settle into a comfortable position. Keep a notebook close, if you like, or simply listen.",
        "[pause 2s..4s]",
        "[breathe in 4s, out 6s, x3]",
        "[pause 1s..3s]",
        f"You will hear {_count_words(count)} {noun}, with quiet time after each. "
        "There are no right answers, and a few words are enough.",
        "[pause 2s..4s]",
        "",
        "## Questions",
    ]
    lines += [f"{number}. {question}" for number, question in enumerate(questions, 1)]
    lines += [
        "",
        "## Closing",
        f"That was the last {'question' if count == 1 else 'one'}.",
        "[pause 2s..4s]",
        "Whatever came up for you today is welcome. Nothing needs to be solved right now.",
        "[pause 3s..5s]",
        "Be gentle with yourself for the rest of the day. Thank you for taking this time.",
        "[pause 2s..3s]",
        "[bell]",
        "",
    ]
    return "\n".join(lines)


def _title_from_name(name: str | None) -> str | None:
    if not name or name == "-":
        return None
    words = re.sub(r"[-_.]+", " ", Path(name).stem).strip()
    return words[:1].upper() + words[1:] if words else None


MOST_QUESTIONS = 500  # a deck worked through over a year of evenings; every listing reads it whole


def import_questions(
    text: str,
    *,
    name: str | None = None,
    script_id: str | None = None,
    title: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    folder: Path | None = None,
    catalog: Catalog | None = None,
) -> Imported:
    """Find the questions in `text` and write them as a journal deck in the user's script folder.

    `name` is where the text came from (a file name, or None for stdin): it helps tell HTML from
    Markdown and gives the default id and title. With `dry_run`, nothing is written.
    """
    extracted = extract(text, name=name)
    source = Path(name).name if name and name != "-" else None
    if len(extracted.questions) > MOST_QUESTIONS:
        raise GuidedError(f"found {len(extracted.questions)} questions in {source or 'the text'}; a deck holds at most "
                          f"{MOST_QUESTIONS}: import the part of the text that holds the ones you want")
    if not extracted.questions:
        where = source or "the text"
        raise NoQuestionsError(
            f"found no reflection questions in {where}{_what_was_left_out(extracted.left_out)}: a question is a "
            "list item, line or paragraph that asks you something, such as '1. What helps you feel safe?'",
            extracted.left_out,
        )
    deck_title = (title or extracted.title or _title_from_name(name) or "Imported questions").strip()
    if script_id is None:
        script_id = slug(title) if title else slug(
            Path(name).stem if source else deck_title, fallback="imported-questions"
        )
    check_id(script_id)
    folder = folder or user_dir()
    path = folder / f"{script_id}.md"
    deck = deck_text(deck_title, extracted.questions, source)
    # What we write must be a valid script; if the text defeated the cleaning, say so rather than write it.
    parse_script(deck, str(path))
    catalog = catalog or Catalog()
    hiding = catalog.hidden_from_user_folder(script_id)
    if hiding is not None and not dry_run:
        raise OutputError(f"{script_id} is already in {hiding.path.parent}, which is searched before your script folder, "
                          "so a deck there would never be used; choose another id with --id")
    existing = catalog.exists(script_id)
    replaced = path.exists() or existing is not None
    if replaced and not force and not dry_run:
        what = f"{path}" if path.exists() else (
            "a built-in session" if existing.origin == BUILT_IN else str(existing.path))
        raise OutputError(f"{script_id} already exists ({what}); use --force to replace it, or --id to choose another id")
    if not dry_run:
        save(path, deck)
    return Imported(script_id, path, deck_title, extracted.questions, extracted.left_out, not dry_run, replaced, deck)
