"""Voice names as a user meets them: every engine's voices with the default one first and the natural
(Piper) voices before the system ones, finding the voice a name means, and, for a name that means
none, the names that were probably meant ("en-us" for espeak-ng's "gmw/en-us").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..errors import GuidedError, NotFoundError
from . import VoiceInfo

ENGINE_ORDER = ("piper", "pyttsx3")  # the natural voices first: they are the ones worth choosing
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class ListedVoice:
    """A voice in `guided voices`: `default` is the one play and export use when no voice is chosen."""

    engine: str
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None
    default: bool

    def as_dict(self) -> dict:
        return {**asdict(self), "languages": list(self.languages)}


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


def voice_problem(engine: str, voice: str) -> str | None:
    """Why `voice` names no voice of `engine` ("auto" resolved as rendering resolves it), or None when
    it names one: found as the engine finds it, without loading a speech model."""
    from . import resolve_engine

    try:
        name = resolve_engine(engine)
        if name == "piper":
            from .piper_engine import find_voice

            find_voice(voice)
            return None
        from .pyttsx3_engine import system_voices

        known = system_voices()[0]
    except GuidedError as exc:
        return str(exc)
    return None if matching(voice, known) is not None else str(unknown_voice(voice, known, name))


def _either(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _other_engines(engine: str):
    """Each other engine with its voices (looked for only after a mistake: listing them costs)."""
    from . import list_voices

    for other in ENGINE_ORDER:
        if other != engine:
            try:
                yield other, list_voices(other)
            except GuidedError:
                continue


def default_voice(engine: str | None = None, voice: str | None = None) -> tuple[str, str] | None:
    """The (engine, voice id) that play and export use with these choices (by default the environment's
    and config.toml's); None when no engine can speak or the chosen voice names none."""
    from . import resolve_engine
    from .piper_engine import installed_voices
    from .pyttsx3_engine import system_voices

    if engine is None or voice is None:
        from ..options import resolve

        options = resolve()
        engine = engine or options.engine
        voice = voice or options.voice
    try:
        name = resolve_engine(engine)
        if name not in ENGINE_ORDER:
            return None
        if name == "piper":
            known = [VoiceInfo("piper", v.name, v.name) for v in installed_voices()]
            if voice is None:
                return ("piper", known[0].id) if known else None
        else:
            known, spoken = system_voices()
            if voice is None:
                return name, spoken
    except GuidedError:
        return None
    found = matching(voice, known)
    return (name, found.id) if found is not None else None


def listed(voices: Sequence[VoiceInfo], default: tuple[str, str] | None) -> list[ListedVoice]:
    """The voices in the order `guided voices` shows them: the default first, then Piper's, then
    the system's, each engine's in its own order."""
    rows = [ListedVoice(v.engine, v.id, v.name, tuple(v.languages), v.gender, (v.engine, v.id) == default)
            for v in voices]
    rank = {name: index for index, name in enumerate(ENGINE_ORDER)}
    return sorted(rows, key=lambda r: (not r.default, rank.get(r.engine, len(rank))))
