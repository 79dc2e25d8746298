"""One journal entry's Markdown read back and edited: its answers, their recordings, typed text
and transcripts.

The entry is written for people first (guided/journal.py writes it); this module knows the few
lines a program needs to find in it again. A transcript sits under the link to its recording:

    [Listen to your answer](2026-05-01-081500-trust-questions-q01.wav)

    *Transcript* ([word timings](2026-05-01-081500-trust-questions-q01.vtt)):

    > I learned to trust slowly, because promises were often broken
    > when I was small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LISTEN = "Listen to your answer"
NOTHING_HEARD = "*(no words were heard)*"

_SECTION = re.compile(r"^## (\d+)\. (.*)$", re.M)
_LINK = re.compile(r"^\[" + LISTEN + r"\]\(([^)\n]+)\)[ \t]*$", re.M)
_MARK = re.compile(r"^\*Transcript\*(?: \(\[word timings\]\(([^)\n]+)\)\))?:[ \t]*$")


def transcript_lines(text: str, timings: str | None) -> list[str]:
    """The transcript block as lines, from a blank line before it to its last quoted line."""
    mark = f"*Transcript* ([word timings]({timings})):" if timings else "*Transcript*:"
    body = [line.strip() for line in text.strip().splitlines() if line.strip()] or [NOTHING_HEARD]
    return ["", mark, "", *(f"> {line}" for line in body)]


@dataclass(frozen=True)
class AnswerText:
    """What one answer in an entry holds, as read from its Markdown."""

    number: int
    question: str
    status: str  # the italic line under the question, without its stars
    audio: str | None  # the recording's file name, beside the entry
    transcript: str | None  # None: not transcribed (yet); "" transcribed, no words heard
    timings: str | None  # the .vtt file name beside the entry
    typed: str  # an answer typed in the terminal (or words the person added by hand)

    @property
    def text(self) -> str:
        """Everything the person said or wrote in answer, for reading and searching."""
        return "\n".join(t for t in (self.typed, self.transcript or "") if t)


def answers(markdown: str) -> list[AnswerText]:
    """The answers of an entry, in the order they appear."""
    body = _strip_front_matter(markdown)
    found = []
    sections = list(_SECTION.finditer(body))
    for index, section in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(body)
        found.append(_answer(int(section.group(1)), section.group(2).strip(), body[section.end():end]))
    return found


def _strip_front_matter(markdown: str) -> str:
    if markdown.startswith("---"):
        parts = markdown.split("\n---", 1)  # the closing line of the front matter
        if len(parts) == 2:
            return parts[1]
    return markdown


def _answer(number: int, question: str, text: str) -> AnswerText:
    lines = text.strip("\n").splitlines()
    status = ""
    audio = transcript = timings = None
    typed: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        link = _LINK.match(line)
        mark = _MARK.match(line)
        if not status and line.startswith("*") and line.rstrip().endswith("*") and not mark:
            status = line.strip().strip("*")
        elif link:
            audio = link.group(1)
        elif mark and transcript is None:
            timings = mark.group(1)
            quoted, i = _quoted_after(lines, i + 1)
            transcript = "" if quoted == [NOTHING_HEARD] else "\n".join(quoted)
            continue
        elif line.strip():
            typed.append(line.rstrip())
        i += 1
    return AnswerText(number, question, status, audio, transcript, timings, "\n".join(typed).strip())


def _quoted_after(lines: list[str], i: int) -> tuple[list[str], int]:
    """The `> ` lines of a block quote starting at or after blank lines from `i`; and the index after it."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    quoted = []
    while i < len(lines) and lines[i].startswith(">"):
        quoted.append(lines[i][1:].strip())
        i += 1
    return [q for q in quoted if q], i


def with_transcript(markdown: str, audio: str, text: str, timings: str | None) -> str:
    """The entry with the transcript of recording `audio` under its link (replacing one already
    there), so writing the same transcript twice leaves the entry as it was."""
    for link in _LINK.finditer(markdown):
        if link.group(1) != audio:
            continue
        before, after = markdown[: link.end()], markdown[link.end():]
        rest = after.split("\n")
        # rest[0] is what follows the link on its line (nothing); an old transcript may come next.
        j = 1
        while j < len(rest) and not rest[j].strip():
            j += 1
        if j < len(rest) and _MARK.match(rest[j]):
            _, end = _quoted_after(rest, j + 1)
            rest = rest[:1] + rest[end:]
        block = transcript_lines(text, timings)
        return before + "\n".join([rest[0], *block, *rest[1:]])
    raise ValueError(f"the entry has no link to {audio}")
