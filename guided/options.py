"""How a session should sound, decided in one place for every caller: the CLI, the Python API, the
batch exporter and the server all go through `resolve`, and get one `SessionOptions`.

Each choice comes from the first of: an argument given by the caller, the environment
(`GUIDED_ENGINE`, `GUIDED_VOICE`, `GUIDED_RATE`, `GUIDED_BACKGROUND`, `GUIDED_LOUDNESS`,
`GUIDED_VOICE_VOLUME`, `GUIDED_BACKGROUND_VOLUME`, `GUIDED_BELL_VOLUME`, `GUIDED_DUCK`,
`GUIDED_DUCK_HOLD`), `config.toml` in the
config folder, and the built-in defaults. Values are checked the same way wherever they come from,
and written as on the command line: `rate = 120` and `rate = "120"` are the same, and so are
`voice_volume = 90` and `voice_volume = "90%"`.

    engine = "pyttsx3"          # auto, pyttsx3 or piper
    voice = "en-us"
    rate = 120                  # words a minute, 60 to 300
    background = "rain"         # a bed, a sound file, or "none"
    loudness = -18              # LUFS, -40 to -14
    voice_volume = "90%"        # or "-1dB"; likewise background_volume and bell_volume
    duck = "10dB"               # how far the bed dips under a spoken passage; "0dB" for not at all
    duck_hold = "7s"            # pauses shorter than this keep the bed down; it rises into longer ones

A config file that is not valid TOML, or that holds an unknown key or a value of the wrong kind,
is a `ConfigError` naming the file, the line and column, and what is wrong; a missing file means
the built-in defaults.
"""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError, UsageError
from .paths import paths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_NAME = "config.toml"
SPEAKING_ENGINES = ("pyttsx3", "piper")
ENGINES = ("auto", *SPEAKING_ENGINES)
RATE_RANGE = (60, 300)
DEFAULT_RATE_WPM = 120  # words a minute of speech: unhurried, as guided meditation is spoken
# Louder than -14 LUFS, speech with the long silences of a meditation cannot keep its true peaks
# under -1 dBTP without the peak guard crushing it (measured: -13 LUFS reaches -1.1 dBTP, -12 -0.9).
LOUDNESS_RANGE = (-40.0, -14.0)
CONFIG_MOST_BYTES = 64 * 1024  # a config file holds a dozen settings; anything far larger is not one
NO_BACKGROUND = ("none", "off", "no", "silence")
SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)
ENV_PREFIX = "GUIDED_"
DUCK_MOST_DB = 40.0
# Most of the library's pauses between sentences are 3-6 s, its sittings and breathing 8 s and more:
# a hold of 7 s keeps the bed still through the first and lets it rise into the second.
DEFAULT_DUCK_HOLD_MS = 7000
DUCK_HOLD_RANGE_MS = (0, 60_000)


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
    duck_db: float = -10.0  # the bed's dip under a spoken passage
    duck_hold_ms: int = DEFAULT_DUCK_HOLD_MS  # pauses shorter than this keep the bed down
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
    "duck": "duck_db",
    "duck_hold": "duck_hold_ms",
}
KEYS = tuple(FIELDS)


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
    duck: float | str | None = None,
    duck_hold: float | str | None = None,
    minutes: float | None = None,
    sample_rate: int = 44100,
    mono: bool = False,
    saved: dict[str, object] | None = None,
) -> SessionOptions:
    """The options for a session: each argument given wins, then the environment, then config.toml
    (`saved`, as `read_config` gives it; read when not given), then the defaults. Volumes may be given as `"80%"`, `"-3dB"` or a
    number of decibels; `duck` as `"10dB"` (how far the bed dips under speech), `duck_hold` as `"7s"`
    (pauses shorter than this keep the bed down) or a number of seconds."""
    given = {"engine": engine, "voice": voice, "rate": rate, "background": background, "loudness": loudness,
             "voice_volume": voice_volume, "background_volume": background_volume, "bell_volume": bell_volume,
             "duck": duck, "duck_hold": duck_hold}
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
    saved = read_config() if saved is None else saved
    values: dict[str, object] = {}
    for key, field_name in FIELDS.items():
        for source in (chosen, environment, saved):
            if key in source:
                values[field_name] = source[key]
                break
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= 24 * 60:
            raise UsageError(f"minutes must be a number above 0 and at most a day, not {minutes!r}")
        values["minutes"] = float(minutes)
    if int(sample_rate) not in SAMPLE_RATES:
        raise UsageError(f"sample rate must be one of {', '.join(map(str, SAMPLE_RATES))}, not {sample_rate!r}")
    return replace(SessionOptions(), **values, sample_rate=int(sample_rate), channels=1 if mono else 2)


# --- config.toml, and values as people write them -----------------------------------------------


def config_file() -> Path:
    return paths().config / CONFIG_NAME


def parse_volume(value: object) -> float | str:
    """`80%`, `150`, `-3dB` (or a number, read as a percentage) → decibels; a message when it is none of them."""
    if isinstance(value, bool):
        return "expected a percentage such as 80% or a level such as -6dB"
    text = str(value).strip().lower()
    try:
        if text.endswith("db"):
            db = float(text[:-2])
            if not math.isfinite(db) or abs(db) > 60:
                return f"expected a level from -60dB to 60dB, not {shown(value)}"
            return db
        percent = float(text.rstrip("%"))
    except ValueError:
        return f"expected a percentage such as 80% or a level such as -6dB, not {shown(value)}"
    if not 0 < percent <= 400:
        return f"expected a percentage above 0% and at most 400%, not {shown(value)}"
    return 20 * math.log10(percent / 100)


def read_config(path: Path | None = None) -> dict[str, object]:
    """The choices saved in `path` (default: config.toml in the config folder), checked, by
    setting name (`rate`, `voice_volume` in decibels, ...); only those the file sets."""
    path = Path(path) if path is not None else config_file()
    try:
        with path.open("rb") as f:
            data = f.read(CONFIG_MOST_BYTES + 1)
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file; remove it or put a file there") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from None
    if len(data) > CONFIG_MOST_BYTES:
        raise ConfigError(f"{path} is larger than a config file can be ({CONFIG_MOST_BYTES // 1024} KB at most); "
                          "it holds a few settings, one a line") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line}: expected UTF-8 text; save the config file as UTF-8") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_unquoted(path, text, exc) or _toml_problem(path, exc)) from None
    except RecursionError:  # `x = [[[[...]]]]`: the reader's own stack runs out
        raise ConfigError(f"{path}: the config file nests values too deeply to read; each setting is one value, "
                          "such as rate = 120") from None
    return _checked(path, text, table)


def _unquoted(path: Path, text: str, exc: Exception) -> str | None:
    """The one-line fix for the likeliest mistake, a setting's value written bare as on the command
    line (`voice_volume = 90%`, `background = rain`): TOML wants text in quotes. None otherwise."""
    number = getattr(exc, "lineno", None)
    if number is None:
        found = re.search(r"at line (\d+)", str(exc))
        number = int(found.group(1)) if found else None
    lines = text.splitlines()
    if number is None or not 0 < number <= len(lines):
        return None
    match = re.match(r"(\s*)([A-Za-z_]+)(\s*=\s*)([^\s\"'#=][^#]*?)\s*(#.*)?$", lines[number - 1])
    if not match or match.group(2) not in KEYS:
        return None
    key, value = match.group(2), match.group(4)
    column = len(match.group(1)) + len(key) + len(match.group(3)) + 1
    return f'{path}:{number}:{column}: put the value in quotes: {key} = "{value}"'


def _toml_problem(path: Path, exc: Exception) -> str:
    """One line from a TOML error: FILE:LINE:COL: what is wrong (tomllib puts the place in its message)."""
    message = str(exc)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if found:
        line, column = line or int(found.group(1)), column or int(found.group(2))
        message = message[: found.start()] + message[found.end() :]
    message = re.sub(r"\s*\(at end of document\)", " at the end of the file", message)
    message = " ".join(message.split()) or "not valid TOML"
    message = message[:1].lower() + message[1:]
    where = f"{path}:{line}:{column}" if line else str(path)
    return f"{where}: the config file is not valid TOML: {message}; fix it or delete the file"


def line_of(text: str, key: str) -> str:
    """`:LINE:COL` of the key in the file's text, or '' when it cannot be found."""
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(rf"\s*\[*\s*[\"']?{re.escape(key)}[\"']?\s*[=.\]]", line)  # key = or [key]
        if match:
            return f":{number}:{len(line) - len(line.lstrip()) + 1}"
    return ""


def shown(value: object, most: int = 40) -> str:
    """A value as a message quotes it: its repr, cut short (a config file can hold megabytes)."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def check_value(key: str, value: object) -> object:
    """A saved or given value made usable, or ValueError with a one-line reason.

    Values are written as on the command line: `rate = 120` and `rate = "120"` are the same, and so
    are `voice_volume = 90` and `voice_volume = "90%"`; the volumes come back in decibels."""
    if key == "engine":
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in ENGINES:
            raise ValueError(f"'engine' must be one of {', '.join(ENGINES)}, not {shown(value)}")
        return text
    if key in ("voice", "background"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"'{key}' must be a name in quotes, such as {key} = \"rain\", not {shown(value)}")
        return value.strip()
    if key == "rate":
        low, high = RATE_RANGE
        number = _number(value, whole=True)
        if number is None or not low <= number <= high:
            raise ValueError(f"'rate' must be a whole number of words a minute from {low} to {high}, not {shown(value)}")
        return int(number)
    if key == "loudness":
        low, high = LOUDNESS_RANGE
        text = value.strip().lower().removesuffix("lufs").strip() if isinstance(value, str) else value
        number = _number(text)
        if number is None or not low <= number <= high:
            raise ValueError(f"'loudness' must be a number of LUFS from {low:g} to {high:g}, not {shown(value)}")
        return float(number)
    if key in ("voice_volume", "background_volume", "bell_volume"):
        db = parse_volume(value) if isinstance(value, (str, int, float)) else f"expected a percentage such as 80% or a level such as -6dB, not {shown(value)}"
        if isinstance(db, str):
            raise ValueError(f"'{key}': {db}")
        return db
    if key == "duck":
        return parse_duck(value)
    if key == "duck_hold":
        return parse_duck_hold(value)
    raise ValueError(f"unknown setting {key!r}; expected one of {', '.join(KEYS)}")


def parse_duck(value: object) -> float:
    """How far the bed dips under speech, `10dB` or `-10dB` alike (a dip has one direction), or a
    number of decibels → the gain in dB (0 or below); ValueError with a one-line reason otherwise."""
    text = value.strip().lower().removesuffix("db").strip() if isinstance(value, str) else value
    if isinstance(text, str) and text in ("off", "none", "no"):
        return 0.0
    number = _number(text)
    if number is None or abs(number) > DUCK_MOST_DB:
        raise ValueError(f"'duck' must be how far the bed dips under speech, from 0dB to {DUCK_MOST_DB:g}dB "
                         f"(such as 10dB), not {shown(value)}")
    return -abs(float(number))


def parse_duck_hold(value: object) -> int:
    """The shortest pause the bed rises into, `7s`, `6500ms` or a number of seconds → milliseconds;
    ValueError with a one-line reason otherwise."""
    text = value.strip().lower() if isinstance(value, str) else value
    scale = 1000
    if isinstance(text, str) and text.endswith("ms"):
        text, scale = text[:-2], 1
    elif isinstance(text, str) and text.endswith("s"):
        text = text[:-1]
    number = _number(text)
    low, high = DUCK_HOLD_RANGE_MS
    if number is None or not low <= number * scale <= high:
        raise ValueError(f"'duck_hold' must be a pause from {low // 1000}s to {high // 1000}s (such as 7s), "
                         f"not {shown(value)}")
    return round(number * scale)


def _number(value: object, whole: bool = False) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if whole and value != int(value):
        return None
    return value


def _checked(path: Path, text: str, table: dict) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in table.items():
        try:
            values[key] = check_value(key, value)
        except ValueError as exc:
            raise ConfigError(f"{path}{line_of(text, key)}: {exc}") from None
    bed = values.get("background")
    if isinstance(bed, str) and ("/" in bed or Path(bed).suffix) and not Path(bed).expanduser().exists():
        # A sound file named here is looked for when a session starts: say where the name came from.
        raise ConfigError(f"{path}{line_of(text, 'background')}: the background {shown(bed)} is not a sound file "
                          "that exists (nor a built-in bed: guided sounds lists them)")
    return values
