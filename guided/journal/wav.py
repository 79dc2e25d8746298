"""Recordings as WAV files that survive anything: samples written as they come, and a file that is
whole again after a crash or a full disk.

A WAV file is written in two steps that are each safe to interrupt: samples are appended, then the
header's two length fields are brought up to date. The header follows at least every half second
of audio (the microphone's reader flushes), so a killed process loses at most that much; a file
whose header lags behind its samples is repaired (header rewritten from the file's real size) the
next time the journal starts.

A write that fails part-way (the disk full, a file size limit, the disk gone) keeps the recording
whole up to its last complete sample: the file is cut back to what really reached it and its
header rewritten in place, which needs no new space; then StorageError says why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
from pathlib import Path

import numpy as np

from ..errors import StorageError

HEADER_BYTES = 44


def _header(rate: int, channels: int, data_bytes: int) -> bytes:
    block_align = channels * 2
    return (
        b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block_align, block_align, 16)
        + b"data" + struct.pack("<I", data_bytes)
    )


def why(exc: OSError) -> str:
    """A failed write in a few words a person understands."""
    reasons = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EFBIG: "the file is as large as this system allows", errno.EROFS: "the disk became read-only",
               errno.EACCES: "the folder is not writable", errno.EPERM: "the folder is not writable",
               errno.EIO: "the disk reported an error"}
    return reasons.get(exc.errno, exc.strerror or str(exc))


class WavAppender:
    """A 16-bit PCM WAV file that is playable after every `flush()`, with files private (0600).

    A write that fails raises StorageError after cutting the file back to its last whole sample
    and bringing the header up to date, so what was recorded stays playable; the writer is then
    closed (`failed` holds the reason)."""

    def __init__(self, path: Path, rate: int, channels: int = 1) -> None:
        self.path = Path(path)
        self.rate = rate
        self.channels = channels
        self.frames = 0
        self.failed: str | None = None
        self._on_disk = 0  # bytes of samples the system has taken (may end in half a frame)
        self._fd: int | None = None
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            _write_all(self._fd, _header(rate, channels, 0))
        except (OSError, _PartWritten) as exc:
            reason = why(exc.error if isinstance(exc, _PartWritten) else exc)
            self._abandon()
            raise StorageError(f"cannot write the recording {self.path}: {reason}", reason) from None

    def append(self, samples: np.ndarray) -> None:
        if self._fd is None:
            raise StorageError(f"the recording {self.path} is closed", self.failed or "")
        data = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        try:
            self._on_disk += _write_all(self._fd, data)
        except _PartWritten as part:
            self._on_disk += part.written
            self._fail(part.error)
        self.frames += len(data) // (2 * self.channels)

    def flush(self) -> None:
        """Samples first (they are written as they come), then the header that counts them: a
        crash between the two leaves a file whose header is short of its data, which `repair`
        fixes and players still read."""
        if self._fd is None:
            return
        try:
            self._write_header()
        except (OSError, _PartWritten) as exc:
            self._fail(exc.error if isinstance(exc, _PartWritten) else exc)

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            self._write_header()
            os.fsync(self._fd)  # some filesystems only say here that the disk is full
        except (OSError, _PartWritten) as exc:
            self._fail(exc.error if isinstance(exc, _PartWritten) else exc)
        os.close(self._fd)
        self._fd = None

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def _write_header(self) -> None:
        """The two length fields, rewritten in place; then back to the end for the next samples."""
        data_bytes = self.frames * self.channels * 2
        for offset, value in ((4, 36 + data_bytes), (40, data_bytes)):
            os.lseek(self._fd, offset, os.SEEK_SET)
            _write_all(self._fd, struct.pack("<I", value))
        os.lseek(self._fd, 0, os.SEEK_END)

    def _fail(self, exc: OSError) -> None:
        """Keep what reached the file, whole, and raise StorageError saying why the rest did not."""
        block = 2 * self.channels
        self.frames = self._on_disk // block
        self.failed = why(exc)
        try:  # shrinking a file and rewriting bytes it has both need no new space
            os.ftruncate(self._fd, HEADER_BYTES + self.frames * block)
            self._write_header()
            os.fsync(self._fd)
        except (OSError, _PartWritten):
            pass  # the header lags behind its samples: `repair` fixes it at the next start
        os.close(self._fd)
        self._fd = None
        raise StorageError(f"the recording {self.path} stopped after {self.seconds:.1f} s: {self.failed}",
                           self.failed) from None

    def _abandon(self) -> None:
        """A file that could not even take its header is no recording: it goes."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        with contextlib.suppress(OSError):
            self.path.unlink()


class _PartWritten(Exception):
    def __init__(self, written: int, error: OSError) -> None:
        self.written = written
        self.error = error


def _write_all(fd: int, data: bytes) -> int:
    """Write all of `data` (a write may take only part); raises _PartWritten saying how much went."""
    view = memoryview(data)
    written = 0
    while written < len(view):
        try:
            written += os.write(fd, view[written:])
        except OSError as exc:
            raise _PartWritten(written, exc) from None
    return written


def repair(path: Path) -> bool:
    """Make a WAV written by `WavAppender` whole again after a crash; True if it needed it."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "r+b") as f:
            head = f.read(HEADER_BYTES)
            if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE" or head[36:40] != b"data":
                return False
            channels = struct.unpack("<H", head[22:24])[0] or 1
            data_bytes = size - HEADER_BYTES
            data_bytes -= data_bytes % (2 * channels)  # drop half a sample frame cut by the crash
            if struct.unpack("<I", head[40:44])[0] == data_bytes and struct.unpack("<I", head[4:8])[0] == 36 + data_bytes:
                return False
            f.seek(4)
            f.write(struct.pack("<I", 36 + data_bytes))
            f.seek(40)
            f.write(struct.pack("<I", data_bytes))
            f.truncate(HEADER_BYTES + data_bytes)
        return True
    except OSError:
        return False


