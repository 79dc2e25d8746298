"""The script language: text in, an immutable `Script` out, or one `ScriptError` naming FILE:LINE:COL
(the first mistake, carrying the others; `check_script` returns them all with what could be read).

`model` holds the Script and its cues, `durations` how authors write time, `front_matter` the
settings block at the top, `body` the line parser, and `parser` the entry points that join them.
Everything public is importable from here, as `from guided.scripts.language import Script, parse_script`.
"""

from .body import parse_body, read_body
from .durations import DURATION_HINT, format_ms, parse_duration_ms, parse_span
from .front_matter import FRONT_MATTER_KEYS, check_front_matter, read_front_matter
from .model import (
    BLANK_LINE_MS,
    DEFAULT_REFLECT,
    DIRECTIVES,
    JOURNAL_REFLECT,
    KINDS,
    MAX_PAUSE_MS,
    MAX_REFLECT_MS,
    MAX_SIT_MS,
    PLACEHOLDERS,
    SHORT_SITTING,
    Bell,
    Breathe,
    Cue,
    LongSitting,
    Pause,
    Pronunciation,
    Question,
    Say,
    Script,
    Section,
    Sit,
    Span,
)
from .parser import Checked, check_script, check_script_file, load_script, parse_script

__all__ = [
    "BLANK_LINE_MS",
    "DEFAULT_REFLECT",
    "DIRECTIVES",
    "DURATION_HINT",
    "FRONT_MATTER_KEYS",
    "JOURNAL_REFLECT",
    "KINDS",
    "MAX_PAUSE_MS",
    "MAX_REFLECT_MS",
    "MAX_SIT_MS",
    "PLACEHOLDERS",
    "SHORT_SITTING",
    "Bell",
    "Breathe",
    "Checked",
    "Cue",
    "LongSitting",
    "Pause",
    "Pronunciation",
    "Question",
    "Say",
    "Script",
    "Section",
    "Sit",
    "Span",
    "check_front_matter",
    "check_script",
    "check_script_file",
    "format_ms",
    "load_script",
    "parse_body",
    "parse_duration_ms",
    "parse_script",
    "parse_span",
    "read_body",
    "read_front_matter",
]
