"""Plain text and Markdown as blocks: headings, list items and paragraphs, each with its lines.

Fenced code is skipped; a quoted block (`>`) reads like any other; each cell of a Markdown table is
a paragraph of its own; a line underlined with `===` or `---` is a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cleaning import clean
from .reading import title_case_heading

_ITEM = re.compile(
    r"(?P<indent>\s*)(?P<marker>\(?\d{1,3}[.)]|\(\d{1,3}\)|q\d{1,3}[.:)]|question\s+\d{1,3}[.:)]|[-*+•◦▪●·–—])\s+(?P<text>.*)",
    re.I,
)
_ATX = re.compile(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*")
_UNDERLINE = re.compile(r"\s{0,3}(=+|-+)\s*")
_RULE = re.compile(r"\s{0,3}([-*_])(\s*\1){2,}\s*")
_QUOTE = re.compile(r"^\s*(>\s?)+")
_TABLE_ROW = re.compile(r"\s*\|.*\|\s*")
_FENCE = re.compile(r"\s{0,3}(```|~~~)")
ENDS_SENTENCE = re.compile(r"[.!?:;…][\"'”’)\]*_]*$")
# A list item that ends on a word a sentence can end on, then a line that is a question on its own
# ('Why is the printer always broken?'): notes seldom end an item with a full stop.
_OWN_QUESTION_AFTER = re.compile(
    r".*\b(?!(?:a|an|the|and|or|but|of|to|in|on|at|by|for|with|from|that|when|if|as|my|your|our|their|his|her|"
    r"is|are|was|were|be|about|into|than)\n)[^\W\d_]+\n"
    r"(?:What|When|Where|Who|Why|How|Which|Am|Is|Are|Was|Were|Do|Does|Did|Can|Could|Would|Will|Should|Have|Has)"
    r"\b[^\n]*\?[\"'”’)]*", re.S)


@dataclass
class Block:
    """Lines that belong together; mutable only while `text_blocks` gathers a wrapped item's lines."""

    kind: str  # "heading", "item" or "paragraph"
    lines: list[str]
    indent: int = 0  # where an item's text starts


def text_blocks(lines: list[str]) -> tuple[list[Block], str | None]:
    """The blocks of a text's lines, and its title: the first `# heading` or line underlined with `===`."""
    blocks: list[Block] = []
    current: Block | None = None
    title: str | None = None
    fenced = False
    index = 0
    while index < len(lines):
        raw = lines[index].replace("\t", "    ").rstrip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        index += 1
        if _FENCE.match(raw):
            fenced = not fenced
            current = None
            continue
        if fenced:
            continue
        line = _QUOTE.sub("", raw, count=1)  # a quoted block reads like any other
        if not line.strip():
            current = None
            continue
        atx = _ATX.fullmatch(line)
        if atx:
            blocks.append(Block("heading", [atx.group(2)]))
            if title is None and len(atx.group(1)) == 1:
                title = clean(atx.group(2))
            current = None
            continue
        item = _ITEM.fullmatch(line)
        underlined = _UNDERLINE.fullmatch(following) and not item
        if underlined and not (current and current.kind == "item"):
            # A line underlined with === or --- is a heading (with the paragraph lines just before it).
            text = (current.lines if current and current.kind == "paragraph" else []) + [line.strip()]
            if current and current.kind == "paragraph":
                blocks.remove(current)
            blocks.append(Block("heading", [" ".join(text)]))
            if title is None and following.strip().startswith("="):
                title = clean(" ".join(text))
            current = None
            index += 1
            continue
        if _RULE.fullmatch(line):
            current = None
            continue
        if _TABLE_ROW.fullmatch(line):
            # Each cell of a Markdown table is read on its own; the |---| row under the header is not.
            for cell in line.strip().strip("|").split("|"):
                if cell.strip() and not re.fullmatch(r"\s*:?-+:?\s*", cell):
                    blocks.append(Block("paragraph", [cell.strip()]))
            current = None
            continue
        if item:
            marker_end = len(item.group("indent")) + len(item.group("marker"))
            current = Block("item", [item.group("text")], indent=marker_end + 1)
            blocks.append(current)
            continue
        indent = len(line) - len(line.lstrip())
        if current and current.kind == "item":
            # Indented under the item, or the item's sentence is not finished yet: a wrapped line;
            # unless the item is a whole note ('print the tickets') and the line a question of its own.
            unfinished = not ENDS_SENTENCE.search(current.lines[-1]) and not _OWN_QUESTION_AFTER.fullmatch(
                current.lines[-1] + "\n" + line.strip())
            if indent >= min(current.indent, 2) or unfinished:
                current.lines.append(line.strip())
                continue
            current = None
        if current is None:
            current = Block("paragraph", [])
            blocks.append(current)
        current.lines.append(line.strip())
    return blocks, title


_STARTS_SENTENCE = re.compile(r"\s*[\"'“‘(«]?[A-Z0-9¿¡]")


@dataclass(frozen=True)
class Unit:
    """A paragraph as a reader sees it: its words cleaned (wrapped lines joined), how many lines, and
    whether it is a heading."""

    text: str
    lines: int
    heading: bool = False


def paragraph_units(lines: list[str]) -> list[Unit]:
    """A block's lines as units: a line that does not end a sentence was wrapped and goes on with the
    next; a short Title Case line between sentences is a heading of its own.

    Text pasted from a web page often has no blank lines at all, one paragraph a line, so a heading
    is told from its neighbours: the line before it ended a sentence (or is a heading) and the line
    after it starts one.
    """
    units: list[list[str]] = []
    headings: list[bool] = []
    cleaned: list[str | None] = []  # a one-line unit's words, when the heading test already cleaned them
    for index, line in enumerate(lines):
        after_a_break = not units or headings[-1] or ENDS_SENTENCE.search(units[-1][-1])
        before_a_start = index + 1 == len(lines) or _STARTS_SENTENCE.match(lines[index + 1])
        words = clean(line) if after_a_break and before_a_start else None
        if units and not after_a_break:
            units[-1].append(line)
            cleaned[-1] = None
        else:
            units.append([line])
            headings.append(words is not None and title_case_heading(words))
            cleaned.append(words)
    return [Unit(words if words is not None else clean(" ".join(unit)), len(unit), heading)
            for unit, heading, words in zip(units, headings, cleaned, strict=True)]
