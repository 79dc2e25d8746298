"""The folders `guided export --all` has filled, remembered so that `guided serve` can use what is
already there instead of exporting it again (a copy, never the file itself: the server serves its
own folder only).

Kept as a short list, newest first, in `export-folders.json` in guided's data folder; a damaged or
missing list is an empty one.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_atomic
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
