"""Recording spoken answers: a microphone stream written to disk as it comes, so nothing is lost.

A WAV file is written in two steps that are each safe to interrupt: samples are appended, then the
header's two length fields are brought up to date. Both happen at least every half second of
audio, so a killed process loses at most that much; a file whose header lags behind its samples is
repaired (header rewritten from the file's real size) the next time the journal starts.

Silence is counted in samples, never in wall-clock time: a microphone delivers audio at its own
pace, and a test device may deliver minutes in a moment. Whether a stretch is speech is asked of a
speech detector (guided/vad.py): Silero when it is installed, energy otherwise.

A sitting keeps one `Microphone`: its stream is started for each answer and stopped between them
(nothing is heard while a question is spoken), and it is read as the answer is written, so an
answer is exactly the sound from its start to the end of its silence.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .devices import import_sounddevice
from .errors import DeviceError, OutputError
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


class WavAppender:
    """A 16-bit PCM WAV file that is playable after every `flush()`, with files private (0600)."""

    def __init__(self, path: Path, rate: int, channels: int = 1) -> None:
        self.path = Path(path)
        self.rate = rate
        self.channels = channels
        self.frames = 0
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise OutputError(f"cannot write the recording {self.path}: {exc.strerror or exc}") from None
        self._file = os.fdopen(fd, "wb")
        self._file.write(_header(rate, channels, 0))
        self._file.flush()

    def append(self, samples: np.ndarray) -> None:
        data = np.ascontiguousarray(samples, dtype="<i2")
        self._file.write(data.tobytes())
        self.frames += data.size // self.channels

    def flush(self) -> None:
        """Samples first, then the header that counts them: a crash between the two leaves a file
        whose header is short of its data, which `repair` fixes and players still read."""
        self._file.flush()
        data_bytes = self.frames * self.channels * 2
        position = self._file.tell()
        self._file.seek(4)
        self._file.write(struct.pack("<I", 36 + data_bytes))
        self._file.seek(40)
        self._file.write(struct.pack("<I", data_bytes))
        self._file.seek(position)
        self._file.flush()

    def close(self) -> None:
        if self._file.closed:
            return
        self.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


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
    ended_by: str  # "silence", "key", "limit", "stopped" or "nothing said"


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
    take exactly what is written: nothing is read ahead and dropped between two answers."""

    def __init__(self, device: int | None = None, rate: int = 44100) -> None:
        self.device = device
        self.rate = rate
        self._stream = None

    def __enter__(self) -> Microphone:
        silero_available()  # the speech detector loads now, before the first question, not after it
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self._stream is None:
            sd = import_sounddevice()
            try:
                self._stream = sd.InputStream(samplerate=self.rate, channels=1, dtype="int16", device=self.device)
            except (sd.PortAudioError, ValueError) as exc:
                raise DeviceError(f"cannot open the microphone: {exc}; try another --input-device, or use --type") from None
        self._stream.start()

    def read(self, frames: int) -> np.ndarray:
        data, _overflowed = self._stream.read(frames)
        return data.reshape(-1)

    def stop(self) -> None:
        if self._stream is not None and self._stream.active:
            self._stream.stop()

    def close(self) -> None:
        if self._stream is not None:
            self.stop()
            self._stream.close()
            self._stream = None


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
    ended = "stopped"
    try:
        microphone.start()
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
    finally:
        writer.close()
        if own:
            microphone.close()
        else:
            microphone.stop()
    return Recording(path=Path(path), seconds=writer.seconds, spoke=gate.spoke, ended_by=ended)
