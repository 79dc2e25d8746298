"""Finding answers across the journal by the words they hold (typed, or transcribed from speech).

Every word asked for must be in the answer; a word matches the words it begins (`trust` finds
trusted and trusting), whatever their case. Each answer found comes with a few words either side
of where it matches, and where those matches are in that excerpt, for a printer to mark.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .entry import entries
from .markdown import answers

CONTEXT_WORDS = 8
_WORD = re.compile(r"[\w'’]+")


@dataclass(frozen=True)
class Found:
    entry: Path
    date: str
    deck: str
    number: int
    question: str
    source: str  # "transcript" or "typed"
    audio: str | None  # the recording, beside the entry
    excerpt: str
    marks: tuple[tuple[int, int], ...]  # (start, end) of each matching word in the excerpt

    def as_dict(self) -> dict:
        data = asdict(self)
        data["entry"] = str(self.entry)
        data["marks"] = [list(m) for m in self.marks]
        return data


def terms(query: str | list[str] | tuple[str, ...]) -> list[str]:
    text = query if isinstance(query, str) else " ".join(query)
    return list(dict.fromkeys(w.lower().replace("’", "'") for w in _WORD.findall(text)))


def search(query: str | list[str] | tuple[str, ...], folder: Path | None = None,
           context_words: int = CONTEXT_WORDS) -> list[Found]:
    """Answers holding every word of `query`, newest sitting first, in question order."""
    wanted = terms(query)
    if not wanted:
        return []
    found = []
    for entry in sorted(entries(folder), key=lambda e: (e.date, e.path.name), reverse=True):
        try:
            markdown = entry.path.read_text(encoding="utf-8")
        except OSError:
            continue
        for answer in answers(markdown):
            for source, text in (("transcript", answer.transcript or ""), ("typed", answer.typed)):
                hit = _match(text, wanted, context_words)
                if hit:
                    date = entry.date.replace(" ", "T", 1)  # YAML reads the date back as a datetime
                    found.append(Found(entry.path, date, entry.deck, answer.number, answer.question, source,
                                       answer.audio, *hit))
    return found


def _match(text: str, wanted: list[str], context_words: int) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    words = list(_WORD.finditer(text))
    lowered = [w.group().lower().replace("’", "'") for w in words]
    hits = [i for i, w in enumerate(lowered) if any(w.startswith(t) for t in wanted)]
    if not hits or not all(any(lowered[i].startswith(t) for i in hits) for t in wanted):
        return None
    first = max(0, hits[0] - context_words)
    last = min(len(words) - 1, max(i for i in hits if i - hits[0] <= 2 * context_words) + context_words)
    start, end = words[first].start(), words[last].end()
    excerpt = " ".join(text[start:end].split())
    prefix = "… " if first > 0 else ""
    suffix = " …" if last < len(words) - 1 else ""
    # Find the marks again in the excerpt, whose spaces were evened out.
    marks = []
    for w in _WORD.finditer(excerpt):
        if any(w.group().lower().replace("’", "'").startswith(t) for t in wanted):
            marks.append((len(prefix) + w.start(), len(prefix) + w.end()))
    return prefix + excerpt + suffix, tuple(marks)
