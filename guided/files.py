"""Writing a file whole or not at all, and guided's own temporary files.

A file is written to a temporary file in the same folder and renamed into place, so a reader sees
the old file or the new one, never half. Every such temporary file is named
`.NAME.guided-PID-XXXX.tmp` (or `.partial`, for an export) after the process that writes it. A
run killed with SIGKILL (or by a power cut) cannot remove its own; the next run that writes into
the same folder removes those whose writer no longer runs. Only names of exactly this form are
ever touched: a user's file is never one, and the file of a process still running (another
export, another batch) is left alone.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import date
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


_swept: set[Path] = set()


def write_atomic(path: Path, data: bytes, *, private: bool = False, durable: bool = False,
                 keep_existing: bool = False) -> bool:
    """Replace `path` with `data` in one step; a reader sees the old file or the new one, never half.

    `private` makes it 0600 (mkstemp's own mode) instead of the usual umask; `durable` waits for
    the disk before the rename, for what must survive a power cut. With `keep_existing` a file
    already at `path` wins (False is returned): for a cache, where two processes that made the same
    entry must both go on with the one that stays. Raises OSError.
    """
    path = Path(path)
    if path.parent not in _swept:  # once a run: what a killed run left in this folder
        _swept.add(path.parent)
        sweep(path.parent)
    handle, temporary = create(path.parent, path.name, ".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        linked = _link_if_absent(temporary, path) if keep_existing else None
        if linked is not None:
            Path(temporary).unlink(missing_ok=True)
            return linked  # False: another writer's file was there first, and stays
        os.replace(temporary, path)
        return True
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _link_if_absent(temporary: str, path: Path) -> bool | None:
    """Publish `temporary` at `path` only if nothing is there (a hard link fails on an existing
    name, atomically); None where links are not supported, so the caller replaces instead."""
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        return None


def write_npy(path: Path, array) -> bool:
    """Save a numpy array as ``path`` (.npy) whole or not at all, making its folder; False when it
    cannot be written. For caches: a cache that cannot be written is only slower, never an error."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue())
    except OSError:
        return False
    return True


# --- state files found damaged ---------------------------------------------------------------------
#
# guided keeps a few files of its own (the practice log, pace measurements, voice fingerprints, a
# batch's index). One that cannot be read (a disk fault, a file copied over by hand) would otherwise
# fail a command or, worse, be silently overwritten. It is renamed aside instead, with the date, so
# nothing in it is lost, a new one is begun, and one line says so and where the old one is. Only
# these files are ever set aside: a user's journal entries and scripts are never touched.


def _print_notice(message: str) -> None:
    print(f"guided: {message}", file=sys.stderr)


# Where the line saying so goes: stderr by default; a program using the library may replace it (or set None).
notify: Callable[[str], None] | None = _print_notice


def set_aside(path: Path, what: str, companions: tuple[str, ...] = ()) -> Path | None:
    """Rename the damaged state file `path` (`what` it holds, for the message) to
    NAME.damaged-YYYY-MM-DD[-N]SUFFIX beside it, with its `companions` (suffixes such as "-wal"
    that belong to it), and say so in one line. None when it could not be moved (another process
    has just moved it, or the folder is read-only): then nothing is said, and nothing changed."""
    path = Path(path)
    stem, suffix = (path.stem, path.suffix) if path.suffix else (path.name, "")
    for number in range(1, 1000):
        tail = "" if number == 1 else f"-{number}"
        aside = path.with_name(f"{stem}.damaged-{date.today().isoformat()}{tail}{suffix}")
        if not aside.exists():
            break
    try:
        os.rename(path, aside)
    except OSError:
        return None
    for companion in companions:
        try:
            os.rename(f"{path}{companion}", f"{aside}{companion}")
        except OSError:
            pass  # not there: nothing of it to keep
    if notify is not None:
        notify(f"{what} {path} could not be read; it is kept as {aside} and a new one begun")
    return aside


def read_state_json(path: Path, what: str) -> dict | None:
    """The JSON object in a state file guided owns; None when there is none (or it cannot be opened
    now). One that is there but is not a JSON object is set aside (see `set_aside`), and None
    returned: the caller begins a new one."""
    import json

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    try:
        found = json.loads(data.decode("utf-8"))
    except ValueError:
        found = None
    if isinstance(found, dict):
        return found
    set_aside(Path(path), what)
    return None
