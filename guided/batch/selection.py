"""What a batch exports: which sessions (the library, a series, a folder of scripts or one session),
the file each one becomes, and the content hash that says whether that file is already up to date.

The hash covers everything that decides the bytes of a file: the script, every setting that shapes
the sound, the contents of any bell or background file a script or setting names by path, the
format, bitrate, captions, cover, speech engine and this package's version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..audio.sounds import BED_NAMES, BELL_NAMES
from ..errors import GuidedError, NotFoundError
from ..export import encoding, tags
from ..options import SessionOptions
from ..paths import VERSION
from ..scripts.catalog import Catalog, ScriptFile, display_name, scan_folder, slug, sort_key
from ..scripts.language import Bell, Script, Sit, load_script

LIBRARY_PLAYLIST = "playlist"


@dataclass(frozen=True)
class Selection:
    name: str  # the playlist's name, without .m3u8
    title: str
    files: tuple[ScriptFile, ...]


def select(target: str | None = None, catalog: Catalog | None = None) -> Selection:
    """The sessions a batch exports: the whole library (`catalog`: by default the built-in
    library, your own scripts and GUIDED_LIBRARY), a series (by id or name), a folder of scripts,
    or one session."""
    if target is not None and Path(target).expanduser().is_dir():
        folder = Path(target).expanduser()
        found = scan_folder(folder, "file")
        if not found:
            raise NotFoundError(f"the folder {target} holds no scripts (*.md files named like my-session.md)")
        name = folder.absolute().name
        return Selection(_slug(name), name, tuple(sorted(found, key=sort_key)))
    catalog = catalog or Catalog()
    everything = catalog.files()
    if target is None:
        return Selection(LIBRARY_PLAYLIST, "guided", tuple(everything))
    wanted = target.strip().strip("/")
    members = [e for e in everything if e.id.startswith(wanted + "/")]
    if members:
        series = _series_of(members[0])
        return Selection(_slug(wanted), series or wanted, tuple(members))
    named = [e for e in everything if (s := _series_of(e)) and (s.lower() == wanted.lower() or _slug(s) == wanted.lower())]
    if named:
        return Selection(_slug(wanted), _series_of(named[0]) or wanted, tuple(named))
    try:
        entry = catalog.find(target)
    except NotFoundError:
        series = sorted({e.id.rsplit("/", 1)[0] for e in everything if "/" in e.id})
        raise NotFoundError(
            f"no session, series or folder called {target!r}; series: {', '.join(series) or 'none'} "
            "('guided list' shows every session)"
        ) from None
    return Selection(_slug(entry.id), entry.id, (entry,))


def load(entry: ScriptFile) -> Script:
    return load_script(entry.path, display_name(entry))


def _series_of(entry: ScriptFile) -> str | None:
    try:
        return load(entry).series
    except GuidedError:
        return None


def _slug(text: str) -> str:
    return slug(text, fallback=LIBRARY_PLAYLIST)


def file_name(entry_id: str, fmt: str) -> str:
    """rebuilding-trust/1 → rebuilding-trust-01.mp3: flat, and in order when sorted by name."""
    parts = [p.zfill(2) if p.isdigit() else p for p in entry_id.split("/")]
    return f"{'-'.join(parts)}.{fmt}"


def content_hash(script_path: Path, options: SessionOptions, script: Script, fmt: str, bitrate: str | None,
                 captions: str | None, cover: str | None, engine: str = "") -> str:
    """What decides the bytes of an exported file; equal hashes mean there is nothing to export again.

    `engine` is the speech engine's identity (its name, version, voice and pace)."""
    settings = asdict(options)
    background = options.background_for(script.background)
    settings["background"] = _sound_key(background, BED_NAMES) if background else background
    if cover is None or cover == "auto":
        cover_key = "generated"
    elif cover.strip().lower() == "none":
        cover_key = "none"
    else:
        cover_key = _file_digest(cover)
    payload = {
        "guided": VERSION,
        "engine": engine,
        "script": hashlib.sha256(script_path.read_bytes()).hexdigest(),
        "settings": settings,
        "format": fmt,
        "bitrate": encoding.bitrate_for(fmt, bitrate),
        "captions": captions,
        "cover": cover_key,
        "tags": tags.for_script(script, folder=script_path.parent).as_dict(),
    }
    bell_files = {name: key for name in _bells_named(script) if (key := _sound_key(name, BELL_NAMES)) != name}
    if bell_files:  # only then, so that the hashes of scripts with no bell files stay as they were
        payload["bell files"] = bell_files
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def up_to_date(row: dict | None, digest: str, folder: Path, name: str, captions: str | None) -> bool:
    """Whether a session's row in the folder's index says its file `name` was made from `digest`,
    and that file (and its `captions` file, when captions are asked for) is still there."""
    return bool(row and row.get("hash") == digest and row.get("file") == name and (folder / name).is_file()
                and (not captions or (folder / captions).is_file()))


def _bells_named(script: Script) -> set[str]:
    """Every bell the script names (the default bells are built in): in [bell NAME] and as the
    interval bell of a [sit]."""
    names = {c.name for c in script.cues if isinstance(c, Bell) and c.name}
    names |= {c.bell for c in script.cues if isinstance(c, Sit) and c.bell}
    return names


def _sound_key(name: str, built_in: tuple[str, ...]) -> str:
    """What decides how a bell or background sounds: the name itself for a built-in sound (or a file
    that is not there, which the export will report), the file's content for a sound file. Names
    are resolved as bells.load_bell and beds.load_bed resolve them."""
    key = name.strip()
    if key.lower() in built_in:
        return name
    path = Path(key).expanduser()
    return _file_digest(str(path)) if path.is_file() else name


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(Path(path).expanduser(), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
