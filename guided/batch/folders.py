"""The folders `guided export --all` has filled, remembered so that `guided serve` can use what is
already there instead of exporting it again (a copy, never the file itself: the server serves its
own folder only).

Kept as a short list, newest first, in `export-folders.json` in guided's data folder; a damaged or
missing list is an empty one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from ..files import write_atomic
from ..options import SessionOptions
from ..paths import paths

RECORD = "export-folders.json"
KEPT = 8  # folders remembered


def _record() -> Path:
    return paths().data / RECORD


def filled_folders() -> list[Path]:
    """The folders export --all filled, newest first, those still there."""
    try:
        rows = json.loads(_record().read_text(encoding="utf-8"))
        found = [Path(row) for row in rows if isinstance(row, str)]
    except (OSError, ValueError, TypeError):
        return []
    return [folder for folder in found if folder.is_dir()]


def remember_filled(folder: Path) -> None:
    """Put `folder` first in the list. A list that cannot be written is no loss: nothing but a
    second export depends on it."""
    folder = Path(folder).absolute()
    rows = [str(folder)] + [str(f) for f in filled_folders() if f != folder]
    try:
        _record().parent.mkdir(parents=True, exist_ok=True)
        write_atomic(_record(), (json.dumps(rows[:KEPT], indent=2, ensure_ascii=False) + "\n").encode())
    except OSError:
        pass


def copy_exported(planned, into: Path, options: SessionOptions, fmt: str, engine: str,
                  captions: Callable[[], str | None]) -> Path | None:
    """Copy the session `planned` (for `into`, with captions) from a folder export --all filled,
    when its file there is up to date for these options: with its captions, or without them, then
    with `captions()` written beside it. The folder it came from, or None. Files are copied whole
    under temporary names and renamed into place with the index row, under the folder's lock."""
    from ..export.encoding import commit, temp_in
    from .index import INDEX, BatchItem, locked, read_index, write_index
    from .selection import content_hash, up_to_date

    without_captions = None
    for folder in filled_folders():
        if folder.resolve() == into.resolve():
            continue
        row = read_index(folder / INDEX).get(planned.entry.id)
        if row is None or row.get("file") != planned.file or not (folder / planned.file).is_file():
            continue
        if up_to_date(row, planned.hash, folder, planned.file, planned.captions):
            text = (folder / planned.captions).read_text(encoding="utf-8")
        else:
            if without_captions is None:
                without_captions = content_hash(planned.entry.path, options, planned.script, fmt, None, None, None,
                                                engine)
            if row.get("hash") != without_captions or (text := captions()) is None:
                continue
        audio_temp, captions_temp = temp_in(into, planned.file), temp_in(into, planned.captions)
        try:
            with open(folder / planned.file, "rb") as source, open(audio_temp, "wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
            captions_temp.write_text(text, encoding="utf-8")
            with locked(into):
                commit([(audio_temp, into / planned.file), (captions_temp, into / planned.captions)])
                made = BatchItem(planned.entry.id, planned.script.title, planned.file, float(row.get("seconds", 0.0)),
                                 planned.hash, "exported", captions=planned.captions)
                write_index(into / INDEX, [made], read_index(into / INDEX))
        finally:
            audio_temp.unlink(missing_ok=True)
            captions_temp.unlink(missing_ok=True)
        return folder
    return None
