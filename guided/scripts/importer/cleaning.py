"""Markdown, HTML entities, list numbering and decoration off a piece of text: plain words to speak."""

from __future__ import annotations

import html
import re
import unicodedata

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


def clean(text: str) -> str:
    """`text` as plain speakable words: no Markdown, entities, numbering, decoration or enclosing quotes."""
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = _LEADING.sub("", text)
    # Square brackets would read as directives in a script; a stray '<!--' as a comment.
    text = text.replace("<!--", "").replace("[", "(").replace("]", ")")
    text = text.replace("*", "")
    text = strip_symbols(text)
    if len(text) >= 2 and text[0] in "\"“'‘" and text[-1] in "\"”'’":
        text = text[1:-1].strip()
    return text


def strip_symbols(text: str) -> str:
    """Emoji, arrows and other symbols at either end of a line: bullets or decoration, never spoken."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) in ("So", "Sm", "Sk", "Mn", "Cf")):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) in ("So", "Sm", "Sk", "Mn", "Cf")):
        end -= 1
    return text[start:end]
