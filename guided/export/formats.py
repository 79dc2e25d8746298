"""The kinds of file a session can be exported to, and the caption formats: names only and how
ffmpeg writes each, kept apart from the encoder so the CLI can offer them without loading it."""

from __future__ import annotations

from dataclasses import dataclass

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
