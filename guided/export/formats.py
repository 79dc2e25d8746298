"""The kinds of file a session can be exported to, and the caption formats: names only and how
ffmpeg writes each, kept apart from the encoder so the CLI can offer them without loading it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from ..errors import UsageError

CAPTION_FORMATS = ("srt", "vtt", "lrc")


@dataclass(frozen=True)
class Format:
    """How ffmpeg writes one kind of file, and who writes its chapters and cover."""

    muxer: str
    codec: tuple[str, ...]
    bitrate: str | None = None  # default bitrate of a lossy codec; None: lossless, no bitrate
    rates: tuple[int, ...] = ()  # sample rates the codec takes; empty: any
    chapters: str | None = None  # "ffmpeg", "mutagen" or None
    cover: bool = True
    # The most chapters its table holds: ID3's table of contents counts its entries in one byte, and
    # the Vorbis chapter comments are numbered in three digits (CHAPTER001 to CHAPTER999).
    most_chapters: int | None = None


FORMATS: dict[str, Format] = {
    "mp3": Format("mp3", ("-c:a", "libmp3lame"), "160k", (), "mutagen", most_chapters=255),
    "m4a": Format("ipod", ("-c:a", "aac"), "128k", (), "ffmpeg"),
    "m4b": Format("ipod", ("-c:a", "aac"), "128k", (), "ffmpeg"),
    "ogg": Format("ogg", ("-c:a", "libvorbis"), "128k", (), "mutagen", most_chapters=999),
    "opus": Format("opus", ("-c:a", "libopus"), "96k", (48000, 24000, 16000, 12000, 8000), "mutagen",
                   most_chapters=999),
    "flac": Format("flac", ("-c:a", "flac"), None, (), "mutagen", most_chapters=999),
    "wav": Format("wav", ("-c:a", "pcm_s16le"), None, (), None, cover=False),
}


# Vorbis takes only the bitrates its tuned modes cover, which depend on the sample rate and the
# channels (mono at 22.05 kHz: about 32k to 80k; stereo at 44.1 kHz: 45k to 500k): a moment's
# trial encoding says, before any work, rather than ffmpeg's own words after it.
VORBIS_TRIED = (32, 40, 45, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 500)


def vorbis_bitrate(binary: str, bitrate: str, given: bool, rate: int, channels: int) -> str:
    """A bitrate libvorbis takes at this rate and channel count: the one asked for, or (when none was
    asked for and the default does not fit) the highest that fits below the default; UsageError when
    the one asked for does not fit, naming the range that does."""
    if _vorbis_takes(binary, bitrate, rate, channels):
        return bitrate
    below = [k for k in reversed(VORBIS_TRIED) if k < int(bitrate[:-1])]
    if not given:
        for kbps in below:
            if _vorbis_takes(binary, f"{kbps}k", rate, channels):
                return f"{kbps}k"
    fits = [k for k in VORBIS_TRIED if _vorbis_takes(binary, f"{k}k", rate, channels)]
    layout = "mono" if channels == 1 else f"{channels} channels"
    if not fits:
        raise UsageError(f"ogg (Vorbis) takes no bitrate at {rate} Hz {layout}; choose opus, mp3 or another --sample-rate")
    raise UsageError(f"ogg (Vorbis) at {rate} Hz {layout} takes a bitrate from {fits[0]}k to {fits[-1]}k, "
                     f"not {bitrate}; choose one in that range")


def _vorbis_takes(binary: str, bitrate: str, rate: int, channels: int) -> bool:
    layout = "mono" if channels == 1 else "stereo" if channels == 2 else f"{channels}c"
    command = [binary, "-hide_banner", "-nostdin", "-loglevel", "quiet", "-f", "lavfi", "-i",
               f"anullsrc=r={rate}:cl={layout}", "-t", "0.05", "-c:a", "libvorbis", "-b:a", bitrate, "-f", "ogg", "-"]
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0
