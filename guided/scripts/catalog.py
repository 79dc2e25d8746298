"""The catalogue of scripts: the built-in library, the user's own folders, ids, overrides, loading,
and the rows that list them.

Folders are searched in this order, and the first to hold an id wins:
the folders named on the command line (`--library`, given to `use_folders`), then those in
`GUIDED_LIBRARY` (separated by `os.pathsep`), then the user's script folder (`paths().scripts`),
then the built-in library. A user script with a built-in's id replaces it, with a one-line notice.
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

_chosen: tuple[Path, ...] = ()  # folders named with --library, searched first
_noticed: set[str] = set()  # ids whose override has already been announced in this process


def _print_notice(message: str) -> None:
    print(f"guided: {message}", file=sys.stderr)


# Where notices go: stderr by default; a program using the library may replace it (or set None).
notify: Callable[[str], None] | None = _print_notice


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    origin: str  # "built-in", "user" (the user's script folder), the library folder it came from, or "file"
    overrides: tuple[Entry, ...] = ()  # the entries with the same id that this one hides, nearest first

    @property
    def user(self) -> bool:
        return self.origin not in (BUILT_IN, "file")


def use_folders(folders: Iterable[str | Path]) -> None:
    """Search these folders before all others (what `--library` does); each may hold several,
    separated by os.pathsep. Replaces any folders given before."""
    global _chosen
    _chosen = tuple(_split(folders))


def _split(values: Iterable[str | Path]) -> list[Path]:
    found = []
    for value in values:
        for part in str(value).split(os.pathsep):
            if part.strip():
                found.append(Path(part.strip()).expanduser())
    return found


def folders() -> list[tuple[Path, str]]:
    """Every folder searched, highest precedence first, each with the origin its entries get."""
    ordered = [(p, str(p)) for p in _chosen]
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


def user_dir() -> Path:
    """Where `guided new` and `guided import` write: the user's own script folder."""
    return paths().scripts


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _scan(root: Path, origin: str) -> list[Entry]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).with_suffix("").as_posix()
        if ID_PATTERN.fullmatch(relative) and path.is_file():
            found.append(Entry(relative, path, origin))
    return found


def entries() -> list[Entry]:
    """One entry per id, from the folder with the highest precedence; each knows what it hides."""
    chosen: dict[str, Entry] = {}
    hidden: dict[str, list[Entry]] = {}
    for folder, origin in folders():
        for entry in _scan(folder, origin):
            if entry.id in chosen:
                hidden.setdefault(entry.id, []).append(entry)
            else:
                chosen[entry.id] = entry
    result = [Entry(e.id, e.path, e.origin, tuple(hidden.get(e.id, ()))) for e in chosen.values()]
    return sorted(result, key=sort_key)


def sort_key(entry: Entry):
    # rebuilding-trust/10 after rebuilding-trust/9
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", entry.id)]


def find(id_or_path: str) -> Entry:
    """An entry by id, or a script file by path (anything that names an existing file)."""
    candidate = Path(id_or_path).expanduser()
    if id_or_path.endswith(".md") or "\\" in id_or_path or candidate.is_file():
        if candidate.is_file():
            return Entry(candidate.stem, candidate, "file")
        raise NotFoundError(f"no such script file: {id_or_path}")
    known = {e.id: e for e in entries()}
    if id_or_path not in known and id_or_path.lower() in known:  # ids are lower-case; Heart-Breathing means it too
        id_or_path = id_or_path.lower()
    if id_or_path in known:
        entry = known[id_or_path]
        if entry.overrides:
            announce(entry)
        return entry
    close = difflib.get_close_matches(id_or_path, list(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'guided list' shows them all"
    raise NotFoundError(f"no session called {id_or_path!r}{hint}")


def override_notice(entry: Entry) -> str | None:
    """One line saying which script is used in place of which, or None when it hides nothing."""
    if not entry.overrides:
        return None
    hidden = entry.overrides[0]
    instead = "the built-in one" if hidden.origin == BUILT_IN else f"the one in {hidden.path.parent}"
    return f"using your {entry.id} ({_home_relative(entry.path)}) instead of {instead}"


def announce(entry: Entry) -> None:
    """Say once per process that a user script replaces another with the same id."""
    message = override_notice(entry)
    if message is None or entry.id in _noticed:
        return
    _noticed.add(entry.id)
    if notify is not None:
        notify(message)


def _home_relative(path: Path) -> str:
    try:
        return "~/" + path.absolute().relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def exists(script_id: str) -> Entry | None:
    """The entry that holds this id now, if any (in any folder)."""
    return next((e for e in entries() if e.id == script_id), None)


def hidden_from_user_folder(script_id: str) -> Entry | None:
    """The script that would hide a new one of this id in the user's folder: one in a folder
    searched before it (--library or GUIDED_LIBRARY). None when a new script would be used."""
    entry = exists(script_id)
    if entry is None or entry.origin in (USER, BUILT_IN):
        return None
    return entry


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


def display_name(entry: Entry) -> str:
    if entry.origin == BUILT_IN:
        return f"scripts/{entry.id}.md"
    return str(entry.path)


def load(id_or_path: str) -> tuple[Entry, Script]:
    entry = find(id_or_path)
    return entry, load_script(entry.path, display_name(entry))


def series_members(series_id: str) -> list[str]:
    """The ids under `series_id/` (a series such as rebuilding-trust), in order; empty when none."""
    prefix = series_id.strip("/") + "/"
    return [e.id for e in entries() if e.id.startswith(prefix)]


def load_session(id_or_path: str) -> tuple[Entry, Script]:
    """One session to render: like `load`, but a series or a folder is refused with what to do instead."""
    candidate = Path(id_or_path).expanduser()
    if not candidate.is_file():
        if candidate.is_dir():
            raise GuidedError(f"{id_or_path} is a folder; export the scripts in it with "
                              f"'guided export {id_or_path} --all DIR'")
        members = series_members(id_or_path)
        if members and id_or_path not in {e.id for e in entries()}:
            raise GuidedError(f"{id_or_path} is a series of {len(members)} sessions, one a step; play or export them "
                              f"in order, from {members[0]} to {members[-1]}, or all of them with "
                              f"'guided export {id_or_path} --all DIR'")
    return load(id_or_path)


def looks_like_script_text(source: str) -> bool:
    """Whether a string is the text of a script rather than an id or a path: ids and paths are one line."""
    return "\n" in source.strip() or source.lstrip().startswith("---")


def parse_text(text: str, name: str = "<text>") -> Script:
    """A script given as text (by a program, not a file); errors name it as `name`."""
    return parse_script(text, name)


@dataclass(frozen=True)
class SessionInfo:
    """One row of the library, as `guided list` shows it: the length `show` and `play` will give,
    from the clip cache where its phrases are rendered and estimated (`estimated`) where not."""

    id: str
    title: str
    kind: str
    questions: int
    seconds: int
    estimated: bool  # some phrases are not rendered yet with this voice: their length is the pace's guess
    speaking_words_per_minute: float  # the pace speech is rendered at (pauses not counted)
    silence_share: float  # of the whole length: pauses, bells and time to reflect
    description: str
    series: str | None
    part: int | None
    origin: str
    overrides: tuple[str, ...]

    def as_dict(self) -> dict:
        return {**self.__dict__, "overrides": list(self.overrides)}


def sessions(on_skip: Callable[[GuidedError], None] | None = None, options=None) -> list[SessionInfo]:
    """Every session in the library, with its length for `options` (a `SessionOptions`; by default
    the environment's and config.toml's). A broken script of the user's is skipped (and told to
    `on_skip`) so that it hides no other; a broken built-in one is an error."""
    from ..session.lengths import session_lengths

    loaded = []
    for entry in entries():
        try:
            loaded.append((entry, load_script(entry.path, display_name(entry))))
        except GuidedError as exc:
            if not entry.user:
                raise
            if on_skip is not None:
                on_skip(exc)
    rows = []
    for (entry, script), length in zip(loaded, session_lengths([s for _, s in loaded], options), strict=True):
        stats = length.timeline.stats()
        rows.append(SessionInfo(
            id=entry.id, title=script.title, kind=script.kind, questions=len(script.questions),
            seconds=round(stats["seconds"]), estimated=length.estimated,
            speaking_words_per_minute=stats["speaking_words_per_minute"],
            silence_share=stats["silence_share"], description=script.description, series=script.series,
            part=script.part, origin=entry.origin, overrides=tuple(e.origin for e in entry.overrides),
        ))
    return rows


class Library:
    """The library as a Python program sees it: `guided.library().sessions()`."""

    def __init__(self, folders: Iterable[str | Path] = ()) -> None:
        use_folders(folders)  # these folders, and no others named before, are searched first

    def sessions(self, **choices) -> list[SessionInfo]:
        """Every session with its length for these sound options (engine, voice, rate, minutes,
        sample_rate: as `guided.prepare` takes them; by default the environment's and config.toml's)."""
        from ..options import resolve

        return sessions(options=resolve(**choices) if choices else None)

    def ids(self) -> list[str]:
        return [e.id for e in entries()]

    def load(self, id_or_path: str) -> Script:
        return load(id_or_path)[1]


def save(path: Path, text: str) -> None:
    """Write a script whole or not at all (a temporary file renamed into place)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
