"""Turning an article or notes (plain text, Markdown or HTML) into a journal deck of its questions.

The rooms, in the order the text goes through them:
- `sources`: bytes to text, the text's format, a note's front matter;
- `html_lines`: a web page as Markdown-like lines;
- `blocks`: lines as headings, list items and paragraphs, and paragraphs as a reader's units;
- `cleaning`: Markdown and decoration off, plain words to speak;
- `reading`: the rules for prose: headings, quotations, lead-ins, the writer's own questions;
- `extraction`: the questions in order, the title, and what is left out and why (`REASONS`);
- `deck`: the journal deck's script, written to the user's script folder.
"""

from __future__ import annotations

from .deck import Imported, NoQuestionsError, deck_text, import_questions
from .extraction import REASONS, Extracted, extract
from .sources import MOST_BYTES, decode, detect_format, read_source

__all__ = [
    "MOST_BYTES",
    "REASONS",
    "Extracted",
    "Imported",
    "NoQuestionsError",
    "decode",
    "deck_text",
    "detect_format",
    "extract",
    "import_questions",
    "read_source",
]
