"""Recording spoken answers: a microphone stream written to disk as it comes, so nothing is lost.

A WAV file is written in two steps that are each safe to interrupt: samples are appended, then the
header's two length fields are brought up to date. Samples go to the file as they come and the
header follows at least every half second of audio, so a killed process loses at most that much;
a file whose header lags behind its samples is repaired (header rewritten from the file's real
size) the next time the journal starts.

A write that fails part-way (the disk full, a file size limit, the disk gone) keeps the recording
whole up to its last complete sample: the file is cut back to what really reached it and its
header rewritten in place, which needs no new space. The answer then ends (`ended_by` "write
failed"), and so does one whose microphone stops giving sound (unplugged, or its stream failing:
"microphone lost"); neither raises, so the caller keeps the answer so far and says why (`problem`).

Silence is counted in samples, never in wall-clock time: a microphone delivers audio at its own
pace, and a test device may deliver minutes in a moment. Whether a stretch is speech is asked of a
speech detector (guided/vad.py): Silero when it is installed, energy otherwise.

A sitting keeps one `Microphone`: its stream is started for each answer and stopped between them
(nothing is heard while a question is spoken), and it is read as the answer is written, so an
answer is exactly the sound from its start to the end of its silence.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DeviceError, MicrophoneLost, StorageError
from ..play.devices import import_sounddevice
from .vad import EnergyDetector, SpeechDetector, silero_available, speech_detector

HEADER_BYTES = 44
FLUSH_EVERY_SECONDS = 0.5
READ_SECONDS = 0.1  # how much is read at once: a key press ends an answer within this


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


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    spoke: bool  # speech was heard at all
    ended_by: str  # "silence", "key", "limit", "stopped", "nothing said", "write failed" or "microphone lost"
    problem: str | None = None  # why a "write failed" or "microphone lost" answer ended, in a few words


class SpeechGate:
    """Decides, window by window, whether someone is speaking, and how long the quiet has lasted;
    the detector says which windows are speech (energy unless one is given)."""

    def __init__(self, rate: int, silence_seconds: float, detector: SpeechDetector | None = None) -> None:
        self.detector = detector or EnergyDetector(rate)
        self.silence_needed = int(silence_seconds * rate)
        self.spoke = False
        self.quiet = 0  # samples of quiet since the last speech (or since the start)

    def feed(self, samples: np.ndarray) -> None:
        for length, is_speech in self.detector.feed(samples):
            if is_speech:
                self.spoke = True
                self.quiet = 0
            else:
                self.quiet += length

    @property
    def done(self) -> bool:
        return self.spoke and self.quiet >= self.silence_needed


class Microphone:
    """One input stream, opened once and started only while an answer is taken. Blocking reads
    take exactly what is written: nothing is read ahead and dropped between two answers.

    A stream that fails (PortAudio reporting an input error, the device unplugged) raises
    MicrophoneLost from `read`; it is then closed, and the next `start` opens the device afresh
    (raising DeviceError if it is still gone). A stream that stalls without an error is not
    caught here: a device without a clock of its own (ALSA's file plugin) has no sound waiting
    until it is read, so waiting for sound to arrive cannot tell it from a dead one."""

    def __init__(self, device: int | None = None, rate: int = 44100) -> None:
        self.device = device
        self.rate = rate
        self._stream = None
        self._errors: tuple[type[BaseException], ...] = ()

    def __enter__(self) -> Microphone:
        silero_available()  # the speech detector loads now, before the first question, not after it
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        sd = import_sounddevice()
        self._errors = (sd.PortAudioError, OSError)
        try:
            if self._stream is None:
                self._stream = sd.InputStream(samplerate=self.rate, channels=1, dtype="int16", device=self.device)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._drop()
            raise DeviceError(f"cannot open the microphone: {exc}; try another --input-device, or use --type") from None

    def read(self, frames: int) -> np.ndarray:
        try:
            data, _overflowed = self._stream.read(frames)
        except self._errors as exc:
            self._drop()
            raise MicrophoneLost(f"the microphone stopped: {exc}") from None
        return data.reshape(-1)

    def stop(self) -> None:
        if self._stream is None:
            return
        try:
            if self._stream.active:
                self._stream.stop()
        except self._errors:
            self._drop()

    def close(self) -> None:
        if self._stream is not None:
            self.stop()
            self._drop()

    def _drop(self) -> None:
        """Let go of the stream, whatever state it is in."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close(ignore_errors=True)


def record_answer(
    path: Path,
    *,
    rate: int = 44100,
    silence_seconds: float = 8.0,
    max_seconds: float = 300.0,
    wait_for_speech_seconds: float | None = None,
    device: int | None = None,
    stop: threading.Event | None = None,
    on_level: Callable[[float, bool], None] | None = None,
    microphone: Microphone | None = None,
) -> Recording:
    """Record one answer to `path` until `silence_seconds` of quiet after speech, `stop` being set
    (a key), `max_seconds`, or `wait_for_speech_seconds` passing with nothing said. With no
    `microphone`, one is opened on `device` for this answer alone."""
    stop = stop or threading.Event()
    own = microphone is None
    microphone = microphone or Microphone(device, rate)
    rate = microphone.rate
    gate = SpeechGate(rate, silence_seconds, speech_detector(rate))  # loaded before listening starts
    writer = WavAppender(path, rate, 1)
    limit = int(max_seconds * rate)
    no_speech_limit = int(wait_for_speech_seconds * rate) if wait_for_speech_seconds else None
    flush_every = int(FLUSH_EVERY_SECONDS * rate)
    unflushed = 0
    ended, problem = "stopped", None
    try:
        try:
            microphone.start()
        except DeviceError:
            writer.close()
            Path(path).unlink(missing_ok=True)  # nothing was heard: no empty recording is left
            raise
        while True:
            if stop.is_set():
                ended = "key"
                break
            chunk = microphone.read(max(1, int(READ_SECONDS * rate)))
            writer.append(chunk)
            unflushed += len(chunk)
            gate.feed(chunk)
            if on_level:
                on_level(float(np.abs(chunk).max(initial=0)) / 32768, gate.spoke)
            if unflushed >= flush_every:
                writer.flush()
                unflushed = 0
            if gate.done:
                ended = "silence"
                break
            if writer.frames >= limit:
                ended = "limit"
                break
            if no_speech_limit is not None and not gate.spoke and writer.frames >= no_speech_limit:
                ended = "nothing said"
                break
    except StorageError as exc:
        ended, problem = "write failed", exc.reason
    except MicrophoneLost as exc:
        ended, problem = "microphone lost", str(exc).removeprefix("the microphone stopped: ")
    finally:
        try:
            writer.close()
        except StorageError as exc:  # the last of it did not reach the disk: what did is kept
            ended, problem = "write failed", exc.reason
        if own:
            microphone.close()
        else:
            microphone.stop()
    return Recording(path=Path(path), seconds=writer.seconds, spoke=gate.spoke, ended_by=ended, problem=problem)
