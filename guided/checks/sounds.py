"""Whether the sounds a script or the saved settings name can be found, before anything is rendered.

A bell or background is a built-in name or the path of a sound file, found exactly as rendering
finds it (bells.load_bell, beds.load_bed), so a script that passes this check does not fail at
render time for a sound it names. Nothing is decoded here: checking is quick and needs no ffmpeg.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..audio.sounds import BED_NAMES, BELL_NAMES
from ..audio.user_files import user_path
from ..errors import GuidedError, ScriptError
from ..options import NO_BACKGROUND
from ..scripts.language.model import Bell, Script, Sit


def sound_problem(name: str, kind: str) -> str | None:
    """Why ``name`` cannot be used as a ``kind`` ("bell" or "background"), or None when it can."""
    names = BELL_NAMES if kind == "bell" else BED_NAMES
    key = str(name).strip()
    if key.lower() in names or (kind == "background" and key.lower() in NO_BACKGROUND):
        return None
    try:
        user_path(key, names, kind)
    except GuidedError as exc:
        return str(exc)
    return None


def missing_sounds(script: Script) -> list[ScriptError]:
    """Every bell and the background the script names that cannot be found, at the place it is named."""
    lines = _source_lines(script.path)
    problems = []
    if script.background is not None:
        problem = sound_problem(script.background, "background")
        if problem:
            line, column = _front_matter_place(lines, "background")
            problems.append(ScriptError(script.path, line, column, problem))
    for cue in script.cues:
        name = cue.name if isinstance(cue, Bell) else cue.bell if isinstance(cue, Sit) else None
        if name is None:  # the default bell, or the interval bell: both built in
            continue
        problem = sound_problem(name, "bell")
        if problem:
            problems.append(ScriptError(script.path, cue.line, _bell_column(lines, cue.line, name), problem))
    return problems


def _source_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # a script made from text has no file to point into
        return []


def _front_matter_place(lines: list[str], key: str) -> tuple[int, int]:
    """LINE, COL of the key's value in the front matter (1, 1 when it cannot be found)."""
    for number, text in enumerate(lines[1:], 2):
        if text.strip() == "---":
            break
        match = re.match(rf"(\s*){re.escape(key)}\s*:\s*", text)
        if match:
            return number, match.end() + 1
    return 1, 1


def _bell_column(lines: list[str], line: int, name: str) -> int:
    """The column of the bell's name on its line: after '[bell', or after 'bell' in '[sit ..., bell NAME every ...]'."""
    if not 0 < line <= len(lines):
        return 1
    text = lines[line - 1]
    for pattern in (rf"\[\s*bell\s+({re.escape(name)})", rf"\bbell\s+({re.escape(name)})\s+every"):
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return match.start(1) + 1
    found = text.find(name)
    return found + 1 if found >= 0 else 1
