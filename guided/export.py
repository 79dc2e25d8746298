"""Encoding a session to a file: the mixer's blocks stream through ffmpeg into a temporary file,
renamed into place only when it is whole, so an interrupted export leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import GuidedError, MissingDependencyError, OutputError
from .session import Session

# extension → (ffmpeg muxer, codec arguments); "{bitrate}" is filled in from the chosen bitrate
FORMATS: dict[str, tuple[str, list[str]]] = {
    "wav": ("wav", ["-c:a", "pcm_s16le"]),
    "flac": ("flac", ["-c:a", "flac"]),
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "{bitrate}"]),
    "ogg": ("ogg", ["-c:a", "libvorbis", "-b:a", "{bitrate}"]),
}
DEFAULT_BITRATE = {"mp3": "160k", "ogg": "128k"}

FFMPEG_HINT = (
    "ffmpeg is not installed; Debian/Ubuntu: sudo apt-get install ffmpeg, "
    "macOS: brew install ffmpeg, Windows: winget install ffmpeg"
)


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    seconds: float
    frames: int
    rate: int
    channels: int


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise MissingDependencyError(FFMPEG_HINT)
    return found


def format_for(output: str, chosen: str | None) -> str:
    fmt = (chosen or Path(output).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        known = ", ".join(FORMATS)
        if not fmt:
            raise GuidedError(f"cannot tell the format of {output!r}: give it an extension ({known}) or --format")
        raise GuidedError(f"unknown audio format {fmt!r}; expected one of {known}")
    return fmt


def check_output(output: str) -> Path | None:
    """The folder the file will go in, checked before any work starts (None for stdout)."""
    if output == "-":
        return None
    folder = Path(output).expanduser().absolute().parent
    if not folder.is_dir():
        raise OutputError(f"the folder {folder} does not exist; create it first or choose another -o")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to the folder {folder}: permission denied")
    if Path(output).is_dir():
        raise OutputError(f"{output} is a folder; give a file name such as {Path(output) / 'session.mp3'}")
    return folder


def export(
    session: Session,
    output: str,
    fmt: str | None = None,
    bitrate: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    metadata: dict[str, str] | None = None,
) -> ExportResult:
    fmt = format_for(output, fmt)
    folder = check_output(output)
    binary = ffmpeg()
    muxer, codec = FORMATS[fmt]
    codec = [a.replace("{bitrate}", bitrate or DEFAULT_BITRATE.get(fmt, "")) for a in codec]
    settings = session.settings
    tags = {"title": session.script.title, "artist": "guided", "album": session.script.series or "guided"}
    tags.update(metadata or {})
    meta_args = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]

    if folder is None:
        temp = None
        target = "pipe:1"
    else:
        final = Path(output).expanduser()
        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{final.name}.", suffix=".partial")
        os.close(handle)
        temp = Path(temp_name)
        target = str(temp)
    command = [
        binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(settings.rate), "-ac", str(settings.channels), "-i", "pipe:0",
        *codec, *meta_args, "-f", muxer, target,
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        try:
            _encode(session, command, log, output, progress)
            if temp is not None:
                # mkstemp makes the file private; a finished export gets the usual permissions.
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temp, 0o666 & ~umask)
                os.replace(temp, final)
                temp = None
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
    return ExportResult(
        path=output,
        format=fmt,
        seconds=round(session.total / settings.rate, 3),
        frames=session.total,
        rate=settings.rate,
        channels=settings.channels,
    )


def _encode(session: Session, command: list[str], log, output: str, progress) -> None:
    """Feed the mixer's blocks to ffmpeg as they are made; raise OutputError if it fails."""
    process = None
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=log)
        done = 0
        try:
            for block in session.mixer.blocks():
                process.stdin.write(block.astype("<f4", copy=False).tobytes())
                done += len(block)
                if progress:
                    progress(done, session.total)
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its own message says why, below
        code = process.wait()
        if code != 0:
            log.seek(0)
            lines = [x for x in log.read().decode(errors="replace").splitlines() if x.strip()]
            reason = lines[-1] if lines else f"ffmpeg exited with status {code}"
            if "No space left" in reason or "File too large" in reason:
                raise OutputError(f"the disk is full or the file too large while writing {output}: {reason}")
            raise OutputError(f"ffmpeg could not write {output}: {reason}")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
