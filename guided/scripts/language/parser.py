"""From text or a file to a Script: line endings, encodings and binary data, then front matter and body.

Parsing never touches audio. The language is described for authors in docs/script-format.md.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import NotFoundError, ScriptError
from .body import parse_body
from .front_matter import read_front_matter
from .model import Script


def parse_script(text: str, path: str = "<script>") -> Script:
    """Parse a script's text. Raises ScriptError (and nothing else) for any malformed input."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        column = text.index("\x00") - (text.rfind("\n", 0, text.index("\x00")) + 1) + 1
        raise ScriptError(path, line, column, "expected text, found binary data (a NUL byte)")
    lines = text.split("\n")
    values, end = read_front_matter(lines, path)
    cues = parse_body(lines, end + 1, path, values["kind"], values["reflect"])
    return Script(path=path, cues=cues, **values)


def load_script(path: str | Path, display: str | None = None) -> Script:
    """Read and parse a script file; errors name the file as `display` (default: the path given)."""
    path = Path(path)
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
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
