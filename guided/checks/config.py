"""Whether the saved settings (config.toml) can be rendered with: `guided doctor` and `guided validate`
both ask, so a config that passes them does not fail the next `show`, `play` or `export`.

Each value is read as `load_settings` reads it; a background is looked for as rendering looks for it
(sound_check), a voice as the engine the settings choose finds it (tts.voices.voice_problem), without
loading any speech model. A problem is one line, FILE:LINE:COL first.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import GuidedError
from ..options import config_file, from_environment, line_of, read_config
from .sounds import sound_problem


def settings_problem(path: Path | None = None) -> str | None:
    """Why the settings in `path` (default: config.toml) cannot be used, or None when they can
    (also when there is no file)."""
    path = Path(path) if path is not None else config_file()
    try:
        saved = read_config(path)
    except GuidedError as exc:
        return str(exc)
    if saved.get("background") is not None:
        problem = sound_problem(saved["background"], "background")
        if problem:
            return f"{path}{_place(path, 'background')}: {problem}"
    if saved.get("voice") is not None:
        from ..tts import voice_problem

        engine = from_environment().get("engine") or saved.get("engine") or "auto"  # as rendering chooses
        problem = voice_problem(str(engine), str(saved["voice"]))
        if problem:
            return f"{path}{_place(path, 'voice')}: {problem}"
    return None


def _place(path: Path, key: str) -> str:
    return line_of(path.read_text(encoding="utf-8"), key)
