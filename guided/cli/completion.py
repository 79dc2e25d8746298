"""What the shell offers when a user presses Tab: session ids, journal decks, backgrounds, voices.

Each function takes what has been typed so far and returns the names that start with it (any
case). They must answer within a keystroke: nothing here renders, decodes sound, starts a speech
engine or loads a voice model; scripts are found by file name, and a deck is told by a glance at
its front matter.
"""

from __future__ import annotations

import re
import shutil
import subprocess

_JOURNAL_KIND = re.compile(r"^kind:\s*['\"]?journal['\"]?\s*$", re.MULTILINE)


def _starting(names, typed: str) -> list[str]:
    typed = typed.lower()
    return [name for name in names if name.lower().startswith(typed)]


def session_ids(typed: str = "") -> list[str]:
    """Ids of the library's sessions (yours, and the built-in ones) that start with ``typed``."""
    from . import catalog

    return _starting(catalog().ids(), typed)


def deck_ids(typed: str = "") -> list[str]:
    """Ids of the journal decks (scripts of kind journal) that start with ``typed``."""
    from . import catalog

    decks = []
    for entry in catalog().files():
        if not entry.id.lower().startswith(typed.lower()):
            continue
        try:
            head = entry.path.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError:
            continue
        front = head.split("\n---", 1)[0]  # only the front matter: a deck's body may quote "kind:"
        if _JOURNAL_KIND.search(front):
            decks.append(entry.id)
    return decks


def backgrounds(typed: str = "") -> list[str]:
    """The built-in beds, and "none", that start with ``typed``."""
    from ..audio.sounds import BED_NAMES

    return _starting([*BED_NAMES, "none"], typed)


def voices(typed: str = "") -> list[str]:
    """Voices that start with ``typed``: installed Piper voices by name and espeak-ng's voice ids
    (pyttsx3's voices on Linux), both found without starting either engine."""
    from ..tts.piper_engine import installed_voices

    names = [v.name for v in installed_voices()]
    names += [v for v in _espeak_voices() if v not in names]
    return _starting(names, typed)


def _espeak_voices() -> list[str]:
    """espeak-ng's voice ids (the File column of `espeak-ng --voices`), as pyttsx3 names them."""
    binary = shutil.which("espeak-ng") or shutil.which("espeak")
    if binary is None:
        return []
    try:
        listing = subprocess.run([binary, "--voices"], capture_output=True, text=True, timeout=2).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:  # pyttsx3 (and so `guided voices`) names them in lower case: gmw/en-us
            found.append(columns[4].lower())
    return found
