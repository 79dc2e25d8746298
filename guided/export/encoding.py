"""Encoding a session to a file: the mixer's blocks stream through ffmpeg into a temporary file,
tags, cover and chapters go into that file, and only then is it renamed into place (with its
caption sidecar), so a finished export appears whole in one step and an interrupted one leaves
nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import errors, files
from ..errors import GuidedError, MissingDependencyError, OutputError, UsageError
from ..options import shown
from ..timing.timefmt import to_ms
from . import tags
from .captions import caption_file
from .chapters import Mark, chapter_marks, within
from .formats import CAPTION_FORMATS, FORMATS, vorbis_bitrate

if TYPE_CHECKING:  # a Session is only read here; the session room is the one that calls export
    from ..session.prepared import Session

BITRATE = re.compile(r"(\d{1,4})(k?)", re.IGNORECASE)

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
    bitrate: str | None = None
    chapters: int = 0
    chapters_joined: int = 0  # beyond the format's table: joined into their neighbours (chapters.within)
    cover: bool = False
    captions: str | None = None


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise MissingDependencyError(FFMPEG_HINT)
    return found


def format_for(output: str, chosen: str | None) -> str:
    known = ", ".join(FORMATS)
    if chosen is None and output == "-":
        raise GuidedError(f"writing to standard output (-o -) needs --format ({known})")
    fmt = (chosen or Path(output).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        if not fmt:
            raise GuidedError(f"cannot tell the format of {output!r}: give it an extension ({known}) or --format")
        raise GuidedError(f"unknown audio format {fmt!r}; expected one of {known}")
    return fmt


def bitrate_for(fmt: str, bitrate: str | None) -> str | None:
    """The bitrate ffmpeg is given: the user's, checked, or the format's default (None when lossless)."""
    spec = FORMATS[fmt]
    if bitrate is None:
        return spec.bitrate
    if spec.bitrate is None:
        raise UsageError(f"{fmt} is lossless and takes no --bitrate; leave it out, or choose mp3, m4a, ogg or opus")
    match = BITRATE.fullmatch(bitrate.strip())
    kbps = int(match.group(1)) if match and match.group(2) else (int(match.group(1)) // 1000 if match else 0)
    if not match or not 8 <= kbps <= 512:
        raise UsageError(f"expected a bitrate such as 96k, 128k or 192k (8k to 512k), not {shown(bitrate)}")
    return f"{kbps}k"


def caption_path(output: str, captions: str) -> Path:
    return Path(output).expanduser().with_suffix(f".{captions}")


def check_output(output: str, captions: str | None = None) -> Path | None:
    """The folder the file will go in, checked before any work starts (None for stdout)."""
    if output == "-":
        if captions:
            raise GuidedError("--captions writes a file beside the audio, so it needs -o FILE, not -o -")
        return None
    folder = Path(output).expanduser().absolute().parent
    if not folder.is_dir():
        raise OutputError(f"the folder {folder} does not exist; create it first or choose another -o")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to the folder {folder}: permission denied")
    if Path(output).is_dir():
        raise OutputError(f"{output} is a folder; give a file name such as {Path(output) / 'session.mp3'}")
    # Permissions alone do not tell (root, read-only mounts, /proc): try making a file there.
    temp_in(folder, Path(output).name).unlink(missing_ok=True)
    if captions and caption_path(output, captions) == Path(output).expanduser():
        raise GuidedError(f"the captions would overwrite the audio: give -o a name ending in an audio format, not .{captions}")
    if captions and caption_path(output, captions).is_dir():
        raise OutputError(f"the captions go to {caption_path(output, captions)}, which is a folder; "
                          "move it or choose another name")
    return folder


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: after resolving links, or as hard links of one file."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: then only its resolved name could clash
        return False


def refuse_overwriting(writes: list[tuple[Path, str]], reads: dict[Path, str]) -> None:
    """One line, before any work, when a file the export would write is a file it reads (its
    script, bed, bells or cover) or another file it writes; each path comes with what it is ("the
    audio", "the captions", "the script", "the background", ...)."""
    written = list(writes)
    for index, (path, what) in enumerate(written):
        for read, used_as in reads.items():
            if _same_file(path, read):
                raise OutputError(f"{what} would overwrite {used_as} it is made from ({read}); choose another name")
        for other, other_what in written[:index]:
            if _same_file(path, other):
                raise OutputError(f"{what} and {other_what} would be the same file ({path}); choose another name")


def resolve_cover(cover: str | None) -> tags.Cover | None | str:
    """`None` or "auto": a generated cover (made once the title is known); "none": no cover; else a file."""
    if cover is None or cover == "auto":
        return "auto"
    if cover.strip().lower() == "none":
        return None
    return tags.load_cover(cover)


def preflight(output: str, fmt: str | None = None, captions: str | None = None, cover: str | None = None):
    """Everything about an export that can be wrong before any rendering, said at once: the format,
    the output folder, the caption type, the cover file and ffmpeg. Returns the cover to use."""
    format_for(output, fmt)
    if captions is not None and captions not in CAPTION_FORMATS:
        raise GuidedError(f"unknown caption format {captions!r}; expected one of {', '.join(CAPTION_FORMATS)}")
    check_output(output, captions)
    picture = resolve_cover(cover)
    ffmpeg()
    return picture or "none"


def export(
    session: Session,
    output: str,
    fmt: str | None = None,
    bitrate: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    metadata: dict[str, str] | None = None,
    *,
    cover: str | tags.Cover | None = None,
    captions: str | None = None,
    chapters: bool = True,
) -> ExportResult:
    """Encode `session` into `output` (a file, or "-" for stdout).

    `cover`: None for a generated picture, "none" for no cover, a file name, or a `tags.Cover`.
    `captions`: "srt", "vtt" or "lrc" writes a caption file beside the audio.
    """
    fmt = format_for(output, fmt)
    if captions is not None and captions not in CAPTION_FORMATS:
        raise GuidedError(f"unknown caption format {captions!r}; expected one of {', '.join(CAPTION_FORMATS)}")
    folder = check_output(output, captions)
    binary = ffmpeg()
    spec = FORMATS[fmt]
    rate_of_file = bitrate_for(fmt, bitrate)
    if fmt == "ogg" and rate_of_file:
        rate_of_file = vorbis_bitrate(binary, rate_of_file, bitrate is not None, session.rate, session.channels)
    picture = cover if isinstance(cover, tags.Cover) else resolve_cover(cover)
    tagged = tags.for_session(session, metadata)
    every_mark = chapter_marks(session.timeline) if chapters else []
    marks = within(every_mark, spec.most_chapters)
    to_stdout = folder is None
    if to_stdout or not spec.cover:
        picture = None
    elif picture == "auto":
        picture = tags.generated_cover(session.script.title)

    codec = list(spec.codec)
    if rate_of_file:
        codec += ["-b:a", rate_of_file]
    if spec.rates and session.rate not in spec.rates:
        codec += ["-ar", str(spec.rates[0])]
    if fmt in ("m4a", "m4b"):
        # A whole file gets its index up front (quick to open); a stream cannot seek back to write one.
        # (Fragments of a set length: ffmpeg 5's +frag_keyframe on a pipe gives AAC that does not decode.)
        codec += ["-movflags", "+empty_moov+default_base_moof", "-frag_duration", "2000000"] if to_stdout \
            else ["-movflags", "+faststart"]
    # ffmpeg writes the chapters where mutagen cannot (MP4), and on a stream, where nothing can come after.
    ffmpeg_chapters = marks if spec.chapters == "ffmpeg" or (to_stdout and fmt == "mp3") else []
    mutagen_chapters = marks if spec.chapters == "mutagen" and not to_stdout else []

    with contextlib.ExitStack() as cleanup:
        meta_name = _temporary_metadata(ffmetadata(tagged.as_dict(), ffmpeg_chapters, session.rate))
        cleanup.callback(Path(meta_name).unlink, missing_ok=True)
        temps: list[Path] = []
        cleanup.callback(lambda: [t.unlink(missing_ok=True) for t in temps])
        if to_stdout:
            target = "pipe:1"
        else:
            final = Path(output).expanduser()
            files.sweep(folder)  # what a killed export left here
            temp = temp_in(folder, final.name)
            temps.append(temp)
            target = str(temp)
        command = [
            binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            # With a second input, ffmpeg reads each in a thread through a small queue and the pipe
            # stalls (ten times slower for WAV): a deeper queue keeps it streaming.
            "-thread_queue_size", "1024",
            "-f", "f32le", "-ar", str(session.rate), "-ac", str(session.channels), "-i", "pipe:0",
            "-f", "ffmetadata", "-i", meta_name,
            "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1" if ffmpeg_chapters else "-1",
            *codec, "-f", spec.muxer, target,
        ]  # fmt: skip
        with tempfile.TemporaryFile() as log:
            _encode(session, command, log, output, progress)
        captions_at = None
        if not to_stdout:
            tags.write(temp, fmt, tagged, mutagen_chapters, session.rate, picture)
            moves = [(temp, final)]
            if captions:
                captions_at = caption_path(output, captions)
                caption_temp = temp_in(folder, captions_at.name)
                temps.append(caption_temp)
                try:
                    caption_temp.write_text(
                        caption_file(session.timeline, captions, artist=tagged.artist, album=tagged.album),
                        encoding="utf-8",
                    )
                except OSError as exc:
                    raise _write_error(captions_at, exc) from None
                moves.append((caption_temp, captions_at))
            commit(moves)
    return ExportResult(
        path=output,
        format=fmt,
        seconds=round(session.total / session.rate, 3),
        frames=session.total,
        rate=session.rate,
        channels=session.channels,
        bitrate=rate_of_file,
        chapters=len(ffmpeg_chapters or mutagen_chapters),
        chapters_joined=len(every_mark) - len(marks),
        cover=picture is not None,
        captions=str(captions_at) if captions_at else None,
    )


def temp_in(folder: Path, name: str) -> Path:
    """A new temporary file for `name` in `folder` (see `files`); raises OutputError."""
    try:
        handle, temp = files.create(folder, name, ".partial")
    except OSError as exc:  # a read-only or special folder (/proc, /sys), or a full disk
        raise _write_error(folder / name, exc) from None
    os.close(handle)
    return temp


def _temporary_metadata(text: str) -> str:
    """The ffmetadata file ffmpeg reads, in the system's temporary folder; its name."""
    try:
        handle, name = tempfile.mkstemp(prefix="guided-", suffix=".ffmeta")
    except OSError as exc:
        raise OutputError(f"cannot write in the temporary folder {tempfile.gettempdir()}: {exc.strerror or exc}") from None
    try:
        with open(handle, "w", encoding="utf-8") as meta_file:
            meta_file.write(text)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        raise OutputError(f"cannot write in the temporary folder {tempfile.gettempdir()}: {exc.strerror or exc}") from None
    return name


DISK_FULL = "the disk is full or the file is too large"


def _write_error(path: Path | str, exc: OSError) -> OutputError:
    """One line for a file that cannot be written: a full disk is said as such."""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(f"{DISK_FULL}: cannot write {path} ({exc.strerror}); free some space or choose another -o")
    folder = Path(path).parent
    return OutputError(f"cannot write {path}: {exc.strerror or exc}; choose a folder you can write to, not {folder}")


def commit(moves: list[tuple[Path, Path]]) -> None:
    """Rename finished temporary files into place, all of them, without a Ctrl-C in between.

    mkstemp makes files private; a finished export gets the usual permissions.
    """
    umask = os.umask(0)
    os.umask(umask)
    with errors.stops_held():
        for temp, _ in moves:
            os.chmod(temp, 0o666 & ~umask)
        for temp, final in moves:
            os.replace(temp, final)


def _escape(value: str) -> str:
    """ffmetadata escaping: '=', ';', '#', '\\' and newlines take a backslash."""
    return re.sub(r"([=;#\\\n])", r"\\\1", value)


def ffmetadata(values: dict[str, str], marks: list[Mark], rate: int) -> str:
    """An FFMETADATA1 file: global tags, then one [CHAPTER] section per chapter (in milliseconds)."""
    lines = [";FFMETADATA1"]
    lines += [f"{_escape(key)}={_escape(value)}" for key, value in values.items()]
    for mark in marks:
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={to_ms(mark.start, rate)}",
            f"END={to_ms(mark.end, rate)}",
            f"title={_escape(mark.title)}",
        ]
    return "\n".join(lines) + "\n"


def _encode(session: Session, command: list[str], log, output: str, progress) -> None:
    """Feed the mixer's blocks to ffmpeg as they are made; raise OutputError if it fails."""
    process = None
    try:
        # ffmpeg gets a session of its own: a Ctrl-C at the terminal reaches only us, and we decide
        # how ffmpeg stops (killed, its temporary file removed), rather than racing it.
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=log, start_new_session=True)
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
            size_limit = getattr(signal, "SIGXFSZ", None)  # POSIX: killed for passing the file size limit
            if size_limit is not None and code == -size_limit:
                reason = "stopped at the file size limit"
            if reason == "stopped at the file size limit" or "No space left" in reason or "File too large" in reason:
                detail = reason.rsplit(": ", 1)[-1]  # not the name of our temporary file
                raise OutputError(f"{DISK_FULL}: cannot write {output} (ffmpeg: {detail}); "
                                  "free some space or choose another -o")
            if output == "-" and ("Broken pipe" in reason or code == -signal.SIGPIPE):
                raise BrokenPipeError(reason)
            raise OutputError(f"ffmpeg could not write {output}: {reason}")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
