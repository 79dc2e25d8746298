"""A user's sound file as the mixer reads it: decoded once, a few seconds at a time, into the sound
cache, and read back a block at a time, so that no length, sample rate or channel count of the file
shows in memory.

ffmpeg decodes the file (any format it knows) straight to the session's rate, in stereo, for as long
as it will be heard: a bell for at most ``FILE_BELL_MAX_SECONDS``, a bed for the first
``FILE_BED_MAX_SECONDS`` it loops. The samples go to a file of float32 frames; each later pass
(the level, the fades, the loop's crossfade, the step powers) reads it back a stretch at a time. The
finished frames are kept in the sound cache under the file's content hash, with their step powers and
peak beside them, so the next session that uses the same file reads them at once and measures nothing.

A :class:`StoredSound` looks to the mixer like a read-only ``(frames, channels)`` float32 array: it
has a length and a shape, and a slice of it is read from disk (``os.pread``) when asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..dsp import loudness
from ..errors import MissingDependencyError, SoundError
from ..files import create, write_atomic
from .user_files import decode_reason, refuse_blank

FORMAT_VERSION = 1  # bump whenever the processing of a user's sound changes: older entries are not read
CHUNK_STEPS = 32  # loudness steps (100 ms) per pass over the samples: a few seconds at a time
HASH_PIECE = 1 << 20


def _print_notice(message: str) -> None:
    print(f"guided: {message}", file=sys.stderr)


# Where notices go (a bell cut short): stderr by default; a program using the library may replace it.
notify: Callable[[str], None] | None = _print_notice


class StoredSound:
    """A finished sound on disk, read-only: float32 frames of ``channels`` samples each, with the
    step powers (at ``rate``) and the peak measured when it was made."""

    dtype = np.dtype(np.float32)
    ndim = 2

    def __init__(self, handle: int, frames: int, channels: int, rate: int, peak: float,
                 powers: np.ndarray, name: str = "") -> None:
        self._handle = handle
        self.frames = int(frames)
        self.channels = int(channels)
        self.rate = int(rate)
        self.peak = float(peak)
        self._powers = np.asarray(powers, dtype=np.float64)
        self._powers.flags.writeable = False
        self.name = name
        self._closer = weakref.finalize(self, os.close, handle)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.frames, self.channels)

    def __len__(self) -> int:
        return self.frames

    def step_powers(self) -> np.ndarray:
        """K-weighted power per 100 ms step (as :func:`guided.dsp.loudness.step_powers` gives)."""
        return self._powers.copy()

    def read(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start`` to ``stop`` (clipped to the sound), as a new (n, channels) float32 array."""
        start, stop = max(0, int(start)), min(self.frames, int(stop))
        count = max(0, stop - start)
        width = 4 * self.channels
        data = _pread_all(self._handle, count * width, start * width)
        return np.frombuffer(data, dtype=np.float32).reshape(count, self.channels).copy()

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            start, stop, _ = key.indices(self.frames)
            return self.read(start, stop)
        if isinstance(key, (int, np.integer)):
            index = range(self.frames)[key]
            return self.read(index, index + 1)[0]
        raise TypeError("a stored sound is read in plain slices ([a:b]) or one frame at a time")

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self.read(0, self.frames)  # small sounds and tests only: the mixer reads slices
        return whole if dtype is None else whole.astype(dtype)

    def close(self) -> None:
        self._closer()

    def __repr__(self) -> str:
        return f"StoredSound({self.name!r}, frames={self.frames}, channels={self.channels}, rate={self.rate})"


def _pread_all(handle: int, size: int, offset: int) -> bytes:
    parts = []
    while size > 0:
        part = os.pread(handle, size, offset)
        if not part:
            raise SoundError("a cached sound file ended early; delete guided's sound cache and try again")
        parts.append(part)
        size -= len(part)
        offset += len(part)
    return b"".join(parts)


# --------------------------------------------------------------------------------------------
# Decoding


def decoded(path: Path, rate: int, max_seconds: float) -> Iterator[np.ndarray]:
    """The file's first ``max_seconds`` (and a little more, so that a caller can tell a longer file)
    as stereo float32 pieces of a few seconds at ``rate``, as ffmpeg decodes them.

    ffmpeg resamples and mixes any channel layout down to stereo on its way; nothing but the piece
    under way is held. A file ffmpeg cannot read is a SoundError in one line."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MissingDependencyError(
            f"decoding '{path}' needs ffmpeg, which is not installed; install ffmpeg "
            "(e.g. sudo apt install ffmpeg) or use a built-in sound"
        ) from None
    refuse_blank(path)
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-guess_layout_max", "8", "-i", str(path),
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "2", "-ar", str(rate), "-t", f"{max_seconds + 0.5:.3f}",
        "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1",
    ]
    piece = 8 * max(1, round(rate * loudness.STEP_SECONDS)) * CHUNK_STEPS  # bytes: CHUNK_STEPS steps of stereo float32
    # ffmpeg's messages go to a file, not a pipe: a damaged file can make it say more than a pipe
    # holds, and it would stop, waiting for a reader, while this process waits for samples.
    with tempfile.TemporaryFile() as said:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=said)
        except OSError as exc:
            raise SoundError(f"cannot decode '{path}' as audio: {exc.strerror or exc}") from None
        got = 0
        try:
            rest = b""
            while True:
                data = process.stdout.read(piece)
                if not data:
                    break
                data = rest + data
                whole = len(data) // 8 * 8
                rest = data[whole:]
                if whole:
                    got += whole // 8
                    yield np.frombuffer(data[:whole], dtype=np.float32).reshape(-1, 2)
        finally:
            if process.poll() is None:
                process.kill()  # a caller that has read enough: the rest is never decoded
            process.stdout.close()
            status = process.wait()
        if status != 0:
            said.seek(0)
            text = said.read()[-4000:].decode(errors="replace")
            raise SoundError(f"cannot decode '{path}' as audio: {decode_reason(text, path)}; "
                             "use a WAV, FLAC, MP3 or OGG file") from None
    if got == 0:
        raise SoundError(f"'{path}' holds no audio; use a sound file with something in it") from None


# --------------------------------------------------------------------------------------------
# The cache


def content_hash(path: Path, memo_dir: Path | None) -> str:
    """SHA-256 of the file's bytes, read a megabyte at a time. The hash of a file not changed since
    it was last hashed (same size, time and inode) is remembered in ``memo_dir``: an hour-long FLAC
    takes a good part of a second to read."""
    path = Path(path)
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev]
    memo = None
    if memo_dir is not None:
        where = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:32]
        memo = Path(memo_dir) / f"user-hash-{where}.json"
        try:
            found = json.loads(memo.read_text("utf-8"))
            if found.get("stamp") == stamp and isinstance(found.get("sha256"), str):
                return found["sha256"]
        except (OSError, ValueError, AttributeError):
            pass
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(HASH_PIECE):
            digest.update(piece)
    found = digest.hexdigest()
    if memo is not None:
        try:
            write_atomic(memo, json.dumps({"stamp": stamp, "sha256": found}).encode())
        except OSError:
            pass  # only a memo: the next run hashes again
    return found


def cached(cache_dir: Path | None, key: str, name: str) -> StoredSound | None:
    """The finished sound kept under ``key``, or None when there is none (or it is damaged)."""
    if cache_dir is None:
        return None
    data, meta = _entry(cache_dir, key)
    try:
        info = json.loads(meta.read_text("utf-8"))
        frames, channels = int(info["frames"]), int(info["channels"])
        powers = np.asarray(info["powers"], dtype=np.float64)
        handle = os.open(data, os.O_RDONLY)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if os.fstat(handle).st_size != frames * channels * 4 or frames <= 0:
        os.close(handle)
        return None
    return StoredSound(handle, frames, channels, int(info["rate"]), float(info["peak"]), powers, name)


def _entry(cache_dir: Path, key: str) -> tuple[Path, Path]:
    data = Path(cache_dir) / f"user-{key}-v{FORMAT_VERSION}.f32"
    return data, Path(f"{data}.json")


class Scratch:
    """A file of float32 frames being made, in the cache folder (or, with none, an unnamed temporary
    file), read and written a stretch at a time; ``keep`` publishes it under its key."""

    def __init__(self, cache_dir: Path | None, key: str, channels: int) -> None:
        self.channels = channels
        self.frames = 0
        self.cache_dir = None
        self.path: Path | None = None
        if cache_dir is not None:
            try:
                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                self.handle, self.path = create(Path(cache_dir), f"user-{key}")
                self.cache_dir = Path(cache_dir)
            except OSError:
                pass  # a cache that cannot be written is only slower
        if self.path is None:
            with tempfile.TemporaryFile() as unnamed:  # the space goes when the last descriptor closes
                self.handle = os.dup(unnamed.fileno())
        self.key = key

    def append(self, x: np.ndarray) -> None:
        self.write(self.frames, x)

    def write(self, start: int, x: np.ndarray) -> None:
        data = np.ascontiguousarray(x, dtype=np.float32).tobytes()
        offset = start * 4 * self.channels
        while data:
            done = os.pwrite(self.handle, data, offset)
            data, offset = data[done:], offset + done
        self.frames = max(self.frames, start + len(x))

    def read(self, start: int, stop: int) -> np.ndarray:
        count = max(0, stop - start)
        data = _pread_all(self.handle, count * 4 * self.channels, start * 4 * self.channels)
        return np.frombuffer(data, dtype=np.float32).reshape(count, self.channels)

    def truncate(self, frames: int) -> None:
        os.ftruncate(self.handle, frames * 4 * self.channels)
        self.frames = frames

    def stretches(self, rate: int) -> Iterator[tuple[int, int]]:
        """(start, stop) of every stretch of a pass, each a whole number of loudness steps."""
        size = max(1, round(rate * loudness.STEP_SECONDS)) * CHUNK_STEPS
        for start in range(0, self.frames, size):
            yield start, min(self.frames, start + size)

    def keep(self, rate: int, peak: float, powers: np.ndarray, name: str) -> StoredSound:
        """The finished sound, published in the cache when there is one."""
        if self.path is not None:
            data, meta = _entry(self.cache_dir, self.key)
            try:
                os.replace(self.path, data)
                write_atomic(meta, json.dumps({"frames": self.frames, "channels": self.channels, "rate": rate,
                                               "peak": peak, "powers": powers.tolist()}).encode())
            except OSError:
                pass  # kept open below all the same: this session still has it
            self.path = None
        handle, self.handle = self.handle, -1
        return StoredSound(handle, self.frames, self.channels, rate, peak, powers, name)

    def discard(self) -> None:
        if self.handle >= 0:
            os.close(self.handle)
            self.handle = -1
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def to_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """Stereo float64 frames as ``channels`` float64 channels: mono is the mean of the two."""
    return x if channels == 2 else x.mean(axis=1, keepdims=True)
