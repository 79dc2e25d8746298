"""A user's own sound files, and the checks every bell and bed goes through.

Any file ffmpeg can decode works as a bell or a bed: pydub runs ffmpeg, and its failures (a missing
ffmpeg, a damaged or empty file, a folder) become one friendly line each. Also here: which file or
built-in a name refers to (with a "did you mean" for a near miss), and the sample rates and channel
counts bells and beds accept.

Arrays are shaped ``(frames, channels)``; mono is the mean of the two stereo channels.
"""

from __future__ import annotations

import difflib
import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MissingDependencyError, NotFoundError, SoundError

if TYPE_CHECKING:  # numpy loads when a sound is decoded, not when a name is looked up (listings)
    import numpy as np

RATE = 44100  # the rate bells and beds are made at unless a session asks for another
MIN_RATE, MAX_RATE = 8000, 384000


def load(path: Path, rate: int, max_seconds: float | None = None) -> np.ndarray:
    """A sound file as (n, 2) float64 at ``rate``: decoded (its first ``max_seconds`` at most),
    then resampled."""
    from ..dsp.samples import resample

    x, source = decode(path, max_seconds=max_seconds)
    return resample(x, source, rate)


def probe_seconds(path: Path) -> float | None:
    """A sound file's length from its header (mutagen reads no samples), or None when it does not
    say: for estimates that must not decode (a listing of a library whose bell lasts an hour)."""
    try:
        import mutagen

        found = mutagen.File(path)
    except Exception:  # mutagen raises its own errors for files it cannot read; an estimate then
        return None
    seconds = getattr(getattr(found, "info", None), "length", None)
    return float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else None


def decode(path: Path, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode any file ffmpeg can read: ((n, 2) float64 in [-1, 1], sample rate)."""
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # pydub warns when ffmpeg is absent
            warnings.simplefilter("ignore", DeprecationWarning)  # ... and about audioop
            from pydub import AudioSegment
    except ImportError as exc:
        raise MissingDependencyError(
            f"decoding sound files needs pydub ({exc}); install it with: pip install pydub"
        ) from None
    _refuse_blank(path)
    try:
        # -nostdin: ffmpeg would otherwise read keys from our stdin, eating what the user types.
        seg = AudioSegment.from_file(str(path), duration=max_seconds, parameters=["-nostdin"])
        frame_count = int(seg.frame_count())
        channels, width, src_rate = seg.channels, seg.sample_width, int(seg.frame_rate)
        raw = np.array(seg.get_array_of_samples())
    except Exception as exc:  # pydub/ffmpeg fail in many ways on bad files: never let them out
        if _ffmpeg_missing() and not isinstance(exc, (IndexError, KeyError)):
            raise MissingDependencyError(
                f"decoding '{path}' needs ffmpeg, which is not installed; install ffmpeg "
                "(e.g. sudo apt install ffmpeg) or use a built-in sound"
            ) from None
        raise SoundError(
            f"cannot decode '{path}' as audio: {_decode_reason(exc, path)}; "
            "use a WAV, FLAC, MP3 or OGG file"
        ) from None
    if frame_count == 0 or raw.size == 0 or src_rate <= 0:
        raise SoundError(f"'{path}' holds no audio; use a sound file with something in it")
    x = raw[: (raw.size // channels) * channels].reshape(-1, channels)
    x = x.astype(np.float64) / float(1 << (8 * width - 1))
    if channels == 1:
        x = np.repeat(x, 2, axis=1)
    elif channels > 2:
        x = x[:, :2]  # front left and right
    return x, src_rate


BLANK_PROBE = 64 * 1024


def _refuse_blank(path: Path) -> None:
    """A regular file that starts with nothing but zero bytes is no sound file any format knows;
    ffmpeg would probe the whole of it before saying so (a sparse 2 GB file took it a minute)."""
    try:
        if not path.is_file():
            return  # directories, FIFOs and devices are ffmpeg's to refuse, and it does so at once
        with open(path, "rb") as f:
            head = f.read(BLANK_PROBE)
    except OSError:
        return  # unreadable: ffmpeg says why in its own words
    if len(head) == BLANK_PROBE and not head.strip(b"\0"):
        raise SoundError(f"'{path}' starts with {BLANK_PROBE // 1024} KiB of zero bytes, so it is not a sound file; "
                         "use a WAV, FLAC, MP3 or OGG file")


def _ffmpeg_missing() -> bool:
    return shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None


def _decode_reason(exc: Exception, path: Path) -> str:
    """One short line explaining why ffmpeg/pydub could not decode a file."""
    text = str(exc).strip()
    if type(exc).__name__ == "CouldntDecodeError" and "Output from ffmpeg" in text:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        text = lines[-1] if lines else "ffmpeg could not read it"
        for prefix in (str(path) + ": ", path.name + ": "):
            if text.startswith(prefix):
                text = text[len(prefix) :]
    elif isinstance(exc, (IndexError, KeyError)):
        text = "no audio stream found"
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


# --------------------------------------------------------------------------------------------
# Names: a built-in sound, or the path of a file


def builtin_name(name: str, names: tuple[str, ...], kind: str) -> str:
    """``name`` as one of the built-in ``names`` (any case, spaces around), or a NotFoundError
    suggesting the nearest; ``kind`` ("bell", "background") is how the message calls it."""
    key = str(name).strip().lower()
    if key in names:
        return key
    raise NotFoundError(_unknown_message(str(name), names, kind))


def user_path(key: str, names: tuple[str, ...], kind: str) -> Path:
    """The sound file a non-built-in name refers to, or a friendly NotFoundError."""
    path = Path(key).expanduser()
    if key and path.exists():
        if path.is_dir():
            raise SoundError(f"'{key}' is a folder; give the path of a sound file")
        if not path.is_file():  # a FIFO would block forever, a device never ends
            raise SoundError(f"'{key}' is not a regular file (a pipe or a device); give the path of a sound file")
        return path
    looks_like_path = "/" in key or os.sep in key or bool(path.suffix)
    if looks_like_path:
        raise NotFoundError(f"sound file '{key}' not found; check the path")
    raise NotFoundError(_unknown_message(key, names, kind))


def _unknown_message(name: str, names: tuple[str, ...], kind: str) -> str:
    close = difflib.get_close_matches(name.strip().lower(), names, n=1, cutoff=0.5)
    if close:
        return f"unknown {kind} '{name}'; did you mean '{close[0]}'? (guided sounds lists them)"
    return (
        f"unknown {kind} '{name}'; use one of {', '.join(names)} or the path of a sound file "
        "(guided sounds lists them)"
    )


# --------------------------------------------------------------------------------------------
# Rates and channels


def check_rate(rate: int) -> int:
    if int(rate) != rate or not MIN_RATE <= rate <= MAX_RATE:
        raise SoundError(f"unsupported sample rate {rate}; use {MIN_RATE} to {MAX_RATE} Hz")
    return int(rate)


def check_channels(channels: int) -> int:
    if channels not in (1, 2):
        raise SoundError(f"unsupported channel count {channels}; use 1 (mono) or 2 (stereo)")
    return int(channels)


def to_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """(n, 2) -> (n, channels) float32; mono is the mean of the two channels."""
    import numpy as np

    if channels == 2:
        return np.ascontiguousarray(x, dtype=np.float32)
    return x.astype(np.float64).mean(axis=1, keepdims=True).astype(np.float32)
