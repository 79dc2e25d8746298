"""What an export folder lists: its `index.json` (one row per session, with the content hash that
says whether the file is up to date) and an extended M3U8 playlist.

Both are written through temporary files renamed into place, so an interrupted batch leaves the
old ones or the new ones, never half of either; and under a lock on the folder, so that batches
running at once into one folder each add their rows to what the others wrote, never lose them.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..export import encoding, tags
from ..files import read_state_json
from ..paths import VERSION

INDEX = "index.json"


@dataclass(frozen=True)
class BatchItem:
    id: str
    title: str
    file: str  # relative to the folder
    seconds: float
    hash: str
    status: str  # "exported", "up to date" or "failed"
    error: str | None = None
    captions: str | None = None


@contextlib.contextmanager
def locked(folder: Path):
    """Hold the folder's lock (an flock on the folder itself: no lock file to leave behind) while
    its index is read and written again. Where there is no flock, nothing is held."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing lets go of the lock


def read_index(path: Path) -> dict[str, dict]:
    """The rows of an existing index by session id; empty when there is none or it is damaged (set
    aside, then: everything is exported again, and a new index written)."""
    data = read_state_json(path, "the batch index") or {}
    sessions = data.get("sessions", [])
    return {row["id"]: row for row in sessions if isinstance(row, dict) and "id" in row} \
        if isinstance(sessions, list) else {}


def index_text(items: list[BatchItem], previous: dict[str, dict]) -> str:
    rows = [{"id": i.id, "title": i.title, "file": i.file, "seconds": i.seconds, "hash": i.hash,
             **({"captions": i.captions} if i.captions else {})} for i in items]
    # Sessions of other batches into the same folder stay listed while their files are there.
    ours = {i.id for i in items}
    folder_rows = [row for key, row in previous.items() if key not in ours]
    return json.dumps({"generator": f"guided {VERSION}", "sessions": rows + folder_rows}, indent=2,
                      ensure_ascii=False) + "\n"


def playlist_text(title: str, items: list[BatchItem]) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for item in items:
        lines.append(f"#EXTINF:{round(item.seconds)},{tags.ARTIST} - {' '.join(item.title.split())}")
        lines.append(item.file)
    return "\n".join(lines) + "\n"


def write_index(path: Path, items: list[BatchItem], previous: dict[str, dict]) -> None:
    write_files([(path, index_text(items, previous))])


def write_files(files: list[tuple[Path, str]]) -> None:
    """Write each (path, text), all renamed into place together once every one is written."""
    moves = []
    try:
        for path, text in files:
            temp = encoding.temp_in(path.parent, path.name)
            moves.append((temp, path))
            temp.write_text(text, encoding="utf-8")
        encoding.commit(moves)
    finally:
        for temp, _ in moves:
            temp.unlink(missing_ok=True)
