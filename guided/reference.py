"""The reference pages that ship with guided, such as the script language, for `guided help TOPIC`.

An installed package holds them in guided/_data/docs (pyproject.toml copies docs/ there); a
source checkout reads docs/ beside the package.
"""

from __future__ import annotations

from pathlib import Path

from .errors import NotFoundError

TOPICS = {"script": "script-format.md"}  # topic → page


def docs_dir(package: Path | None = None) -> Path:
    here = package or Path(__file__).parent
    installed = here / "_data" / "docs"
    return installed if installed.is_dir() else here.parent / "docs"


def page(topic: str) -> str:
    """The text of a reference page, by topic."""
    name = TOPICS.get(topic.strip().lower())
    if name is None:
        raise NotFoundError(f"no help on {topic!r}; topics: {', '.join(TOPICS)}, or any command's name")
    path = docs_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise NotFoundError(f"the {topic} reference is missing from this installation ({path}); "
                            "reinstall guided") from None
