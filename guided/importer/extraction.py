"""Finding the reflection questions in a text: which blocks and sentences ask, which are headings or repeats."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import ENDS_SENTENCE, text_blocks
from .cleaning import clean
from .html_lines import html_to_lines
from .sources import detect_format, split_front_matter


@dataclass(frozen=True)
class Extracted:
    """What was found in a text: the questions in order, a title if the text has one, and what was left out."""

    questions: tuple[str, ...]
    title: str | None
    format: str  # "html", "markdown" or "text"
    left_out: tuple[tuple[str, str], ...] = field(default=())  # (reason, text): "heading" or "duplicate"


_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")
# A sentence ends at . ! ? or … (and any closing quotes) before a space and a capital, or at the end.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(]?[A-Z0-9¿¡])|$)")
_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "with", "by",
                "from", "as", "vs", "via", "into", "up"}


def _is_question(text: str) -> bool:
    return bool(_QUESTION_END.search(text)) and any(ch.isalpha() for ch in text)


def _title_case_heading(text: str) -> bool:
    """A short line in Title Case, such as 'What Is Trust?': a heading, not a question."""
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    if not 2 <= len(words) <= 8:
        return False
    rest = [w for w in words[1:] if w.lower() not in _SMALL_WORDS or not w[0].islower()]
    return all(w[0].isupper() for w in words[:1] + rest) and any(len(w) >= 4 and w[0].isupper() for w in words[1:])


def _units(lines: list[str]) -> list[list[str]]:
    """A paragraph's lines joined where one was wrapped onto the next: a line that does not end a
    sentence goes on with the next line."""
    units: list[list[str]] = []
    for line in lines:
        if units and not ENDS_SENTENCE.search(units[-1][-1]):
            units[-1].append(line)
        else:
            units.append([line])
    return units


def _trailing_questions(text: str) -> str:
    """The sentences at the end of a paragraph that end in '?': the question it asks."""
    sentences = _SENTENCE.findall(text)
    kept: list[str] = []
    for sentence in reversed(sentences):
        if not _is_question(sentence.strip()):
            break
        kept.insert(0, sentence.strip())
    return " ".join(kept)


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
    title = title or heading_title
    if title is None and blocks and blocks[0].kind == "paragraph" and len(blocks[0].lines) == 1:
        # Notes often start with a short line that names them: "Prompts for a slow Sunday".
        first = clean(blocks[0].lines[0])
        if first and len(first) <= 80 and not ENDS_SENTENCE.search(first):
            title = first

    found: list[str] = []
    left_out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def keep(question: str) -> None:
        key = " ".join(question.casefold().split())
        if key in seen:
            left_out.append(("duplicate", question))
            return
        seen.add(key)
        found.append(question)

    for block in blocks:
        if block.kind == "heading":
            cleaned = clean(" ".join(block.lines))
            if _is_question(cleaned):
                left_out.append(("heading", cleaned))
            continue
        if block.kind == "item":
            cleaned = clean(" ".join(block.lines))
            if _is_question(cleaned):
                keep(cleaned)
            else:
                # An item that asks and then adds a remark ("... ? See the guide."): keep what it asks.
                asked = " ".join(s for s in _SENTENCE.findall(cleaned) if _is_question(s))
                if asked:
                    keep(asked)
            continue
        units = _units(block.lines)
        for unit in units:
            cleaned = clean(" ".join(unit))
            if not _is_question(cleaned):
                continue
            if len(units) == 1 and len(unit) == 1 and _title_case_heading(cleaned):
                left_out.append(("heading", cleaned))
                continue
            question = _trailing_questions(cleaned)
            if question:
                keep(question)
    return Extracted(tuple(found), title, fmt, tuple(left_out))
