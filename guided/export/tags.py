"""Tags, cover art and chapter markers written into an exported file, with mutagen.

What a file says about itself: title, artist, album (the series, or the library), track number
within a series, genre, comment and a cover image. A cover is either the user's PNG or JPEG or a
calm picture generated here with the session's title on it. Chapters are written as ID3v2 CHAP
and CTOC frames in MP3 and as CHAPTERxxx comments in Ogg, Opus and FLAC; MP4 chapters are the
encoder's job (mutagen cannot write them), see export.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import GuidedError, OutputError
from ..paths import VERSION
from ..timing.timefmt import timestamp, to_ms
from .chapters import Mark

ARTIST = "guided"
LIBRARY_ALBUM = "guided"
GENRES = {"talk": "Spoken Word", "journal": "Meditation", "affirmations": "Meditation"}
DEFAULT_GENRE = "Meditation"
COVER_SIZE = 600
_COVER_ROWS = 40  # rows of the cover painted at a time
MAX_COVER_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str = ARTIST
    album: str = LIBRARY_ALBUM
    genre: str = DEFAULT_GENRE
    comment: str = ""
    track: int | None = None
    track_total: int | None = None

    @property
    def track_text(self) -> str | None:
        if self.track is None:
            return None
        return f"{self.track}/{self.track_total}" if self.track_total else str(self.track)

    def as_dict(self) -> dict[str, str]:
        """The tags under ffmpeg's generic names (ffmpeg maps them to each container's own)."""
        found = {"title": self.title, "artist": self.artist, "album": self.album, "genre": self.genre,
                 "comment": self.comment, "track": self.track_text}
        return {key: value for key, value in found.items() if value}


def series_total(series: str | None, folder: Path | None) -> int | None:
    """How many scripts in `folder` belong to `series` (a series lives in one folder, as
    rebuilding-trust/1..7 do); None when it is not a series or there is no folder to look in."""
    if not series or folder is None or not folder.is_dir():
        return None
    from ..scripts.language import load_script

    count = 0
    for path in sorted(folder.glob("*.md")):
        try:
            if load_script(path).series == series:
                count += 1
        except GuidedError:
            continue
    return count or None


def for_session(session, overrides: dict[str, str] | None = None) -> Tags:
    """The tags of a prepared session; `overrides` (ffmpeg names: title, artist, ...) win."""
    path = Path(session.entry.path)
    return for_script(session.script, overrides, folder=path.parent if path.is_file() else None)


def for_script(script, overrides: dict[str, str] | None = None, folder: Path | None = None) -> Tags:
    """The tags of a session, from its script and the folder its file is in (for a series' size)."""
    comment = script.description or script.title
    tags = {
        "title": script.title,
        "artist": ARTIST,
        "album": script.series or LIBRARY_ALBUM,
        "genre": GENRES.get(script.kind, DEFAULT_GENRE),
        "comment": f"{comment} Made with guided {VERSION}; for self-reflection, not a substitute for therapy.",
        "track": script.part,
        "track_total": series_total(script.series, folder) if script.part else None,
    }
    for key, value in (overrides or {}).items():
        if key == "track":
            number, _, total = str(value).partition("/")
            tags["track"] = int(number) if number.isdigit() else None
            tags["track_total"] = int(total) if total.isdigit() else None
        elif key in tags:
            tags[key] = value
    if tags["track"] is not None and tags["track_total"] is not None and tags["track_total"] < tags["track"]:
        tags["track_total"] = None
    return Tags(**tags)


# --- cover ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str  # image/png or image/jpeg
    width: int
    height: int


def load_cover(path: str) -> Cover:
    """A cover image from the user: a PNG or JPEG, checked before any work starts."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise GuidedError(f"cover image not found: {path}")
    if file.stat().st_size > MAX_COVER_BYTES:
        raise GuidedError(f"the cover image {path} is larger than {MAX_COVER_BYTES // (1024 * 1024)} MB")
    data = file.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        raise GuidedError(f"the cover image {path} must be a PNG or a JPEG")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise GuidedError(f"the cover image {path} cannot be read: {exc}") from None
    return Cover(data, mime, width, height)


# Calm colour pairs (sky, ground) and the glow's colour; a title always picks the same one.
PALETTES = (
    ((38, 52, 92), (178, 160, 196), (250, 226, 196)),  # dusk: deep blue into lavender
    ((30, 70, 80), (150, 196, 180), (236, 244, 220)),  # sea: teal into sage
    ((70, 60, 96), (232, 180, 160), (255, 236, 200)),  # dawn: plum into peach
    ((40, 64, 56), (176, 200, 150), (244, 240, 210)),  # forest: pine into meadow
)


def generated_cover(title: str, size: int = COVER_SIZE) -> Cover:
    """A quiet picture for `title`: a soft sky, a glow, gentle hills, and the title in the middle."""
    from PIL import Image, ImageDraw, ImageFont

    seed = int.from_bytes(hashlib.sha256(title.encode()).digest()[:4], "big")
    pixels = np.empty((size, size, 3), dtype=np.uint8)
    # A band of rows at a time: every pixel depends only on its own place, and whole-picture
    # float64 temporaries would add tens of MB to an export's peak memory.
    for first in range(0, size, _COVER_ROWS):
        pixels[first : first + _COVER_ROWS] = _cover_rows(seed, size, first, min(size, first + _COVER_ROWS))
    picture = Image.fromarray(pixels, "RGB")

    draw = ImageDraw.Draw(picture)
    words = " ".join(title.split())
    for font_size in (56, 48, 42, 36, 30):
        font = ImageFont.load_default(size=font_size * size // COVER_SIZE)
        lines = _wrap(draw, words, font, size * 0.82)
        if len(lines) <= 4:
            break
    line_height = font_size * size // COVER_SIZE * 1.25
    block = line_height * len(lines)
    top_y = size * 0.56 - block / 2
    for index, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        position = ((size - width) / 2, top_y + index * line_height)
        draw.text((position[0] + 2, position[1] + 2), line, font=font, fill=(20, 24, 40))
        draw.text(position, line, font=font, fill=(252, 250, 244))
    small = ImageFont.load_default(size=22 * size // COVER_SIZE)
    mark = "guided"
    draw.text(((size - draw.textlength(mark, font=small)) / 2, size * 0.93), mark, font=small, fill=(236, 236, 228))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return Cover(out.getvalue(), "image/png", size, size)


def _cover_rows(seed: int, size: int, first: int, end: int) -> np.ndarray:
    """Rows `first`..`end` of the cover's painted background (sky, glow, hills), as uint8 RGB."""
    top, bottom, glow = (np.array(c, dtype=np.float64) for c in PALETTES[seed % len(PALETTES)])
    y, x = np.mgrid[first:end, 0:size] / size
    sky = top + (bottom - top) * (y[..., None] ** 1.3)
    # A soft sun or moon, its light falling off smoothly.
    cx, cy = 0.5 + 0.18 * ((seed >> 4) % 3 - 1), 0.30
    distance = np.hypot(x - cx, y - cy)
    light = np.clip(1 - distance / 0.45, 0, 1) ** 2.2 * 0.55
    disc = 1 / (1 + np.exp((distance - 0.085) * 160))
    image = sky + (glow - sky) * np.clip(light + disc * 0.9, 0, 1)[..., None]
    # Two layers of gentle hills, darker in front.
    phase = (seed >> 8) % 628 / 100
    for depth, (height, amount) in enumerate(((0.74, 0.25), (0.84, 0.45))):
        ridge = height + 0.035 * np.sin(2 * np.pi * x * (1.1 + depth * 0.6) + phase * (depth + 1))
        # A soft edge a pixel or so wide; clipped, as exp() overflows far from the edge at large sizes.
        below = 1 / (1 + np.exp(np.clip(-(y - ridge) * size * 0.9, -60, 60)))
        image = image * (1 - below[..., None] * amount)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _wrap(draw, text: str, font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif draw.textlength(word, font=font) <= width:
            lines.append(word)
        else:  # a word too long for a line on its own is cut where it must be
            lines.extend(textwrap.wrap(word, max(1, int(len(word) * width / draw.textlength(word, font=font)))))
    return lines or [""]


# --- writing ----------------------------------------------------------------------------------


def write(path: Path, fmt: str, tags: Tags, marks: list[Mark], rate: int, cover: Cover | None) -> None:
    """Write tags, cover and (where mutagen is the way) chapters into the finished audio at `path`."""
    import mutagen

    try:
        if fmt == "mp3":
            _write_id3(path, tags, marks, rate, cover)
        elif fmt in ("m4a", "m4b"):
            _write_mp4(path, tags, cover, audiobook=fmt == "m4b")
        elif fmt in ("ogg", "opus", "flac"):
            _write_vorbis(path, fmt, tags, marks, rate, cover)
        # wav: ffmpeg's INFO chunk already holds the tags; WAV has no common cover or chapters.
    except (mutagen.MutagenError, OSError) as exc:
        raise OutputError(f"cannot write tags into {path}: {exc}") from None


def _chapter_ordered_id3():
    """mutagen's ID3, but writing the table of contents and then the chapters in time order.

    mutagen orders frames by size; some readers (ffmpeg, and so many players) list chapters in the
    order the frames come in the file, whatever the table of contents says.
    """
    from mutagen.id3 import ID3

    try:
        from mutagen.id3._tags import save_frame
    except ImportError:  # a mutagen without it: the chapters are still all there, in its order
        return ID3

    class ChapterOrderedID3(ID3):
        def _write(self, config):
            chapters = sorted(self.getall("CHAP"), key=lambda f: (f.start_time, f.element_id))
            tocs = self.getall("CTOC")
            if not chapters:
                return super()._write(config)
            self.delall("CHAP")
            self.delall("CTOC")
            try:
                data = super()._write(config)
            finally:
                for frame in tocs + chapters:
                    self.add(frame)
            return data + b"".join(save_frame(frame, config=config) for frame in tocs + chapters)

    return ChapterOrderedID3


def _write_id3(path: Path, tags: Tags, marks: list[Mark], rate: int, cover: Cover | None) -> None:
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, TALB, TCON, TIT2, TPE1, TRCK, CTOCFlags, ID3NoHeaderError

    ID3 = _chapter_ordered_id3()
    try:
        id3 = ID3(path)
    except ID3NoHeaderError:
        id3 = ID3()
    for frame in ("CHAP", "CTOC", "APIC", "COMM", "TXXX:comment"):  # ffmpeg's comment is a TXXX; ours a COMM
        id3.delall(frame)
    id3.setall("TIT2", [TIT2(encoding=3, text=[tags.title])])
    id3.setall("TPE1", [TPE1(encoding=3, text=[tags.artist])])
    id3.setall("TALB", [TALB(encoding=3, text=[tags.album])])
    id3.setall("TCON", [TCON(encoding=3, text=[tags.genre])])
    if tags.track_text:
        id3.setall("TRCK", [TRCK(encoding=3, text=[tags.track_text])])
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    if cover is not None:
        id3.add(APIC(encoding=3, mime=cover.mime, type=3, desc="Cover", data=cover.data))
    if marks:
        ids = [f"chp{index}" for index in range(len(marks))]
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=3, text=[tags.title])]))
        for element, mark in zip(ids, marks, strict=True):
            id3.add(CHAP(element_id=element, start_time=to_ms(mark.start, rate), end_time=to_ms(mark.end, rate),
                         start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                         sub_frames=[TIT2(encoding=3, text=[mark.title])]))
    # ID3v2.3: what the widest range of players and file managers read.
    id3.save(path, v2_version=3)


def _write_mp4(path: Path, tags: Tags, cover: Cover | None, audiobook: bool) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    if mp4.tags is None:
        mp4.add_tags()
    t = mp4.tags
    t["\xa9nam"] = [tags.title]
    t["\xa9ART"] = [tags.artist]
    t["aART"] = [tags.artist]
    t["\xa9alb"] = [tags.album]
    t["\xa9gen"] = [tags.genre]
    if tags.comment:
        t["\xa9cmt"] = [tags.comment]
    if tags.track is not None:
        t["trkn"] = [(tags.track, tags.track_total or 0)]
    if audiobook:
        t["stik"] = [2]  # "audiobook": players keep the place and show the chapters
    if cover is not None:
        kind = MP4Cover.FORMAT_PNG if cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        t["covr"] = [MP4Cover(cover.data, imageformat=kind)]
    mp4.save()


def _write_vorbis(path: Path, fmt: str, tags: Tags, marks: list[Mark], rate: int, cover: Cover | None) -> None:
    from mutagen.flac import FLAC, Picture
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = {"ogg": OggVorbis, "opus": OggOpus, "flac": FLAC}[fmt](path)
    if audio.tags is None:
        audio.add_tags()
    comments = audio.tags
    for key in list(comments.keys()):
        if key.upper().startswith("CHAPTER") or key.upper() == "METADATA_BLOCK_PICTURE":
            del comments[key]
    values = {"TITLE": tags.title, "ARTIST": tags.artist, "ALBUM": tags.album, "GENRE": tags.genre,
              "COMMENT": tags.comment}
    if tags.track is not None:
        values["TRACKNUMBER"] = str(tags.track)
        if tags.track_total:
            values["TRACKTOTAL"] = str(tags.track_total)
    for key, value in values.items():
        if value:
            comments[key] = [value]
    # The Vorbis chapter extension: CHAPTER001=HH:MM:SS.mmm and CHAPTER001NAME=title.
    for number, mark in enumerate(marks, 1):
        comments[f"CHAPTER{number:03d}"] = [timestamp(to_ms(mark.start, rate))]
        comments[f"CHAPTER{number:03d}NAME"] = [mark.title]
    if cover is not None:
        picture = Picture()
        picture.type = 3  # front cover
        picture.mime = cover.mime
        picture.desc = "Cover"
        picture.width, picture.height, picture.depth = cover.width, cover.height, 24
        picture.data = cover.data
        if fmt == "flac":
            audio.clear_pictures()
            audio.add_picture(picture)
        else:
            comments["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()
