"""Finding scripts: the built-in library shipped with the package, ids, and listing."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import NotFoundError
from .script import Script, load_script

DEFAULT_SESSION = "heart-breathing"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*")


def builtin_dir() -> Path:
    """The built-in scripts: inside the package when installed, beside it in a source checkout."""
    here = Path(__file__).parent
    installed = here / "_data" / "scripts"
    return installed if installed.is_dir() else here.parent / "scripts"


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    origin: str  # "built-in" or the user folder it came from


def entries() -> list[Entry]:
    root = builtin_dir()
    found = []
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).with_suffix("").as_posix()
        if ID_PATTERN.fullmatch(relative):
            found.append(Entry(relative, path, "built-in"))
    return sorted(found, key=_sort_key)


def _sort_key(entry: Entry):
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
    if id_or_path in known:
        return known[id_or_path]
    close = difflib.get_close_matches(id_or_path, list(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'guided list' shows them all"
    raise NotFoundError(f"no session called {id_or_path!r}{hint}")


def display_name(entry: Entry) -> str:
    if entry.origin == "built-in":
        return f"scripts/{entry.id}.md"
    return str(entry.path)


def load(id_or_path: str) -> tuple[Entry, Script]:
    entry = find(id_or_path)
    return entry, load_script(entry.path, display_name(entry) if entry.origin == "built-in" else str(entry.path))
