"""What the server reads back from an exported file: its chapters, its cover, and the MIME type
each kind of file is served with.

Chapters and cover are read from the very file that is served (ffprobe for the chapters, which
reads ID3 CHAP frames and MP4 chapter tracks alike; mutagen for the embedded picture), so the page,
the feed and the file can never disagree. Both are remembered per file version (path, size, mtime),
in a small bounded table.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GuidedError, MissingDependencyError
from ..export.encoding import FFMPEG_HINT

MIME = {
    "mp3": "audio/mpeg",
    "m4b": "audio/mp4",
    "m4a": "audio/mp4",
    "vtt": "text/vtt; charset=utf-8",
    "png": "image/png",
    "jpg": "image/jpeg",
}
REMEMBERED = 64  # file versions whose chapters and cover are kept


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds
    end: float


def mime_of(name: str) -> str:
    return MIME.get(Path(name).suffix.lstrip(".").lower(), "application/octet-stream")


class _Remembered:
    """A small table of values computed from files, each valid while the file is unchanged."""

    def __init__(self, compute: Callable[[Path], object]) -> None:
        self.compute = compute
        self.values: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, path: Path):
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = self.compute(path)
        with self.lock:
            self.values[key] = value
            while len(self.values) > REMEMBERED:
                self.values.popitem(last=False)
        return value


def _probe_chapters(path: Path) -> tuple[Chapter, ...]:
    probe = shutil.which("ffprobe")
    if probe is None:
        raise MissingDependencyError(FFMPEG_HINT)
    try:
        out = subprocess.run([probe, "-v", "error", "-show_chapters", "-of", "json", str(path)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise GuidedError(f"cannot read the chapters of {path.name}: {exc}") from None
    found = []
    for chapter in json.loads(out or "{}").get("chapters", []):
        title = str(chapter.get("tags", {}).get("title", "")).strip() or f"Chapter {len(found) + 1}"
        found.append(Chapter(title, round(float(chapter["start_time"]), 3), round(float(chapter["end_time"]), 3)))
    return tuple(found)


def _read_cover(path: Path) -> tuple[bytes, str] | None:
    """The first picture embedded in the file, with its MIME type; None when it has none."""
    import mutagen

    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError:
        return None
    tags = getattr(audio, "tags", None)
    if tags is None:
        return None
    if hasattr(tags, "getall"):  # ID3
        for frame in tags.getall("APIC"):
            return bytes(frame.data), frame.mime or "image/jpeg"
        return None
    for picture in tags.get("covr", []) if hasattr(tags, "get") else []:  # MP4
        from mutagen.mp4 import MP4Cover

        return bytes(picture), "image/png" if picture.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
    return None


chapters: Callable[[Path], tuple[Chapter, ...]] = _Remembered(_probe_chapters)
cover: Callable[[Path], tuple[bytes, str] | None] = _Remembered(_read_cover)


def chapters_document(found: tuple[Chapter, ...], title: str) -> dict:
    """Chapters as the podcast namespace's JSON chapters format (version 1.2.0)."""
    return {
        "version": "1.2.0",
        "title": title,
        "chapters": [{"startTime": c.start, "endTime": c.end, "title": c.title} for c in found],
    }
