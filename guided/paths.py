"""Where things are, and what is installed: the user's state (config, cache, journal, scripts,
voices, models) in the platform's usual places; the data that ships with guided (the built-in
scripts, bell recordings and reference pages); guided's version; and the installed Python
packages' versions and files (Piper voices and Whisper models come in packages).

`GUIDED_HOME`, when set, holds all of the user's state, which also keeps tests away from the real
home. Bundled data lies in `guided/_data/KIND` in an installed package (pyproject.toml copies it
there) and in `KIND/` beside the package in a source checkout.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VERSION = "0.1.0"
PACKAGE = Path(__file__).parent
BUNDLED = ("scripts", "audio", "docs")


def bundled(kind: str, package: Path = PACKAGE) -> Path:
    """The folder of one kind of bundled data: `scripts`, `audio` or `docs`."""
    if kind not in BUNDLED:
        raise ValueError(f"no bundled data called {kind!r}")
    installed = package / "_data" / kind
    return installed if installed.is_dir() else package.parent / kind


@dataclass(frozen=True)
class Paths:
    config: Path
    cache: Path
    data: Path

    @property
    def clips(self) -> Path:
        return self.cache / "clips"

    @property
    def sounds(self) -> Path:
        return self.cache / "sounds"

    @property
    def journal(self) -> Path:
        return self.data / "journal"

    @property
    def scripts(self) -> Path:
        return self.data / "scripts"

    @property
    def voices(self) -> Path:
        return self.data / "voices"


# Libraries that keep files of their own where they please, and the variables that move them:
# onnxruntime (Piper, the speech detector) writes a device id and a telemetry database in the user's
# cache as it is imported, matplotlib its font list, and espeak-ng's sound library a PulseAudio
# client file in the user's config as it starts.
LIBRARY_FOLDERS = {"XDG_CACHE_HOME": "", "XDG_CONFIG_HOME": "config", "MPLCONFIGDIR": "matplotlib"}
_library_lock = threading.Lock()


@contextlib.contextmanager
def libraries_kept_home():
    """Import such a library inside this block: what it writes lands in guided's own cache folder
    (`libraries/`), never elsewhere in the user's home. The variables are set for the import only."""
    folder = paths().cache / "libraries"
    with _library_lock:
        saved = {name: os.environ.get(name) for name in LIBRARY_FOLDERS}
        try:
            for name, sub in LIBRARY_FOLDERS.items():
                os.environ[name] = str(folder / sub)
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def paths() -> Paths:
    home = os.environ.get("GUIDED_HOME")
    if home:
        # One folder for everything: config.toml, cache/, journal/, scripts/, voices/.
        root = Path(home).expanduser()
        return Paths(config=root, cache=root / "cache", data=root)
    import platformdirs

    return Paths(
        config=Path(platformdirs.user_config_dir("guided", appauthor=False)),
        cache=Path(platformdirs.user_cache_dir("guided", appauthor=False)),
        data=Path(platformdirs.user_data_dir("guided", appauthor=False)),
    )


# --- installed packages --------------------------------------------------------------------------
# Read from their .dist-info folders directly: importing importlib.metadata (and the email package
# it parses with), and reading every distribution's metadata to learn its name, would weigh on
# every start (benchmarks/first_sound.py). Anything unusual (an .egg-info folder, a zipped
# install) asks importlib.metadata.


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _headers(info: Path) -> dict[str, str]:
    headers: dict[str, str] = {}
    with open(info / "METADATA", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                break
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
    return headers


def installed_version(distribution: str) -> str | None:
    """The installed version of a Python distribution (`piper-tts`, `faster-whisper`), or None."""
    wanted = _normal(distribution)
    for entry in sys.path:
        folder = Path(entry or ".")
        try:
            infos = [p for p in folder.iterdir() if p.name.lower().endswith(".dist-info")
                     and _normal(p.name[: -len(".dist-info")].rsplit("-", 1)[0]) == wanted]
        except OSError:
            continue
        for info in infos:
            try:
                headers = _headers(info)
            except (OSError, UnicodeDecodeError):
                continue
            if _normal(headers.get("name", "")) == wanted and headers.get("version"):
                return headers["version"]
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def installed_files(name_holds: str = "") -> Iterator[tuple[str, list[Path]]]:
    """(name, files) of every installed distribution whose folder's name holds `name_holds`
    (any case; "" for all), nearest on sys.path first, each once."""
    seen: set[Path] = set()
    wanted = name_holds.lower()
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for info in sorted(folder.glob("*.dist-info")) + sorted(folder.glob("*.egg-info")):
            if wanted in info.name.lower() and info.resolve() not in seen:
                seen.add(info.resolve())
                found = _dist_info_files(info) if info.suffix == ".dist-info" else None
                if found is None:
                    from importlib import metadata

                    dist = metadata.Distribution.at(info)
                    found = (dist.metadata.get("Name") or "",
                             [Path(dist.locate_file(file)) for file in dist.files or ()])
                yield found


def _dist_info_files(info: Path) -> tuple[str, list[Path]] | None:
    """A .dist-info folder's distribution name and installed files, or None if it cannot be read."""
    try:
        name = _headers(info).get("name", "")
        with open(info / "RECORD", encoding="utf-8", newline="") as f:
            files = [info.parent / row[0] for row in csv.reader(f) if row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return name, files
