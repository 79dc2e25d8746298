"""guided: voice-guided meditation and reflection, offline.

    import guided
    session = guided.prepare("heart-breathing", minutes=12, background="rain")
    session.export("heart.m4b", captions="srt")
    session.play()
    for block in session.blocks(): ...
    seg = session.to_audiosegment()
    guided.library().sessions()

See docs/api.md. Importing guided is cheap: the audio machinery loads on first use.
"""

from __future__ import annotations

from .errors import (
    ConfigError,
    DeviceError,
    FitError,
    GuidedError,
    MissingDependencyError,
    NotFoundError,
    OutputError,
    ScriptError,
    SoundError,
    TTSError,
    UsageError,
)

__all__ = [
    "ConfigError", "DeviceError", "FitError", "GuidedError", "Library", "MissingDependencyError", "NotFoundError",
    "OutputError", "ScriptError", "Session", "SessionInfo", "SessionOptions", "SoundError", "TTSError", "UsageError",
    "__version__", "library", "prepare", "resolve_options",
]

# Public name → the module that holds it, imported when first asked for (PEP 562).
_LAZY = {
    "prepare": "session",
    "Session": "session",
    "SessionOptions": "options",
    "resolve_options": ("options", "resolve"),
    # Lazy too: `python -m guided` runs this file before the entry point guards Ctrl-C, so it imports
    # as little as it can (paths brings dataclasses, and inspect with it).
    "__version__": ("paths", "VERSION"),
    "Library": ("session.library", "Library"),
    "SessionInfo": ("session.library", "SessionInfo"),
}


def library(*folders: str):
    """The library of sessions (built-in, your own, and any extra `folders`, searched first):
    `.sessions()`, `.ids()`, `.load(id)`, `.prepare(id, ...)`."""
    from .session.library import Library

    return Library(folders)


def __getattr__(name: str):
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'guided' has no attribute {name!r}")
    module_name, attribute = where if isinstance(where, tuple) else (where, name)
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), attribute)
    globals()[name] = value
    return value
