"""Reading what a user brings: bytes to text, which format the text is in, and a note's front matter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from ...errors import GuidedError

# The most text an import reads: an article or a year of notes is a few hundred kilobytes; a
# stream that never ends (a pipe from a program gone wrong) is stopped here, not by the memory.
MOST_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024  # read a piece at a time, so a signal is acted on between pieces


def read_source(handle: BinaryIO, name: str | None = None) -> bytes:
    """The bytes of a file or a stream, refused in one line beyond MOST_BYTES."""
    pieces, size = [], 0
    while size <= MOST_BYTES:
        piece = handle.read(CHUNK_BYTES)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
        size += len(piece)
    raise GuidedError(f"{name or 'the text given on standard input'} is larger than guided imports "
                      f"({MOST_BYTES // (1024 * 1024)} MB at most); import the part that holds the questions")


def decode(data: bytes, name: str | None = None) -> str:
    """Text from bytes: UTF-8 (with or without a byte order mark), else Windows-1252, which never
    fails; bytes that are not text at all (a sound, a picture) are refused in one line."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and b"\x00" in data[:8192]:
        raise GuidedError(f"{name or 'the input'} is not text (it holds binary data, such as a sound or a picture); "
                          "import a text, Markdown or HTML file")
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_HTML_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|body|ol|ul|li|p|h[1-6]|div|article|section|table)\b", re.I)


def detect_format(text: str, name: str | None = None) -> str:
    """"html", "markdown" or "text": from the file name's suffix when it says, else from the text's marks."""
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".txt", ".text"):
        return "text"
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or len(_HTML_HINT.findall(text)) >= 2:
        return "html"
    if re.search(r"^\s{0,3}#{1,6}\s|\*\*|\]\(|^\s*[-*]\s", text, re.M):
        return "markdown"
    return "text"


def split_front_matter(lines: list[str]) -> tuple[list[str], str | None]:
    """A note's front matter (between `---` lines at the top) taken off: the remaining lines and its title."""
    if not lines or lines[0].strip() != "---":
        return lines, None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return lines, None
    title = None
    for line in lines[1:end]:
        match = re.match(r"\s*title\s*:\s*(.+)", line)
        if match:
            title = match.group(1).strip().strip("\"'") or None
    return lines[end + 1 :], title
