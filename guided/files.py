"""Writing a file whole or not at all: a temporary file in the same folder (named by `tempfiles`),
renamed into place."""

from __future__ import annotations

import os
from pathlib import Path

from . import tempfiles

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
        tempfiles.sweep(path.parent)
    handle, temporary = tempfiles.create(path.parent, path.name, ".tmp")
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
