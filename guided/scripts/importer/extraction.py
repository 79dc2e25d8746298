"""Finding the reflection questions in a text: in order, as plain words, with what was left out and why.

A question is a list item that asks, or what a paragraph asks its reader (see `reading`). Headings
that ask (`# ...`, `<h2>`, a line underlined with `===` or `---`, a short Title Case line standing
alone) are titles, not questions. Numbering and Markdown are stripped, and repeats are left out.
Everything left out is kept with its reason, so a user (or a caller) can see what was decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import ENDS_SENTENCE, Block, paragraph_units, text_blocks
from .cleaning import clean
from .html_lines import html_to_lines
from .reading import (
    DUPLICATE,
    EXAMPLE,
    HEADING,
    PRACTICAL,
    QUESTION,
    RHETORICAL,
    asks,
    is_question,
    practical,
    read_paragraph,
    sentences,
    strip_lead_in,
)
from .sources import detect_format, split_front_matter

# Why something that ends in '?' was left out: a short label, and the rule in a sentence.
REASONS: dict[str, tuple[str, str]] = {
    HEADING: ("a heading", "it names a section: a heading mark, or a short Title Case line standing alone"),
    EXAMPLE: ("an example", "a quoted line the text gives as something said to someone, or as a question to move away from"),
    RHETORICAL: ("the writer's question", "it ends a paragraph but is not put to you: it speaks of no one "
                 "(no I, we or you), or it is a yes-or-no question checking in, such as 'Does this sound familiar?'"),
    DUPLICATE: ("a repeat", "the same question came earlier"),
    PRACTICAL: ("the day's business", "it asks a fact of the day (a lock, shopping, a time), or is a closed or "
                "impersonal question beside an errand such as 'Buy milk.'"),
}


@dataclass(frozen=True)
class Extracted:
    """What was found in a text: the questions in order, a title if the text has one, and what was left out."""

    questions: tuple[str, ...]
    title: str | None
    format: str  # "html", "markdown" or "text"
    left_out: tuple[tuple[str, str], ...] = field(default=())  # (reason, text); the reasons are REASONS' keys


def _title_near_the_top(blocks: list[Block]) -> str | None:
    """The first heading-like line near the top: a line standing alone that is in Title Case or does not
    end a sentence ('Prompts for a slow Sunday'), among the first few, before the article begins."""
    looked_at = 0
    for block in blocks:
        if block.kind != "paragraph":
            return None
        for unit in paragraph_units(block.lines[:20]):  # only the top matters, however long the block
            text = unit.text
            if unit.heading or (unit.lines == 1 and text and len(text) <= 80 and not ENDS_SENTENCE.search(text)):
                return text
            looked_at += 1
            # A one-line summary may come first; a question or a whole paragraph means the article has begun.
            if looked_at == 3 or "?" in text or len(text) > 160:
                return None
    return None


def _item_question(text: str) -> str | None:
    """What a list item asks: all of it, or, when it asks and then adds a remark ('... ? See the guide.'), what it asks."""
    text, _ = strip_lead_in(text)
    if is_question(text):
        return text
    return " ".join(s for s in sentences(text) if asks(s)) or None


def extract(text: str, fmt: str | None = None, name: str | None = None) -> Extracted:
    """The reflection questions in a text, in order, with numbering and Markdown stripped and repeats left out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    fmt = fmt or detect_format(text, name)
    title: str | None = None
    if fmt == "html":
        lines, title = html_to_lines(text)
    else:
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
        lines, title = split_front_matter(text.split("\n"))
    blocks, heading_title = text_blocks(lines)
    title = title or heading_title or _title_near_the_top(blocks)

    found: list[str] = []
    left_out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def keep(question: str) -> None:
        key = " ".join(question.casefold().split())
        if key in seen:
            left_out.append((DUPLICATE, question))
            return
        seen.add(key)
        # Notes are often written in lower case ('- what am I afraid of?'); a deck's line starts as a sentence.
        found.append(question[:1].upper() + question[1:])

    # Each piece of the text (a heading, an item, a paragraph's unit) with what it asks, so that a
    # question can be judged by its neighbours: "Did the bins go out?" beside "Buy milk." is an errand.
    pieces: list[tuple[str, list[tuple[str, str]]]] = []
    for block in blocks:
        if block.kind == "heading":
            cleaned = clean(" ".join(block.lines))
            pieces.append((cleaned, [(HEADING, cleaned)] if is_question(cleaned) else []))
        elif block.kind == "item":
            text = clean(" ".join(block.lines))
            question = _item_question(text)
            pieces.append((text, [(QUESTION, question)] if question else []))
        else:
            for unit in paragraph_units(block.lines):
                if unit.heading:
                    pieces.append((unit.text, [(HEADING, unit.text)] if is_question(unit.text) else []))
                else:
                    pieces.append((unit.text, read_paragraph(unit.text)))
    for index, (text, readings) in enumerate(pieces):
        beside = [*(p for p, _ in pieces[max(index - 1, 0):index]), *(p for p, _ in pieces[index + 1:index + 2]),
                  *(s for s in sentences(text) if not is_question(s))]
        for verdict, question in readings:
            if verdict == QUESTION and practical(question, beside):
                left_out.append((PRACTICAL, question))
            elif verdict == QUESTION:
                keep(question)
            else:
                left_out.append((verdict, question))
    return Extracted(tuple(found), title, fmt, tuple(left_out))
