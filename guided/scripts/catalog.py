"""The catalogue of scripts: the script files a run can find, their ids, which one hides which, and
loading them.

A `Catalog` searches its folders in this order, and the first to hold an id wins: the folders it
was made with (`--library`), then those in `GUIDED_LIBRARY` (separated by `os.pathsep`), then the
user's script folder (`paths().scripts`), then the built-in library. A user script with a
built-in's id replaces it, with a one-line notice.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GuidedError, NotFoundError, OutputError, UsageError
from ..files import write_atomic
from ..paths import bundled, paths
from .language import Script, load_script, parse_script

DEFAULT_SESSION = "heart-breathing"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*")
ENV_LIBRARY = "GUIDED_LIBRARY"
BUILT_IN = "built-in"
USER = "user"

_noticed: set[str] = set()  # ids whose override has already been announced in this process


def _print_notice(message: str) -> None:
    print(f"guided: {message}", file=sys.stderr)


# Where notices go: stderr by default; a program using the library may replace it (or set None).
notify: Callable[[str], None] | None = _print_notice


@dataclass(frozen=True)
class ScriptFile:
    """A script the catalogue found: its id, its file, and where it came from."""

    id: str
    path: Path
    origin: str  # "built-in", "user" (the user's script folder), the library folder it came from, or "file"
    overrides: tuple[ScriptFile, ...] = ()  # the script files with the same id that this one hides, nearest first

    @property
    def user(self) -> bool:
        return self.origin not in (BUILT_IN, "file")


def _split(values: Iterable[str | Path]) -> list[Path]:
    found = []
    for value in values:
        for part in str(value).split(os.pathsep):
            if part.strip():
                found.append(Path(part.strip()).expanduser())
    return found


def user_dir() -> Path:
    """Where `guided new` and `guided import` write: the user's own script folder."""
    return paths().scripts


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def id_of_file(relative: str) -> str | None:
    """The id of the script at `relative` (its path under a library folder, without .md): the path
    itself when it is an id already, otherwise made from it the way `slug` makes one, part by part,
    so that a file a person named `Café calm.md` is found (as cafe-calm). A name with no Latin
    letters or digits keeps its own letters, lower-cased ('平静'). None when a part has nothing
    usable at all."""
    if ID_PATTERN.fullmatch(relative):
        return relative
    import unicodedata

    parts = []
    for part in relative.split("/"):
        made = slug(part, fallback="")
        if not made:
            made = "-".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFC", part).lower()))
        if not made:
            return None
        parts.append(made)
    return "/".join(parts)


def scan_folder(root: Path, origin: str) -> list[ScriptFile]:
    """Every script in `root` and the folders under it, with its id; of two files that come to the
    same id ('Calm.md' and 'calm.md'), the one whose name is the id, else the first by name."""
    if not root.is_dir():
        return []
    found: dict[str, ScriptFile] = {}
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).with_suffix("").as_posix()
        script_id = id_of_file(relative)
        if script_id is None or not path.is_file():
            continue
        if script_id not in found or relative == script_id:
            found[script_id] = ScriptFile(script_id, path, origin)
    return list(found.values())


def sort_key(found: ScriptFile):
    # rebuilding-trust/10 after rebuilding-trust/9
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", found.id)]


class Catalog:
    """The scripts one run can find: `folders` (each may hold several, separated by os.pathsep) are
    searched first, then GUIDED_LIBRARY, the user's script folder and the built-in library. Folders
    are read afresh at every call, so a script written meanwhile is found."""

    def __init__(self, folders: Iterable[str | Path] = ()) -> None:
        self.extra = tuple(_split(folders))

    def folders(self) -> list[tuple[Path, str]]:
        """Every folder searched, highest precedence first, each with the origin its scripts get."""
        ordered = [(p, str(p)) for p in self.extra]
        ordered += [(p, str(p)) for p in _split([os.environ.get(ENV_LIBRARY, "")])]
        ordered.append((paths().scripts, USER))
        ordered.append((bundled("scripts"), BUILT_IN))
        seen: set[Path] = set()
        unique = []
        for folder, origin in ordered:
            key = _resolved(folder)
            if key in seen:
                continue
            seen.add(key)
            unique.append((folder, origin))
        return unique

    def files(self) -> list[ScriptFile]:
        """One script file per id, from the folder with the highest precedence; each knows what it hides."""
        chosen: dict[str, ScriptFile] = {}
        hidden: dict[str, list[ScriptFile]] = {}
        for folder, origin in self.folders():
            for found in scan_folder(folder, origin):
                if found.id in chosen:
                    hidden.setdefault(found.id, []).append(found)
                else:
                    chosen[found.id] = found
        result = [ScriptFile(f.id, f.path, f.origin, tuple(hidden.get(f.id, ()))) for f in chosen.values()]
        return sorted(result, key=sort_key)

    def ids(self) -> list[str]:
        return [f.id for f in self.files()]

    def _not_a_script_file(self, given: str, candidate: Path) -> GuidedError:
        """Why a path names no script file, in one line: a folder, a pipe or device, a link that leads
        nowhere, or nothing there (and then the library's script of that name, when there is one)."""
        import errno
        import stat

        try:
            mode = candidate.stat().st_mode
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return NotFoundError(f"{given} is a link that leads back to itself; give a script file")
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            return NotFoundError(f"{given} is a folder, not a script file; give a .md file in it, or guided list")
        if mode is not None:
            return NotFoundError(f"{given} is not a regular file (a pipe or a device); give a script file")
        if candidate.parent == Path(".") or not candidate.parent.parts:
            by_name = {f.id: f for f in self.files()}.get(candidate.stem.lower())
            if by_name is not None:
                return NotFoundError(f"no such script file: {given}; the script {by_name.id!r} is in your "
                                     f"{'scripts folder' if by_name.origin == 'user' else 'library'}: "
                                     f"use its name, {by_name.id}")
        return NotFoundError(f"no such script file: {given}")

    def find(self, id_or_path: str) -> ScriptFile:
        """A script by id, or a script file by path (anything that names an existing file)."""
        candidate = Path(id_or_path).expanduser()
        if id_or_path.endswith(".md") or "\\" in id_or_path or candidate.is_file():
            if candidate.is_file():
                return ScriptFile(candidate.stem, candidate, "file")
            raise self._not_a_script_file(id_or_path, candidate)
        known = {f.id: f for f in self.files()}
        if id_or_path not in known and id_or_path.lower() in known:  # ids are lower-case; Heart-Breathing means it too
            id_or_path = id_or_path.lower()
        if id_or_path in known:
            found = known[id_or_path]
            if found.overrides:
                announce(found)
            return found
        close = difflib.get_close_matches(id_or_path, list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; 'guided list' shows them all"
        raise NotFoundError(f"no session called {id_or_path!r}{hint}")

    def exists(self, script_id: str) -> ScriptFile | None:
        """The script file that holds this id now, if any (in any folder)."""
        return next((f for f in self.files() if f.id == script_id), None)

    def hidden_from_user_folder(self, script_id: str) -> ScriptFile | None:
        """The script that would hide a new one of this id in the user's folder: one in a folder
        searched before it (--library or GUIDED_LIBRARY). None when a new script would be used."""
        found = self.exists(script_id)
        if found is None or found.origin in (USER, BUILT_IN):
            return None
        return found

    def load(self, id_or_path: str) -> tuple[ScriptFile, Script]:
        found = self.find(id_or_path)
        return found, load_script(found.path, display_name(found))

    def series_members(self, series_id: str) -> list[str]:
        """The ids under `series_id/` (a series such as rebuilding-trust), in order; empty when none."""
        prefix = series_id.strip("/") + "/"
        return [f.id for f in self.files() if f.id.startswith(prefix)]

    def load_session(self, id_or_path: str) -> tuple[ScriptFile, Script]:
        """One session to render: like `load`, but a series or a folder is refused with what to do instead."""
        candidate = Path(id_or_path).expanduser()
        if not candidate.is_file():
            if candidate.is_dir():
                raise GuidedError(f"{id_or_path} is a folder; export the scripts in it with "
                                  f"'guided export {id_or_path} --all DIR'")
            members = self.series_members(id_or_path)
            if members and id_or_path not in set(self.ids()):
                raise GuidedError(f"{id_or_path} is a series of {len(members)} sessions, one a step; play or export "
                                  f"them in order, from {members[0]} to {members[-1]}, or all of them with "
                                  f"'guided export {id_or_path} --all DIR'")
        return self.load(id_or_path)


def override_notice(found: ScriptFile) -> str | None:
    """One line saying which script is used in place of which, or None when it hides nothing."""
    if not found.overrides:
        return None
    hidden = found.overrides[0]
    instead = "the built-in one" if hidden.origin == BUILT_IN else f"the one in {hidden.path.parent}"
    return f"using your {found.id} ({_home_relative(found.path)}) instead of {instead}"


def announce(found: ScriptFile) -> None:
    """Say once per process that a user script replaces another with the same id."""
    message = override_notice(found)
    if message is None or found.id in _noticed:
        return
    _noticed.add(found.id)
    if notify is not None:
        notify(message)


def _home_relative(path: Path) -> str:
    try:
        return "~/" + path.absolute().relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def check_id(script_id: str) -> str:
    """The id itself when it is a valid id; a UsageError saying what an id looks like otherwise."""
    if not ID_PATTERN.fullmatch(script_id):
        raise UsageError(
            f"{script_id!r} is not a valid id: use lower-case letters, digits and '-', "
            "with '/' between a folder and a file, such as my-evening or evenings/first"
        )
    return script_id


def slug(text: str, fallback: str = "my-deck") -> str:
    """An id made from a title or a file name: 'Questions on Trust!' → 'questions-on-trust'."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", plain)
    made = "-".join(words)[:60].strip("-")
    return made or fallback


def display_name(found: ScriptFile) -> str:
    if found.origin == BUILT_IN:
        return f"scripts/{found.id}.md"
    return str(found.path)


def looks_like_script_text(source: str) -> bool:
    """Whether a string is the text of a script rather than an id or a path: ids and paths are one line."""
    return "\n" in source.strip() or source.lstrip().startswith("---")


def parse_text(text: str, name: str = "<text>") -> Script:
    """A script given as text (by a program, not a file); errors name it as `name`."""
    return parse_script(text, name)


def save(path: Path, text: str) -> None:
    """Write a script whole or not at all (a temporary file renamed into place)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
