"""guided's own temporary files: named after the process that writes them, and cleaned up once it is gone.

Every file guided writes whole-or-not-at-all starts as `.NAME.guided-PID-XXXX.tmp` (or `.partial`,
for an export) in the folder of NAME, and is renamed into place when whole. A run killed with
SIGKILL (or by a power cut) cannot remove its own; the next run that writes into the same folder
removes those whose writer no longer runs. Only names of exactly this form are ever touched: a
user's file is never one, and the file of a process still running (another export, another batch)
is left alone.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_NAME = re.compile(r"^\..+\.guided-(\d+)-[A-Za-z0-9_]+\.(tmp|partial)$")


def create(folder: Path, name: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new private temporary file for `name` in `folder`: (open descriptor, path). Raises OSError."""
    handle, path = tempfile.mkstemp(dir=folder, prefix=f".{name}.guided-{os.getpid()}-", suffix=suffix)
    return handle, Path(path)


def writer(path: Path) -> int | None:
    """The process id in a guided temporary file's name; None for any other name."""
    found = _NAME.match(Path(path).name)
    return int(found.group(1)) if found else None


def alive(pid: int) -> bool:
    """Whether a process with this id runs now (one of another user's counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # not ours to signal, but running
    return True


def leftovers(folder: Path) -> list[Path]:
    """guided's temporary files in `folder` whose writer no longer runs."""
    try:
        names = [p for p in Path(folder).iterdir() if p.name.startswith(".")]
    except OSError:
        return []
    found = []
    for path in names:
        pid = writer(path)
        if pid is not None and not alive(pid):
            found.append(path)
    return sorted(found)


def sweep(folder: Path) -> int:
    """Remove the leftovers of dead writers from `folder`; how many went. Never raises: tidying up
    is a courtesy, and a folder that cannot be listed or changed is reported by the write itself."""
    removed = 0
    for path in leftovers(folder):
        try:
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed
