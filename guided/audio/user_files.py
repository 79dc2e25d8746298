"""A user's own sound files, and the checks every bell and bed goes through.

Any file ffmpeg can decode works as a bell or a bed (:mod:`guided.audio.user_sounds` makes them,
a few seconds at a time); here: how long each may be heard, a file's length from its header (for
listings, which decode nothing), the quick refusals, and one short line for whatever ffmpeg says
about a file it cannot decode. Also which file or built-in a name refers to (with a "did you mean"
for a near miss), and the sample rates and channel counts bells and beds accept.

Arrays are shaped ``(frames, channels)``; mono is the mean of the two stereo channels.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotFoundError, SoundError

if TYPE_CHECKING:  # numpy loads when a sound is decoded, not when a name is looked up (listings)
    import numpy as np

RATE = 44100  # the rate bells and beds are made at unless a session asks for another
MIN_RATE, MAX_RATE = 8000, 384000
# A bell rings out under what follows it: two minutes is longer than any struck bell or bowl, and a
# file longer than that (a recording of a whole session) is heard for two minutes, faded out over
# the last ten seconds of them. A bed loops its file's first three minutes.
FILE_BELL_MAX_SECONDS = 120.0
FILE_BELL_CUT_FADE = 10.0
FILE_BED_MAX_SECONDS = 180.0
# The levels every bell and bed is brought to, built in or a user's.
BELL_PEAK = 0.5  # -6 dBFS
BED_RMS = 0.1  # -20 dBFS
BED_PEAK_LIMIT = 0.9


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


BLANK_PROBE = 64 * 1024


def refuse_blank(path: Path) -> None:
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


def decode_reason(said: str, path: Path) -> str:
    """One short line from what ffmpeg said when it could not decode a file: its last line, without
    the file's name in front."""
    lines = [ln.strip() for ln in said.splitlines() if ln.strip()]
    text = lines[-1] if lines else "ffmpeg could not read it"
    if "matches no streams" in text or "does not contain any stream" in text:
        text = "no audio stream found"
    for prefix in (str(path) + ": ", path.name + ": "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = " ".join(text.split())
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


def refuse_unusable(name: str, names: tuple[str, ...], kind: str) -> None:
    """Refuse at once, in one line, a sound that names nothing usable: no such built-in or file, a
    folder, a pipe or a device, a file of nothing but zero bytes. For a session to say so before any
    work; a file that turns out damaged is said when it is decoded."""
    key = str(name).strip()
    if key.lower() not in names:
        refuse_blank(user_path(key, names, kind))


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
