"""A script's body: the lines after the front matter, parsed into cues.

Plain lines are spoken, a blank line is a short natural pause, `## Title` starts a section, a
numbered list holds questions, and `[pause 3s..8s]`, `[bell]`, `[sit 10m, bell every 5m]` and
`[breathe in 4s, out 6s, x5]` are directives; `<!-- comments -->` are skipped. Every mistake is a
ScriptError naming the line and column.
"""

from __future__ import annotations

import difflib
import re

from ...errors import ScriptError
from .durations import DURATION_HINT, format_ms, parse_duration_ms, parse_span
from .model import (
    BLANK_LINE_MS,
    DIRECTIVES,
    MAX_PAUSE_MS,
    MAX_REFLECT_MS,
    MAX_SIT_MS,
    PLACEHOLDERS,
    Bell,
    Breathe,
    Cue,
    LongSitting,
    Pause,
    Question,
    Say,
    Section,
    Sit,
    Span,
)


def parse_body(lines: list[str], first: int, path: str, kind: str, reflect: Span) -> tuple[Cue, ...]:
    """The cues of ``lines[first:]``; ``kind`` and ``reflect`` come from the front matter (a journal
    deck needs questions; ``reflect`` is each question's time to reflect unless it says its own).
    Raises the first ScriptError, carrying the others in its ``also``."""
    cues, problems = read_body(lines, first, path, kind, reflect)
    if problems:
        raise ScriptError(problems[0].path, problems[0].line, problems[0].column, problems[0].detail, problems[1:])
    return cues


def read_body(lines: list[str], first: int, path: str, kind: str,
              reflect: Span) -> tuple[tuple[Cue, ...], tuple[ScriptError, ...]]:
    """The cues that could be read, and every mistake, in order. A mistake costs its directive (or
    its line, when the line itself is malformed) and reading goes on, so an author sees all of
    them at once; an unclosed comment hides the rest of the file, and ends the reading there."""
    parser = _Body(lines, path, kind, reflect)
    try:
        parser.body(first)
    except ScriptError as exc:
        parser.problems.append(exc)
    return tuple(parser.cues), tuple(parser.problems)


_HEADING = re.compile(r"#+")
_QUESTION = re.compile(r"(\s*)(\d+)[.)]\s+")
_BELL_EVERY = re.compile(r"bell(?:\s+([a-z][a-z0-9-]*))?\s+every\s+(.+)")


# The most words one phrase is rendered from: a spoken line runs to a few dozen. A longer one (a
# pasted paragraph) is rendered in phrases of at most this many, cut where its sentences or clauses
# end, so the memory a clip takes does not grow with the line (600 words at --rate 60 is ten minutes).
LONGEST_PHRASE_WORDS = 60


def phrases(text: str, most: int = LONGEST_PHRASE_WORDS) -> list[str]:
    """`text` as one phrase, or, beyond `most` words, as phrases of at most `most` words, cut after
    sentences, then clauses, then (a clause that long has no place to breathe) every `most` words."""
    if len(text.split()) <= most:
        return [text]
    pieces = []
    for sentence in re.split(r"(?<=[.!?;:])\s+", text.strip()):
        for clause in re.split(r"(?<=,)\s+", sentence) if len(sentence.split()) > most else [sentence]:
            words = clause.split()
            pieces.extend(" ".join(words[i:i + most]) for i in range(0, len(words), most))
    joined: list[str] = []
    for piece in pieces:
        if joined and len(joined[-1].split()) + len(piece.split()) <= most:
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
    return joined


class _Body:
    def __init__(self, lines: list[str], path: str, kind: str, reflect: Span) -> None:
        self.path = path
        self.lines = lines
        self.kind = kind
        self.cues: list[Cue] = []
        self.reflect = reflect
        self.question_count = 0
        self.problems: list[ScriptError] = []

    def error(self, line: int, column: int, message: str) -> ScriptError:
        return ScriptError(self.path, line, column, message)

    def body(self, first: int) -> None:
        last = len("\n".join(self.lines).rstrip().split("\n"))  # the last line with anything on it
        lines = _blank_comments(self.lines, first, self.error)
        index = first
        pending_blank = False
        while index < len(lines):
            number = index + 1
            raw = lines[index].rstrip()
            index += 1
            if not raw.strip():
                pending_blank = bool(self.cues)
                continue
            if pending_blank:
                self.cues.append(Pause(Span.fixed(BLANK_LINE_MS), number - 1, natural=True))
                pending_blank = False
            stripped = raw.lstrip()
            indent = len(raw) - len(stripped)
            match = _QUESTION.match(raw)
            parts = [(raw, number)]
            if match and not stripped.startswith("#"):
                # Continuation lines are indented under the item and carry no directive of their own.
                while index < len(lines):
                    following = lines[index]
                    if not following.strip() or len(following) - len(following.lstrip()) < 2:
                        break
                    if _QUESTION.match(following) or following.lstrip().startswith(("[", "#")):
                        break
                    parts.append((following, index + 1))
                    index += 1
            try:
                if stripped.startswith("#"):
                    self.heading(stripped, number, indent)
                elif match:
                    self.question(match, parts)
                else:
                    self.spoken_line(raw, number)
            except ScriptError as exc:  # this line is lost; the next ones are still read
                self.problems.append(exc)
        if self.problems:  # "needs a question" or "nothing to say" may only be the lines just lost
            return
        if self.question_count == 0 and self.kind == "journal":
            raise self.error(
                last, 1,
                "a journal deck needs at least one numbered question, such as '1. What helps you feel safe?'",
            )
        if not any(isinstance(c, (Say, Question, Sit, Pause, Bell, Breathe)) for c in self.cues):
            raise self.error(last, 1, "expected something to say after the front matter")

    def heading(self, stripped: str, number: int, indent: int) -> None:
        hashes = _HEADING.match(stripped).group(0)
        title = stripped[len(hashes) :].strip()
        if hashes != "##" or not stripped[len(hashes) :].startswith(" ") or not title:
            raise self.error(number, indent + 1, "expected a section heading written as '## Title'")
        if "[" in title or "]" in title:
            column = indent + 1 + stripped.index("[" if "[" in title else "]")
            raise self.error(number, column, "a section heading cannot hold directives")
        self.cues.append(Section(title, number))

    def question(self, match: re.Match, parts: list[tuple[str, int]]) -> None:
        first_line, number = parts[0]
        declared = int(match.group(2))
        expected = self.question_count + 1
        # Counted from the number written, even when this question is lost to a mistake, so that
        # one slip is reported once and not again at every question after it.
        self.question_count = declared
        if declared != expected:
            raise self.error(number, len(match.group(1)) + 1, f"expected question number {expected}, found {declared}")
        reflect = self.reflect
        texts: list[str] = []
        for position, (text, line) in enumerate(parts):
            start = match.end() if position == 0 else len(text) - len(text.lstrip())
            for kind, value, column in _segments(text, start, line, self.error):
                if kind == "text":
                    texts.append(value)
                    continue
                name, argument = value
                if name != "pause" or position != len(parts) - 1:
                    raise self.error(
                        line, column, "a question may end with one [pause ...] for its time to reflect, nothing else"
                    )
                reflect = self.pause_span(argument, line, column, MAX_REFLECT_MS)
        text = " ".join(" ".join(texts).split())
        if not text:
            raise self.error(number, match.end() + 1, "expected the question's text after its number")
        for part, line in parts:
            self.placeholders(part, part, line)
        self.cues.append(Question(expected, text, reflect, number))

    def spoken_line(self, raw: str, number: int) -> None:
        for kind, value, column in _segments(raw, 0, number, self.error):
            if kind == "text":
                if not any(c.isalnum() for c in value) and value.strip():
                    # "...", a dash, "( )" or an invisible character: a speech engine says nothing,
                    # and a session cannot be made of nothing.
                    shown = value.strip()[:20].encode("unicode_escape").decode() if not value.strip().isprintable() \
                        else value.strip()[:20]
                    raise self.error(number, column, f"nothing here can be spoken: {shown!r}; write words, "
                                                         "or use [pause 2s] for a silence")
                self.placeholders(value, raw, number)
                self.cues.extend(Say(phrase, number) for phrase in phrases(value))
            else:
                try:
                    self.directive(value[0], value[1], number, column)
                except ScriptError as exc:  # one directive lost; the line's others are still read
                    self.problems.append(exc)

    def directive(self, name: str, argument: str, line: int, column: int) -> None:
        # `column` is where '[' stands; the argument's column is that of its first visible character.
        argument_column = column + 1 + len(name) + len(argument) - len(argument.lstrip())
        argument = argument.strip()
        if name == "pause":
            self.cues.append(Pause(self.pause_span(argument, line, argument_column, MAX_PAUSE_MS), line))
        elif name == "bell":
            bell = argument.strip() or None
            if bell is not None and not re.fullmatch(r"[A-Za-z0-9._/~ -]+", bell):
                raise self.error(line, argument_column, f"expected a bell name such as bowl, found {bell!r}")
            self.cues.append(Bell(bell, line))
        elif name == "sit":
            self.sit(argument, line, argument_column)
        elif name == "breathe":
            self.breathe(argument, line, argument_column)
        elif name == "long" and argument.lower() == "sitting":
            if self.question_count:
                raise self.error(line, column, "[long sitting] belongs in a deck's opening, before its first question")
            self.cues.append(LongSitting(line))
        else:
            near = difflib.get_close_matches(name.lower(), DIRECTIVES, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else f"; expected one of {', '.join(DIRECTIVES)}"
            raise self.error(line, column + 1, f"unknown directive {name!r}{hint}")

    def placeholders(self, text: str, raw: str, line: int) -> None:
        """Every `{word}` in a spoken line must be one the session can fill in."""
        for found in re.finditer(r"\{[^{}]*\}", text):
            if found.group(0) not in PLACEHOLDERS:
                close = difflib.get_close_matches(found.group(0), PLACEHOLDERS, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}?" if close else f"a spoken line may hold {' or '.join(PLACEHOLDERS)}"
                column = raw.find(found.group(0)) + 1 or 1
                raise self.error(line, column, f"unknown placeholder {found.group(0)}; {hint}")

    def pause_span(self, argument: str, line: int, column: int, limit_ms: int) -> Span:
        span = parse_span(argument)
        if isinstance(span, str):
            raise self.error(line, column, span)
        if span.high > limit_ms:
            raise self.error(line, column, f"a pause lasts at most {format_ms(limit_ms)}, found {argument.strip()}")
        return span

    def sit(self, argument: str, line: int, column: int) -> None:
        length_text, _, rest = argument.partition(",")
        span = self.pause_span(length_text, line, column, MAX_SIT_MS)
        every = None
        bell = None
        if rest.strip():
            rest_column = column + len(length_text) + 1 + (len(rest) - len(rest.lstrip()))
            match = _BELL_EVERY.fullmatch(rest.strip())
            if not match:
                raise self.error(line, rest_column, f"expected 'bell every 5m' after the sitting's length, found {rest.strip()!r}")
            bell = match.group(1)
            every = parse_duration_ms(match.group(2))
            if every is None or every <= 0:
                raise self.error(line, rest_column, f"expected {DURATION_HINT} after 'every', found {match.group(2)!r}")
            if every < 10_000:
                raise self.error(line, rest_column, "interval bells ring at most every 10s")
        self.cues.append(Sit(span, every, bell, line))

    def breathe(self, argument: str, line: int, column: int) -> None:
        phases: list[tuple[str, int]] = []
        repeats = 1
        offset = column
        for part in argument.split(","):
            words = part.split()
            part_column = offset + len(part) - len(part.lstrip())
            offset += len(part) + 1
            if len(words) == 1 and re.fullmatch(r"x\d+", words[0]):
                repeats = int(words[0][1:])
                if not 1 <= repeats <= 100:
                    raise self.error(line, part_column, "expected between x1 and x100 repetitions")
                continue
            if len(words) != 2 or words[0] not in ("in", "hold", "out"):
                raise self.error(
                    line, part_column, f"expected a phase such as 'in 4s', 'hold 2s', 'out 6s' or a count such as 'x5', found {part.strip()!r}"
                )
            ms = parse_duration_ms(words[1])
            if ms is None or not 1000 <= ms <= 30_000:
                raise self.error(line, part_column, f"expected a phase length from 1s to 30s, found {words[1]!r}")
            phase = words[0]
            if phase == "hold" and phases and phases[-1][0] == "out":
                phase = "rest"
            phases.append((phase, ms))
        names = [p for p, _ in phases]
        if "in" not in names or "out" not in names:
            raise self.error(line, column, "a breathing pattern needs at least 'in' and 'out', such as [breathe in 4s, out 6s, x5]")
        self.cues.append(Breathe(tuple(phases), repeats, line))


def _blank_comments(lines: list[str], first: int, error) -> list[str]:
    """Replace <!-- comments --> with spaces so that later columns still point at the right place."""
    out = list(lines)
    index = first
    while index < len(out):
        line = out[index]
        start = line.find("<!--")
        if start < 0:
            index += 1
            continue
        end_line, end = index, line.find("-->", start + 4)
        while end < 0:
            end_line += 1
            if end_line >= len(out):
                raise error(index + 1, start + 1, "comment opened with '<!--' is never closed by '-->'")
            end = out[end_line].find("-->")
        if end_line == index:
            out[index] = line[:start] + " " * (end + 3 - start) + line[end + 3 :]
            continue
        out[index] = line[:start]
        for middle in range(index + 1, end_line):
            out[middle] = ""
        out[end_line] = " " * (end + 3) + out[end_line][end + 3 :]
        index = end_line
    return out


def _segments(text: str, start: int, line: int, error):
    """Split a line into ("text", words, column) and ("directive", (name, argument), column) parts."""
    position = start
    while position < len(text):
        opening = text.find("[", position)
        closing = text.find("]", position)
        if closing >= 0 and (opening < 0 or closing < opening):
            raise error(line, closing + 1, "found ']' without an opening '['")
        chunk = text[position : opening if opening >= 0 else len(text)]
        if chunk.strip():
            yield "text", " ".join(chunk.split()), position + len(chunk) - len(chunk.lstrip()) + 1
        if opening < 0:
            return
        closing = text.find("]", opening)
        nested = text.find("[", opening + 1)
        if closing < 0 or (0 <= nested < closing):
            raise error(line, opening + 1, "expected ']' to close the directive opened here")
        inner = text[opening + 1 : closing]
        name = inner.strip().split(" ", 1)[0] if inner.strip() else ""
        if not name:
            raise error(line, opening + 2, f"expected a directive ({', '.join(DIRECTIVES)}) inside '[ ]'")
        lead = len(inner) - len(inner.lstrip())
        argument = inner.lstrip()[len(name) :]
        yield "directive", (name.lower(), argument), opening + 1 + lead
        position = closing + 1
