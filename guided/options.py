"""How a session should sound, decided in one place for every caller: the CLI, the Python API, the
batch exporter and the server all go through `resolve`.

Each choice comes from the first of: an argument given by the caller, the environment
(`GUIDED_ENGINE`, `GUIDED_VOICE`, `GUIDED_RATE`, `GUIDED_BACKGROUND`, `GUIDED_LOUDNESS`,
`GUIDED_VOICE_VOLUME`, `GUIDED_BACKGROUND_VOLUME`, `GUIDED_BELL_VOLUME`), config.toml, and the
built-in defaults. Values are checked the same way wherever they come from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from .errors import ConfigError, UsageError
from .settings import ENGINES, KEYS, Settings, check_value, load_settings
from .tts import DEFAULT_RATE_WPM

NO_BACKGROUND = ("none", "off", "no", "silence")
SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)
ENV_PREFIX = "GUIDED_"


@dataclass(frozen=True)
class SessionOptions:
    """What a user can choose about how a session sounds (volumes in decibels)."""

    engine: str = "auto"
    voice: str | None = None
    rate_wpm: int = DEFAULT_RATE_WPM
    sample_rate: int = 44100
    channels: int = 2
    loudness: float = -16.0
    voice_db: float = 0.0
    background_db: float = 0.0
    bell_db: float = 0.0
    duck_db: float = -10.0
    background: str | None = None  # None: the script's own; "none": no bed
    minutes: float | None = None

    def background_for(self, script_background: str | None) -> str | None:
        """The bed to play: the chosen one, else the script's; None for silence under the voice."""
        chosen = self.background if self.background is not None else script_background
        if chosen is None or chosen.strip().lower() in NO_BACKGROUND:
            return None
        return chosen


# Saved-setting name → SessionOptions field, for the settings that config.toml and the environment hold.
FIELDS = {
    "engine": "engine",
    "voice": "voice",
    "rate": "rate_wpm",
    "background": "background",
    "loudness": "loudness",
    "voice_volume": "voice_db",
    "background_volume": "background_db",
    "bell_volume": "bell_db",
}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """The settings the environment holds (`GUIDED_RATE=120`, ...), checked; a ConfigError names the variable."""
    environ = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for key in KEYS:
        name = ENV_PREFIX + key.upper()
        raw = environ.get(name)
        if raw is None or not raw.strip():
            continue
        try:
            found[key] = check_value(key, raw)
        except ValueError as exc:
            if key == "engine":
                raise ConfigError(f"unknown speech engine {raw.strip()!r} in {name}; expected one of "
                                  f"{', '.join(ENGINES)}") from None
            raise ConfigError(f"the environment variable {name}: {exc}") from None
    return found


def resolve(
    *,
    engine: str | None = None,
    voice: str | None = None,
    rate: int | str | None = None,
    background: str | None = None,
    loudness: float | str | None = None,
    voice_volume: float | str | None = None,
    background_volume: float | str | None = None,
    bell_volume: float | str | None = None,
    minutes: float | None = None,
    sample_rate: int = 44100,
    mono: bool = False,
    saved: Settings | None = None,
) -> SessionOptions:
    """The options for a session: each argument given wins, then the environment, then config.toml
    (`saved`, read when not given), then the defaults. Volumes may be given as `"80%"`, `"-3dB"` or a
    number of decibels."""
    given = {"engine": engine, "voice": voice, "rate": rate, "background": background, "loudness": loudness,
             "voice_volume": voice_volume, "background_volume": background_volume, "bell_volume": bell_volume}
    chosen: dict[str, object] = {}
    for key, value in given.items():
        if value is None:
            continue
        if key.endswith("_volume") and isinstance(value, (int, float)) and not isinstance(value, bool):
            chosen[key] = float(value)  # already decibels (the CLI converts "80%" before calling)
            continue
        try:
            chosen[key] = check_value(key, value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    environment = from_environment()
    saved = load_settings() if saved is None else saved
    values: dict[str, object] = {}
    for key, field_name in FIELDS.items():
        for source in (chosen, environment):
            if key in source:
                values[field_name] = source[key]
                break
        else:
            remembered = getattr(saved, key)
            if remembered is not None:
                values[field_name] = remembered
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= 24 * 60:
            raise UsageError(f"minutes must be a number above 0 and at most a day, not {minutes!r}")
        values["minutes"] = float(minutes)
    if int(sample_rate) not in SAMPLE_RATES:
        raise UsageError(f"sample rate must be one of {', '.join(map(str, SAMPLE_RATES))}, not {sample_rate!r}")
    return replace(SessionOptions(), **values, sample_rate=int(sample_rate), channels=1 if mono else 2)
