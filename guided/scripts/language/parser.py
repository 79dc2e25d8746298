"""From text or a file to a Script: line endings, encodings and binary data, then front matter and body.

Parsing never touches audio. The language is described for authors in docs/script-format.md.
`parse_script` and `load_script` stop at a script's first mistake (carrying the others in its
`also`); `check_script` and `check_script_file` return every mistake with what could be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import NotFoundError, ScriptError
from .body import read_body
from .front_matter import check_front_matter
from .model import Script


@dataclass(frozen=True)
class Checked:
    """A script read as far as it could be: every mistake in it, in order, and the script made of
    what parsed (None when not even its front matter could be read)."""

    script: Script | None
    problems: tuple[ScriptError, ...]

    def raise_first(self) -> Script:
        """The script, or its first mistake raised, carrying the others."""
        if not self.problems:
            return self.script
        first = self.problems[0]
        raise ScriptError(first.path, first.line, first.column, first.detail, self.problems[1:])


def check_script(text: str, path: str = "<script>") -> Checked:
    """Every mistake in a script's text, and what of it could be read."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        column = text.index("\x00") - (text.rfind("\n", 0, text.index("\x00")) + 1) + 1
        return Checked(None, (ScriptError(path, line, column, "expected text, found binary data (a NUL byte)"),))
    lines = text.split("\n")
    try:
        values, end, front_problems = check_front_matter(lines, path)
    except ScriptError as exc:  # a block that cannot be read: nothing after it can be told apart
        return Checked(None, (exc, *exc.also))
    cues, body_problems = read_body(lines, end + 1, path, values["kind"], values["reflect"])
    return Checked(Script(path=path, cues=cues, **values), (*front_problems, *body_problems))


def parse_script(text: str, path: str = "<script>") -> Script:
    """Parse a script's text. Raises ScriptError (and nothing else) for any malformed input."""
    return check_script(text, path).raise_first()


def check_script_file(path: str | Path, display: str | None = None) -> Checked:
    """Every mistake in a script file, named as `display` (default: the path given). A file that is
    not there raises NotFoundError: there is nothing to check."""
    path = Path(path)
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"no such script file: {name}") from None
    except OSError as exc:
        return Checked(None, (ScriptError(name, 1, 1, f"cannot read the file: {exc.strerror or exc}"),))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Checked(None, (ScriptError(name, 1, 1, "expected UTF-8 text, found UTF-16; save the file as UTF-8"),))
    if b"\x00" in data:  # binary data, whatever else is wrong with it: say that, at the first NUL
        return check_script(data.decode("utf-8", "replace"), name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        return Checked(None, (ScriptError(name, line, column, "expected UTF-8 text; save the file as UTF-8"),))
    return check_script(text, name)


def load_script(path: str | Path, display: str | None = None) -> Script:
    """Read and parse a script file; errors name the file as `display` (default: the path given)."""
    return check_script_file(path, display).raise_first()
