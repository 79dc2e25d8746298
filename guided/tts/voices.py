"""Voice names as a user writes them: finding the voice a name means, and, for a name that means
none, the names that were probably meant ("en-us" for espeak-ng's "gmw/en-us"). Nothing here
starts an engine; another engine's voices are listed only after a mistake.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ..errors import GuidedError, NotFoundError
from . import VoiceInfo

MAX_SUGGESTIONS = 3


def matching(spec: str, voices: Sequence[VoiceInfo]) -> VoiceInfo | None:
    """The voice `spec` names: its id exactly, else its id or its name in any case."""
    exact = next((v for v in voices if v.id == spec), None)
    if exact is not None:
        return exact
    wanted = spec.strip().lower()
    return next((v for v in voices if wanted in (v.id.lower(), v.name.lower())), None)


def suggestions(spec: str, voices: Sequence[VoiceInfo]) -> list[str]:
    """The ids a mistyped or shortened voice name probably meant: those whose last part (after a
    '/') is the name, those with it as a word of their id or name, then those close to it in
    spelling, by id, last part or name."""
    wanted = spec.strip().lower()
    found: list[str] = [v.id for v in voices if v.id.lower().rsplit("/", 1)[-1] == wanted]
    worded = [v for v in voices if wanted in _words(v.id) or wanted in _words(v.name)]  # "joe", "english"
    found += [v.id for v in sorted(worded, key=lambda v: not v.name.lower().startswith(wanted))]
    by_key: dict[str, list[str]] = {}
    for v in voices:
        for key in {v.id.lower(), v.id.lower().rsplit("/", 1)[-1], v.name.lower()}:
            by_key.setdefault(key, []).append(v.id)
    for key in difflib.get_close_matches(wanted, list(by_key), n=MAX_SUGGESTIONS * 2, cutoff=0.75):
        found += by_key[key]
    return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]


def _words(text: str) -> set[str]:
    return set(re.split(r"[/_\-\s(),.]+", text.lower()))


def unknown_voice(spec: str, voices: Sequence[VoiceInfo], engine: str, otherwise: str | None = None) -> NotFoundError:
    """The error for a name that names no voice of `engine`, with the voices probably meant: this
    engine's, else another engine's (with the --engine that speaks it); `otherwise` when none is near."""
    close = suggestions(spec, voices)
    if close:
        return NotFoundError(f"unknown voice {spec!r}; did you mean {_either(close)}?")
    for other, theirs in _other_engines(engine):
        close = [v.id for v in theirs if v.id == spec] or suggestions(spec, theirs)
        if close:
            return NotFoundError(f"unknown voice {spec!r} for {engine}; did you mean {_either(close)} "
                                 f"(with --engine {other})?")
    return NotFoundError(otherwise or f"unknown voice {spec!r} for {engine}; 'guided voices' lists them")


def _either(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _other_engines(engine: str):
    """Each other engine with its voices (looked for only after a mistake: listing them costs)."""
    from . import ENGINE_ORDER, list_voices

    for other in ENGINE_ORDER:
        if other != engine:
            try:
                yield other, list_voices(other)
            except GuidedError:
                continue
