"""HTML to Markdown-like lines: headings as `## ...`, list items as `- ...`, paragraphs between blank lines.

Page furniture (menus, footers, side notes) and anything never read (scripts, styles) is dropped,
so the questions found are the article's own.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "header",
           "main", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "pre", "figure", "figcaption", "hr",
           "details", "summary"}
# Page furniture (menus, footers, side notes) and things never read: their questions are not the article's.
_SKIPPED = {"script", "style", "noscript", "template", "svg", "sup", "button", "select", "textarea", "iframe",
            "nav", "footer", "aside", "form"}


class HtmlLines(HTMLParser):
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
    """The page as lines, and its title: the first <h1>, else the <title>."""
    parser = HtmlLines()
    parser.feed(text)
    parser.close()
    return parser.lines, parser.title
