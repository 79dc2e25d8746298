"""A script's front matter: the `---` block of `key: value` lines at its top, read with safe YAML.

It says what the script is (title, kind, description, series, part) and how it sounds (background,
time to reflect after each question). Every mistake is a ScriptError at the offending key or value.
"""

from __future__ import annotations

from ...errors import ScriptError
from .durations import parse_span
from .model import DEFAULT_REFLECT, JOURNAL_REFLECT, KINDS, MAX_REFLECT_MS, Pronunciation

FRONT_MATTER_KEYS = ("title", "kind", "description", "background", "series", "part", "reflect", "pronounce")
PRONOUNCING_ENGINES = ("pyttsx3", "piper")


def read_front_matter(lines: list[str], path: str) -> tuple[dict, int]:
    """The script's settings (Script's fields other than path and cues) and the index of the line
    closing the front matter; the body starts on the line after it. Raises the first ScriptError,
    carrying the others in its ``also``."""
    values, end, problems = check_front_matter(lines, path)
    if problems:
        first = problems[0]
        raise ScriptError(first.path, first.line, first.column, first.detail, problems[1:])
    return values, end


def check_front_matter(lines: list[str], path: str) -> tuple[dict, int, tuple[ScriptError, ...]]:
    """Like `read_front_matter`, but every mistake is returned rather than raised, each setting in
    error read as its default, so that the body can still be read after it. A block that cannot be
    read at all (no '---', or not YAML) raises: nothing after it can be told apart."""
    reader = _FrontMatter(lines, path)
    data, end = reader.block()
    values = reader.settings(data, end)
    return values, end, tuple(sorted(reader.problems, key=lambda p: (p.line, p.column)))


class _FrontMatter:
    def __init__(self, lines: list[str], path: str) -> None:
        self.lines = lines
        self.path = path
        self.problems: list[ScriptError] = []

    def error(self, line: int, column: int, message: str) -> ScriptError:
        return ScriptError(self.path, line, column, message)

    def _no_key_twice(self, end: int) -> None:
        """YAML keeps the last of two settings of one key without a word: a script saying its title
        twice is told so, at the second."""
        import re

        seen: dict[str, int] = {}
        for number in range(1, end):
            found = re.match(r"([A-Za-z_][\w-]*)\s*:", self.lines[number])
            if not found:
                continue
            key = found.group(1)
            if key in seen:
                self.problems.append(
                    self.error(number + 1, 1, f"{key!r} is set twice (lines {seen[key]} and {number + 1}); keep one"))
                continue
            seen[key] = number + 1

    def block(self) -> tuple[dict, int]:
        if not self.lines or self.lines[0].strip() != "---":
            first = self.lines[0] if self.lines else ""
            found = f"found {first.strip()[:40]!r}" if first.strip() else "found an empty line"
            if not any(line.strip() for line in self.lines):
                found = "found an empty file"
            raise self.error(1, 1, f"expected front matter starting with '---', {found}")
        for end in range(1, len(self.lines)):
            if self.lines[end].strip() == "---":
                break
        else:
            raise self.error(1, 1, "front matter opened with '---' is never closed by '---'")
        block = "\n".join(self.lines[1:end])
        self._no_key_twice(end)
        import yaml  # PyYAML: only ever the safe loader, so a script can never build objects

        try:
            data = yaml.safe_load(block) if block.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 2 if mark else 2
            column = mark.column + 1 if mark else 1
            problem = getattr(exc, "problem", None) or "invalid front matter"
            problem = " ".join(str(problem).split())
            found = sorted([*self.problems, self.error(line, column, f"front matter is not valid YAML: {problem}")],
                           key=lambda p: (p.line, p.column))
            raise ScriptError(found[0].path, found[0].line, found[0].column, found[0].detail, tuple(found[1:])) from None
        if not isinstance(data, dict):
            raise self.error(2, 1, "expected front matter of 'key: value' lines")
        return data, end

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
                import difflib

                near = difflib.get_close_matches(str(key).lower(), FRONT_MATTER_KEYS, n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}?" if near else f"expected one of {', '.join(FRONT_MATTER_KEYS)}"
                self.problems.append(self.error(line, column, f"unknown front matter key {key!r}; {hint}"))

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

        def setting(read, default):
            """A setting's value, or its default when it is in error (the error kept for the author)."""
            try:
                return read()
            except ScriptError as exc:
                self.problems.append(exc)
                return default

        def kind_value() -> str:
            kind = text_value("kind", required=True)
            if kind not in KINDS:
                line, column = self.value_position("kind", end)
                raise self.error(line, column, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            return kind

        def part_value() -> int | None:
            part = data.get("part")
            if part is not None and (isinstance(part, bool) or not isinstance(part, int) or part < 1):
                line, column = self.value_position("part", end)
                raise self.error(line, column, "expected a whole number of 1 or more for 'part'")
            return part

        def reflect_value():
            reflect = text_value("reflect")
            if reflect is None:
                return JOURNAL_REFLECT if values["kind"] == "journal" else DEFAULT_REFLECT
            line, column = self.value_position("reflect", end)
            span = parse_span(reflect)
            if isinstance(span, str):
                raise self.error(line, column, span)
            if span.high > MAX_REFLECT_MS:
                raise self.error(line, column, "time to reflect lasts at most 1h")
            return span

        values["title"] = setting(lambda: text_value("title", required=True), "")
        # An unknown kind is read as a meditation: the body is still checked, without asking it for questions.
        values["kind"] = setting(kind_value, "meditation")
        values["description"] = setting(lambda: text_value("description"), None) or ""
        values["background"] = setting(lambda: text_value("background"), None) or None
        values["series"] = setting(lambda: text_value("series"), None)
        part = setting(part_value, None)
        if part is not None:
            values["part"] = part
        values["reflect"] = setting(reflect_value, DEFAULT_REFLECT)
        if data.get("pronounce") is not None:
            values["pronounce"] = setting(lambda: self.pronunciations(data["pronounce"], end), ())
        return values

    def pronunciations(self, table, end: int) -> tuple[Pronunciation, ...]:
        """`pronounce:` maps a word to what to say instead, or to one such text per engine."""
        line, column = self.value_position("pronounce", end)
        expected = ("expected 'pronounce:' followed by lines such as '  close: kloze' or "
                    "'  close: {pyttsx3: \"[[kl'oUz]]\", piper: \"[[klˈoʊz]]\"}'")
        if not isinstance(table, dict):
            raise self.error(line, column, expected)
        found = []
        for word, how in table.items():
            if not isinstance(word, str) or not word.strip() or len(word.split()) != 1:
                raise self.error(line, column, f"pronounce: {word!r} is not a single word; {expected}")
            if isinstance(how, str) and how.strip():
                found.append(Pronunciation(word.strip(), how.strip()))
            elif isinstance(how, dict) and how and all(
                    k in PRONOUNCING_ENGINES and isinstance(v, str) and v.strip() for k, v in how.items()):
                found.append(Pronunciation(word.strip(), None, tuple((k, v.strip()) for k, v in how.items())))
            else:
                raise self.error(line, column, f"pronounce: {word!r} needs a text, or a text for "
                                               f"{' and/or '.join(PRONOUNCING_ENGINES)}")
        return tuple(found)
