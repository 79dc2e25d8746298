"""The clip cache: every rendered phrase stored once, content-addressed, shared safely between processes.

A clip file is a small header line of JSON followed by raw 16-bit mono PCM. The header carries a
SHA-256 of the samples, so a truncated or corrupted clip is noticed and rendered again, never
played as noise. Files are written to a temporary name and renamed into place, so a reader sees
either nothing or a whole clip, and two processes rendering the same phrase do not clash.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..dsp import resampled_length
from ..errors import OutputError, TTSError
from ..files import write_atomic

if TYPE_CHECKING:
    import numpy as np

MAGIC = b"GUIDEDCLIP1 "
# What is done to an engine's output before it is stored; part of every key, so a change here
# renders clips again instead of mixing old and new.
PROCESSING = "peaks-tamed-12dB-v3"
PEAK_HEADROOM_DB = 12.0
HEADER_READ_BYTES = 8192  # a header line holds 0.1 s of loudness in ~12 bytes: a minute of speech
MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class Clip:
    """A rendered phrase: where its samples live and what the timeline and loudness need to know."""

    key: str
    path: Path
    native_rate: int
    native_frames: int
    rate: int  # the session's sample rate
    frames: int  # length at the session's rate
    step_powers: tuple[float, ...]  # K-weighted mean square per 100 ms, for loudness ahead of mixing
    peak: float = 1.0  # largest absolute sample, full scale 1.0


# No voice speaks a word in less than this: a shorter clip is a failed synthesis, never to be kept.
MIN_SECONDS_PER_WORD = 0.06


def _render_checked(engine, text: str):
    """The engine's rendering of `text`, tried a second time if it came back empty or cut short;
    a clip that is still too short is an error rather than a silence cached for good."""
    words = len(text.split())
    for _attempt in range(2):
        samples, rate = engine.render(text)
        if words == 0 or len(samples) >= MIN_SECONDS_PER_WORD * words * rate:
            return samples, rate
    raise TTSError(f"the speech engine gave {len(samples) / rate:.2f}s of audio for {words} words of "
                   f"{text[:40]!r}; try again, or another --engine")


class ClipCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.rendered = 0
        self.reused = 0
        self._lock = threading.Lock()

    def key(self, identity: str, text: str) -> str:
        return hashlib.sha256(f"{PROCESSING}\n{identity}\n{text}".encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def read_header(self, path: Path) -> tuple[dict, bytes] | None:
        """The clip's header and samples, or None when the file is missing, truncated or corrupt."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(MAGIC):
            return None
        newline = data.find(b"\n")
        if newline < 0:
            return None
        try:
            header = json.loads(data[len(MAGIC) : newline])
            payload = data[newline + 1 :]
            if hashlib.sha256(payload).hexdigest() != header["sha256"] or len(payload) != 2 * header["frames"]:
                return None
            return header, payload
        except (ValueError, KeyError, TypeError):
            return None

    def frames(self, key: str, rate: int) -> int | None:
        """The length at `rate` of the cached clip `key`, from its header line alone (no samples
        read, no numpy); None when it is not cached, or its file is not whole (rendering will make
        it again). What a listing of lengths asks for hundreds of phrases."""
        path = os.path.join(self.root, key[:2], f"{key}.clip")  # os.path: cheaper than Path, the same place
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            head = os.read(fd, HEADER_READ_BYTES)
            size = os.fstat(fd).st_size
            newline = head.find(b"\n")
            if newline < 0 and len(head) == HEADER_READ_BYTES:  # a very long clip: read its whole header line
                head += os.read(fd, MAX_HEADER_BYTES)
                newline = head.find(b"\n")
        except OSError:
            return None
        finally:
            os.close(fd)
        if newline < 0 or not head.startswith(MAGIC):
            return None
        try:
            header = json.loads(head[len(MAGIC) : newline])
            frames, native = int(header["frames"]), int(header["rate"])
        except (ValueError, KeyError, TypeError):
            return None
        if size != newline + 1 + 2 * frames or native <= 0:
            return None
        return resampled_length(frames, native, rate)

    def samples(self, clip: Clip) -> np.ndarray:
        """The clip's samples as int16 at the engine's rate (verified again: the file may have changed)."""
        import numpy as np

        found = self.read_header(clip.path)
        if found is None:
            raise OutputError(f"a cached speech clip vanished or was damaged while in use: {clip.path}")
        return np.frombuffer(found[1], dtype="<i2")

    def get(self, engine, text: str, rate: int) -> Clip:
        """The clip for `text` spoken by `engine`, rendering it only when no good copy is cached."""
        return self._clip(engine, text, rate, render=True)

    def find(self, engine, text: str, rate: int) -> Clip | None:
        """The clip for `text` when a good copy is cached, else None: nothing is rendered."""
        return self._clip(engine, text, rate, render=False)

    def _clip(self, engine, text: str, rate: int, render: bool) -> Clip | None:
        key = self.key(engine.identity(), text)
        path = self.path(key)
        found = self.read_header(path)
        if found is None:
            if not render:
                return None
            samples, native_rate = _render_checked(engine, text)
            header = self._write(path, samples, native_rate)
            with self._lock:
                self.rendered += 1
        else:
            header = found[0]
            with self._lock:
                self.reused += 1
        return Clip(
            key=key,
            path=path,
            native_rate=header["rate"],
            native_frames=header["frames"],
            rate=rate,
            frames=resampled_length(header["frames"], header["rate"], rate),
            step_powers=tuple(header["powers"]),
            peak=float(header.get("peak", 1.0)),
        )

    def _write(self, path: Path, samples: np.ndarray, rate: int) -> dict:
        import numpy as np

        from ..dsp import loudness
        from ..dsp.peaks import tame_peaks

        tamed = tame_peaks(samples.astype(np.float64) / 32768.0, rate, PEAK_HEADROOM_DB)
        samples = np.ascontiguousarray(np.round(tamed * 32767.0), dtype="<i2")
        payload = samples.tobytes()
        powers = loudness.step_powers(samples.astype(np.float32)[:, None] / 32768.0, rate)
        header = {
            "rate": rate,
            "frames": int(samples.size),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "powers": [float(f"{p:.6g}") for p in powers],
            "peak": float(np.abs(samples.astype(np.int32)).max(initial=0)) / 32768.0,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            content = MAGIC + json.dumps(header).encode() + b"\n" + payload
            if not write_atomic(path, content, keep_existing=True):
                # Another process rendered this phrase at the same moment, and a voice's renderings
                # can differ by a few samples: everyone uses the clip that stays, so every process
                # places it at the same length. A damaged file there is replaced.
                found = self.read_header(path)
                if found is not None:
                    return found[0]
                write_atomic(path, content)
        except OSError as exc:
            raise OutputError(f"cannot write to the clip cache {self.root}: {exc.strerror or exc}") from None
        return header
