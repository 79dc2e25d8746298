"""Turning an article or notes (plain text, Markdown or HTML) into a journal deck of its questions.

People paste questions in many shapes: numbered `1.` or `1)`, bulleted with `-`, `*` or `•`,
with blank lines between them, wrapped over several lines, indented, inside an HTML list, or as
lines of their own. A question is a list item that ends in `?`, or the sentences ending in `?`
at the end of a line or paragraph of its own. Headings that end in `?` (`# ...`, `<h2>`, a line
underlined with `===` or `---`, a short Title Case line) are titles, not questions. The order is
kept, numbering and Markdown are stripped to plain speakable text, and repeats are left out.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from . import catalog
from .errors import GuidedError, OutputError
from .script import parse_script


class NoQuestionsError(GuidedError):
    """The text holds nothing that reads as a reflection question."""


@dataclass(frozen=True)
class Extracted:
    """What was found in a text: the questions in order, a title if the text has one, and what was left out."""

    questions: tuple[str, ...]
    title: str | None
    format: str  # "html", "markdown" or "text"
    left_out: tuple[tuple[str, str], ...] = field(default=())  # (reason, text): "heading" or "duplicate"


@dataclass(frozen=True)
class Imported:
    id: str
    path: Path
    title: str
    questions: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    written: bool
    replaced: bool
    text: str  # the deck's script


# --- reading ----------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without a byte order mark), else Windows-1252, which never fails."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|body|ol|ul|li|p|h[1-6]|div|article|section|table)\b", re.I)


def detect_format(text: str, name: str | None = None) -> str:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".txt", ".text"):
        return "text"
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or len(_HTML_HINT.findall(text)) >= 2:
        return "html"
    if re.search(r"^\s{0,3}#{1,6}\s|\*\*|\]\(|^\s*[-*]\s", text, re.M):
        return "markdown"
    return "text"


# --- HTML to lines ----------------------------------------------------------------------------

_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "header",
           "main", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "pre", "figure", "figcaption", "hr",
           "details", "summary"}
# Page furniture (menus, footers, side notes) and things never read: their questions are not the article's.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "sup", "button", "select", "textarea", "iframe",
            "nav", "footer", "aside", "form"}


class _HtmlLines(HTMLParser):
    """Writes an HTML page as Markdown-like lines: `## heading`, `- item`, paragraphs, blank lines between."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.stack: list[str] = []
        self.buffer: list[str] = []
        self.skipping = 0
        self.title: str | None = None
        self.in_title = False
        self.title_parts: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        parts = [" ".join(part.split()) for part in text.split("\n")]
        parts = [p for p in parts if p]
        if not parts:
            return
        heading = next((t for t in reversed(self.stack) if re.fullmatch(r"h[1-6]", t)), None)
        if heading:
            words = " ".join(parts)
            if heading == "h1" and self.title is None:
                self.title = words
            self.lines += [f"{'#' * int(heading[1])} {words}", ""]
        elif "li" in self.stack:
            self.lines += ["- " + " ".join(parts), ""]
        else:
            # A <br> inside a paragraph is a line of its own, as people type questions one per line.
            self.lines += [*parts, ""]

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
            return
        if tag == "title":
            self.in_title = True
            return
        if tag == "br":
            self.buffer.append("\n")
            return
        if tag in _BLOCKS:
            self.flush()
            if tag != "hr":
                self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.buffer.append("\n")
        elif tag in _BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag == "title":
            self.in_title = False
            return
        if tag in _BLOCKS and tag != "hr":
            self.flush()
            # Close up to the matching tag: browsers forgive a missing </li> or </p>, and so do we.
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass

    def handle_data(self, data):
        if self.skipping:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        self.buffer.append(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        self.flush()
        if self.title is None and self.title_parts:
            self.title = " ".join("".join(self.title_parts).split()) or None


def html_to_lines(text: str) -> tuple[list[str], str | None]:
    parser = _HtmlLines()
    parser.feed(text)
    parser.close()
    return parser.lines, parser.title


# --- text and Markdown to blocks --------------------------------------------------------------

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
_ENDS_SENTENCE = re.compile(r"[.!?:;…][\"'”’)\]*_]*$")


@dataclass
class _Block:
    kind: str  # "heading", "item" or "paragraph"
    lines: list[str]
    indent: int = 0  # where an item's text starts


def _blocks(lines: list[str]) -> tuple[list[_Block], str | None]:
    blocks: list[_Block] = []
    current: _Block | None = None
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
            blocks.append(_Block("heading", [atx.group(2)]))
            if title is None and len(atx.group(1)) == 1:
                title = _clean(atx.group(2))
            current = None
            continue
        item = _ITEM.fullmatch(line)
        underlined = _UNDERLINE.fullmatch(following) and not item
        if underlined and not (current and current.kind == "item"):
            # A line underlined with === or --- is a heading (with the paragraph lines just before it).
            text = (current.lines if current and current.kind == "paragraph" else []) + [line.strip()]
            if current and current.kind == "paragraph":
                blocks.remove(current)
            blocks.append(_Block("heading", [" ".join(text)]))
            if title is None and following.strip().startswith("="):
                title = _clean(" ".join(text))
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
                    blocks.append(_Block("paragraph", [cell.strip()]))
            current = None
            continue
        if item:
            marker_end = len(item.group("indent")) + len(item.group("marker"))
            current = _Block("item", [item.group("text")], indent=marker_end + 1)
            blocks.append(current)
            continue
        indent = len(line) - len(line.lstrip())
        if current and current.kind == "item":
            # Indented under the item, or the item's sentence is not finished yet: a wrapped line.
            if indent >= min(current.indent, 2) or not _ENDS_SENTENCE.search(current.lines[-1]):
                current.lines.append(line.strip())
                continue
            current = None
        if current is None:
            current = _Block("paragraph", [])
            blocks.append(current)
        current.lines.append(line.strip())
    return blocks, title


# --- cleaning ---------------------------------------------------------------------------------

_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[\^[^\]]*\]"), ""),  # footnote references
    (re.compile(r"\[(\d{1,3}|citation needed)\]", re.I), ""),  # citation marks
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<(?:https?|mailto):[^>]*>"), ""),  # autolinks
    (re.compile(r"<!--.*?-->"), ""),
    (re.compile(r"</?[a-zA-Z][^>]*>"), ""),  # inline HTML
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!?>])"), r"\1"),
]
_LEADING = re.compile(r"^(?:\[[ xX]\]\s+|(?:\d{1,3}[.)]|[-*•])\s+|(?:q|question)\s*\d{0,3}\s*[:.)]\s*)+", re.I)
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")
# A sentence ends at . ! ? or … (and any closing quotes) before a space and a capital, or at the end.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(]?[A-Z0-9¿¡])|$)")
_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "with", "by",
                "from", "as", "vs", "via", "into", "up"}


def _clean(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = _LEADING.sub("", text)
    # Square brackets would read as directives in a script; a stray '<!--' as a comment.
    text = text.replace("<!--", "").replace("[", "(").replace("]", ")")
    text = text.replace("*", "")
    text = _strip_symbols(text)
    if len(text) >= 2 and text[0] in "\"“'‘" and text[-1] in "\"”'’":
        text = text[1:-1].strip()
    return text


def _strip_symbols(text: str) -> str:
    """Emoji, arrows and other symbols at either end of a line: bullets or decoration, never spoken."""
    import unicodedata

    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) in ("So", "Sm", "Sk", "Mn", "Cf")):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) in ("So", "Sm", "Sk", "Mn", "Cf")):
        end -= 1
    return text[start:end]


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
        if units and not _ENDS_SENTENCE.search(units[-1][-1]):
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
        lines = text.split("\n")
        if lines and lines[0].strip() == "---":  # front matter of a note: read its title, skip the rest
            end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
            if end is not None:
                for line in lines[1:end]:
                    match = re.match(r"\s*title\s*:\s*(.+)", line)
                    if match:
                        title = match.group(1).strip().strip("\"'") or None
                lines = lines[end + 1 :]
    blocks, heading_title = _blocks(lines)
    title = title or heading_title
    if title is None and blocks and blocks[0].kind == "paragraph" and len(blocks[0].lines) == 1:
        # Notes often start with a short line that names them: "Prompts for a slow Sunday".
        first = _clean(blocks[0].lines[0])
        if first and len(first) <= 80 and not _ENDS_SENTENCE.search(first):
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
            cleaned = _clean(" ".join(block.lines))
            if _is_question(cleaned):
                left_out.append(("heading", cleaned))
            continue
        if block.kind == "item":
            cleaned = _clean(" ".join(block.lines))
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
            cleaned = _clean(" ".join(unit))
            if not _is_question(cleaned):
                continue
            if len(units) == 1 and len(unit) == 1 and _title_case_heading(cleaned):
                left_out.append(("heading", cleaned))
                continue
            question = _trailing_questions(cleaned)
            if question:
                keep(question)
    return Extracted(tuple(found), title, fmt, tuple(left_out))


# --- the deck ---------------------------------------------------------------------------------

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


def import_questions(
    text: str,
    *,
    name: str | None = None,
    script_id: str | None = None,
    title: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    folder: Path | None = None,
) -> Imported:
    """Find the questions in `text` and write them as a journal deck in the user's script folder.

    `name` is where the text came from (a file name, or None for stdin): it helps tell HTML from
    Markdown and gives the default id and title. With `dry_run`, nothing is written.
    """
    extracted = extract(text, name=name)
    source = Path(name).name if name and name != "-" else None
    if not extracted.questions:
        where = source or "the text"
        headings = sum(1 for reason, _ in extracted.left_out if reason == "heading")
        also = f" (only {headings} heading{'s' if headings != 1 else ''} ending in '?')" if headings else ""
        raise NoQuestionsError(
            f"found no reflection questions in {where}{also}: a question is a list item, line or paragraph "
            "ending in '?', such as '1. What helps you feel safe?'"
        )
    deck_title = (title or extracted.title or _title_from_name(name) or "Imported questions").strip()
    if script_id is None:
        script_id = catalog.slug(title) if title else catalog.slug(
            Path(name).stem if source else deck_title, fallback="imported-questions"
        )
    catalog.check_id(script_id)
    folder = folder or catalog.user_dir()
    path = folder / f"{script_id}.md"
    deck = deck_text(deck_title, extracted.questions, source)
    # What we write must be a valid script; if the text defeated the cleaning, say so rather than write it.
    parse_script(deck, str(path))
    hiding = catalog.hidden_from_user_folder(script_id)
    if hiding is not None and not dry_run:
        raise OutputError(f"{script_id} is already in {hiding.path.parent}, which is searched before your script folder, "
                          "so a deck there would never be used; choose another id with --id")
    existing = catalog.exists(script_id)
    replaced = path.exists() or existing is not None
    if replaced and not force and not dry_run:
        what = f"{path}" if path.exists() else (
            "a built-in session" if existing.origin == catalog.BUILT_IN else str(existing.path))
        raise OutputError(f"{script_id} already exists ({what}); use --force to replace it, or --id to choose another id")
    if not dry_run:
        catalog.save(path, deck)
    return Imported(script_id, path, deck_title, extracted.questions, extracted.left_out, not dry_run, replaced, deck)
