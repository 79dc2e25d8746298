"""The script language: text in, an immutable `Script` out, or one `ScriptError` naming FILE:LINE:COL.

Parsing never touches audio. The language is described for authors in docs/script-format.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ScriptError

KINDS = ("meditation", "talk", "journal", "affirmations", "series", "sit")
FRONT_MATTER_KEYS = ("title", "kind", "description", "background", "series", "part", "reflect")
DIRECTIVES = ("pause", "bell", "breathe", "sit")

MAX_PAUSE_MS = 60 * 60 * 1000
MAX_SIT_MS = 3 * 60 * 60 * 1000
MAX_REFLECT_MS = 60 * 60 * 1000
BLANK_LINE_MS = 1000


@dataclass(frozen=True)
class Span:
    """A length of time in milliseconds that may stretch between `low` and `high`."""

    low: int
    high: int

    @property
    def nominal(self) -> int:
        return (self.low + self.high) // 2

    @property
    def stretchable(self) -> bool:
        return self.high > self.low

    @classmethod
    def fixed(cls, ms: int) -> Span:
        return cls(ms, ms)


@dataclass(frozen=True)
class Say:
    """One spoken phrase: a caption of its own."""

    text: str
    line: int
    # A breathing cue owns a slot of fixed length; plain speech has none (0).
    slot_ms: int = 0


@dataclass(frozen=True)
class Pause:
    span: Span
    line: int
    natural: bool = False  # a blank line, not a written [pause]


@dataclass(frozen=True)
class Bell:
    name: str | None  # None: the default bell
    line: int


@dataclass(frozen=True)
class Section:
    title: str
    line: int


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    reflect: Span
    line: int


@dataclass(frozen=True)
class Sit:
    span: Span
    bell_every_ms: int | None
    bell: str | None
    line: int


@dataclass(frozen=True)
class Breathe:
    phases: tuple[tuple[str, int], ...]  # ("in" | "hold" | "out" | "rest", milliseconds)
    repeats: int
    line: int


Cue = Say | Pause | Bell | Section | Question | Sit | Breathe


@dataclass(frozen=True)
class Script:
    path: str
    title: str
    kind: str
    cues: tuple[Cue, ...]
    description: str = ""
    background: str | None = None
    series: str | None = None
    part: int | None = None
    reflect: Span = field(default_factory=lambda: Span(15_000, 45_000))

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(c for c in self.cues if isinstance(c, Question))

    @property
    def words(self) -> int:
        return sum(len(c.text.split()) for c in self.cues if isinstance(c, (Say, Question)))


# --- durations --------------------------------------------------------------------------------

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|s|m|h))+")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
DURATION_HINT = "a duration such as 4s, 2m, 1m30s or 3s..8s"


def parse_duration_ms(text: str) -> int | None:
    """`1m30s` → 90000; None when the text is not a duration."""
    text = text.strip()
    if not text or not _DURATION.fullmatch(text):
        return None
    return round(sum(float(n) * _UNIT_MS[u] for n, u in _PART.findall(text)))


def format_ms(ms: int) -> str:
    """A duration as an author would write it: 90000 → 1m30s."""
    if ms % 1000:
        return f"{ms / 1000:g}s" if ms >= 1000 else f"{ms}ms"
    s = ms // 1000
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def parse_span(text: str) -> Span | str:
    """`4s` or `3s..8s` → Span; otherwise a message saying what was expected."""
    low_text, dots, high_text = text.strip().partition("..")
    low = parse_duration_ms(low_text)
    high = parse_duration_ms(high_text) if dots else low
    if low is None or high is None:
        return f"expected {DURATION_HINT}, found {text.strip()!r}"
    if low <= 0:
        return f"a duration must be longer than zero, found {text.strip()!r}"
    if high < low:
        return f"the range's start ({low_text.strip()}) must not exceed its end ({high_text.strip()})"
    return Span(low, high)


# --- the parser -------------------------------------------------------------------------------

_HEADING = re.compile(r"#+")
_QUESTION = re.compile(r"(\s*)(\d+)[.)]\s+")
_BELL_EVERY = re.compile(r"bell(?:\s+([a-z][a-z0-9-]*))?\s+every\s+(.+)")


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.cues: list[Cue] = []
        self.reflect = Span(15_000, 45_000)
        self.question_count = 0

    def error(self, line: int, column: int, message: str) -> ScriptError:
        return ScriptError(self.path, line, column, message)

    # front matter -----------------------------------------------------------------------------
    def front_matter(self) -> tuple[dict, int]:
        if not self.lines or self.lines[0].strip() != "---":
            first = self.lines[0] if self.lines else ""
            found = f"found {first.strip()[:40]!r}" if first.strip() else "found an empty line"
            if not any(line.strip() for line in self.lines):
                found = "found an empty file"
            return self._raise(1, 1, f"expected front matter starting with '---', {found}")
        for end in range(1, len(self.lines)):
            if self.lines[end].strip() == "---":
                break
        else:
            return self._raise(1, 1, "front matter opened with '---' is never closed by '---'")
        block = "\n".join(self.lines[1:end])
        import yaml  # PyYAML: only ever the safe loader, so a script can never build objects

        try:
            data = yaml.safe_load(block) if block.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 2 if mark else 2
            column = mark.column + 1 if mark else 1
            problem = getattr(exc, "problem", None) or "invalid front matter"
            problem = " ".join(str(problem).split())
            raise self.error(line, column, f"front matter is not valid YAML: {problem}") from None
        if not isinstance(data, dict):
            raise self.error(2, 1, "expected front matter of 'key: value' lines")
        return data, end

    def _raise(self, line: int, column: int, message: str):
        raise self.error(line, column, message)

    def key_position(self, key: str, end: int) -> tuple[int, int]:
        for number in range(1, end):
            stripped = self.lines[number].lstrip()
            if stripped.startswith(f"{key}:") or stripped.startswith(f"{key} :"):
                return number + 1, len(self.lines[number]) - len(stripped) + 1
        return 2, 1

    def value_position(self, key: str, end: int) -> tuple[int, int]:
        line, column = self.key_position(key, end)
        text = self.lines[line - 1]
        colon = text.find(":", column - 1)
        if colon < 0:
            return line, column
        rest = text[colon + 1 :]
        return line, colon + 2 + (len(rest) - len(rest.lstrip()))

    def settings(self, data: dict, end: int) -> dict:
        values: dict = {}
        for key in data:
            if not isinstance(key, str) or key not in FRONT_MATTER_KEYS:
                line, column = self.key_position(str(key), end)
                allowed = ", ".join(FRONT_MATTER_KEYS)
                raise self.error(line, column, f"unknown front matter key {key!r}; expected one of {allowed}")

        def text_value(key: str, required: bool = False) -> str | None:
            value = data.get(key)
            if value is None:
                if required:
                    line = end + 1
                    raise self.error(line, 1, f"front matter needs a '{key}:' line")
                return None
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                line, column = self.value_position(key, end)
                raise self.error(line, column, f"expected plain text for '{key}'")
            value = str(value).strip()
            if required and not value:
                line, column = self.value_position(key, end)
                raise self.error(line, column, f"'{key}' must not be empty")
            return value

        values["title"] = text_value("title", required=True)
        kind = text_value("kind", required=True)
        if kind not in KINDS:
            line, column = self.value_position("kind", end)
            raise self.error(line, column, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        values["kind"] = kind
        values["description"] = text_value("description") or ""
        background = text_value("background")
        values["background"] = background if background else None
        values["series"] = text_value("series")
        part = data.get("part")
        if part is not None:
            if isinstance(part, bool) or not isinstance(part, int) or part < 1:
                line, column = self.value_position("part", end)
                raise self.error(line, column, "expected a whole number of 1 or more for 'part'")
            values["part"] = part
        reflect = text_value("reflect")
        if reflect is not None:
            line, column = self.value_position("reflect", end)
            span = parse_span(reflect)
            if isinstance(span, str):
                raise self.error(line, column, span)
            if span.high > MAX_REFLECT_MS:
                raise self.error(line, column, "time to reflect lasts at most 1h")
            self.reflect = span
        elif kind == "journal":
            self.reflect = Span(30_000, 150_000)  # 90 s, stretchable from 30 s to 2m30s
        values["reflect"] = self.reflect
        return values

    # body -------------------------------------------------------------------------------------
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
            if stripped.startswith("#"):
                self.heading(stripped, number, indent)
                continue
            match = _QUESTION.match(raw)
            if match:
                # Continuation lines are indented under the item and carry no directive of their own.
                parts = [(raw, number)]
                while index < len(lines):
                    following = lines[index]
                    if not following.strip() or len(following) - len(following.lstrip()) < 2:
                        break
                    if _QUESTION.match(following) or following.lstrip().startswith(("[", "#")):
                        break
                    parts.append((following, index + 1))
                    index += 1
                self.question(match, parts)
                continue
            self.spoken_line(raw, number)
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
        self.question_count = expected
        self.cues.append(Question(expected, text, reflect, number))

    def spoken_line(self, raw: str, number: int) -> None:
        for kind, value, column in _segments(raw, 0, number, self.error):
            if kind == "text":
                self.cues.append(Say(value, number))
            else:
                self.directive(value[0], value[1], number, column)

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
        else:
            raise self.error(line, column + 1, f"unknown directive {name!r}; expected one of {', '.join(DIRECTIVES)}")

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

    def parse(self) -> Script:
        data, end = self.front_matter()
        values = self.settings(data, end)
        self.kind = values["kind"]
        self.body(end + 1)
        return Script(path=self.path, cues=tuple(self.cues), **values)


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


def parse_script(text: str, path: str = "<script>") -> Script:
    """Parse a script's text. Raises ScriptError (and nothing else) for any malformed input."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        column = text.index("\x00") - (text.rfind("\n", 0, text.index("\x00")) + 1) + 1
        raise ScriptError(path, line, column, "expected text, found binary data (a NUL byte)")
    return _Parser(text, path).parse()


def load_script(path: str | Path, display: str | None = None) -> Script:
    """Read and parse a script file; errors name the file as `display` (default: the path given)."""
    path = Path(path)
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        from .errors import NotFoundError

        raise NotFoundError(f"no such script file: {name}") from None
    except OSError as exc:
        raise ScriptError(name, 1, 1, f"cannot read the file: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScriptError(name, 1, 1, "expected UTF-8 text, found UTF-16; save the file as UTF-8")
    if b"\x00" in data:  # binary data, whatever else is wrong with it: say that, at the first NUL
        parse_script(data.decode("utf-8", "replace"), name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        raise ScriptError(name, line, column, "expected UTF-8 text; save the file as UTF-8") from None
    return parse_script(text, name)
