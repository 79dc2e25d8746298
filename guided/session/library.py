"""The library as a program sees it (`guided.library()`): every session with the length it will
have, from the one estimator (timing/lengths.py), for a set of sound options.

A `Library` is a catalogue of scripts (scripts/catalog.py) and what a program does with it: list
its sessions, load a script, prepare a session found through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GuidedError
from ..options import SessionOptions, resolve
from ..scripts.catalog import Catalog, display_name
from ..scripts.language import Script, load_script
from ..timing.lengths import SessionLength, estimate_lengths


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


ESTIMATED_BELL_SECONDS = 10.0  # a bell file that cannot be read now (playing would say why)


def bell_length(name: str | None, rate: int) -> int:
    """How many samples at `rate` a bell rings, without making a built-in one (no numpy)."""
    from ..audio.sounds import DEFAULT_BELL, RING_SECONDS

    name = (name or DEFAULT_BELL).strip()
    if name.lower() in RING_SECONDS:  # a built-in bell rings exactly this long at any rate
        return round(RING_SECONDS[name.lower()] * rate)
    from ..audio.sounds import BELL_NAMES
    from ..audio.user_files import FILE_BELL_MAX_SECONDS, probe_seconds, user_path

    try:  # a file of the user's: its length from its header, never decoded for a listing
        seconds = probe_seconds(user_path(name, BELL_NAMES, "bell"))
    except GuidedError:
        seconds = None
    seconds = min(seconds, FILE_BELL_MAX_SECONDS) if seconds is not None else ESTIMATED_BELL_SECONDS
    return round(seconds * rate)  # the longest a bell rings: a longer file is faded out there


def session_lengths(scripts: list[Script], options: SessionOptions | None = None) -> list[SessionLength]:
    """The length of each script with these sound options, as `guided list` shows it."""
    return estimate_lengths(scripts, bell_length, options)


def sessions(catalog: Catalog | None = None, options: SessionOptions | None = None,
             on_skip: Callable[[GuidedError], None] | None = None) -> list[SessionInfo]:
    """Every session of `catalog`, with its length for `options` (by default the environment's and
    config.toml's). A broken script of the user's is skipped (and told to `on_skip`) so that it
    hides no other; a broken built-in one is an error."""
    catalog = catalog or Catalog()
    loaded = []
    for found in catalog.files():
        try:
            loaded.append((found, load_script(found.path, display_name(found))))
        except GuidedError as exc:
            if not found.user:
                raise
            if on_skip is not None:
                on_skip(exc)
    rows = []
    for (found, script), length in zip(loaded, session_lengths([s for _, s in loaded], options), strict=True):
        stats = length.timeline.stats()
        rows.append(SessionInfo(
            id=found.id, title=script.title, kind=script.kind, questions=len(script.questions),
            seconds=round(stats["seconds"]), estimated=length.estimated,
            speaking_words_per_minute=stats["speaking_words_per_minute"],
            silence_share=stats["silence_share"], description=script.description, series=script.series,
            part=script.part, origin=found.origin, overrides=tuple(f.origin for f in found.overrides),
        ))
    return rows


class Library:
    """The library of sessions: the built-in ones, your own, and any extra `folders` (searched first)."""

    def __init__(self, folders: Iterable[str | Path] = ()) -> None:
        self.catalog = Catalog(folders)

    def sessions(self, **choices) -> list[SessionInfo]:
        """Every session with its length for these sound options (engine, voice, rate, minutes,
        sample_rate: as `guided.prepare` takes them; by default the environment's and config.toml's)."""
        return sessions(self.catalog, resolve(**choices) if choices else None)

    def ids(self) -> list[str]:
        return self.catalog.ids()

    def load(self, id_or_path: str) -> Script:
        return self.catalog.load(id_or_path)[1]

    def prepare(self, source, **choices):
        """`guided.prepare(source, ...)` with ids found in this library."""
        from .prepared import prepare

        return prepare(source, catalog=self.catalog, **choices)
