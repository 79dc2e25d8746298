"""Speech: the engines (espeak-ng through pyttsx3, and Piper), the clip cache every rendered phrase
goes into, each voice's pace, and the workers that render phrases side by side.

Here: the `Engine` protocol, the registry of engines and their voices (listed with the default one
first and the natural Piper voices before the system ones), and the helpers engines share.
May import: dsp and the floor (options, paths, files, errors). Imported by: timing, audio and above.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import GuidedError, NotFoundError
from ..options import DEFAULT_RATE_WPM, ENGINES

if TYPE_CHECKING:  # numpy loads with the first phrase rendered, not with a listing
    import numpy as np


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


class Engine(Protocol):
    """Renders one phrase at a time to mono 16-bit samples and says at what sample rate.

    Making an engine is cheap: nothing heavy (a speech model, a driver) is loaded until a phrase
    that is not in the cache must really be spoken, so a warm start costs no model load.

    An engine whose `render` may be called from several threads at once, each phrase taking one
    core, says so with a `parallel` attribute: the most phrases it is worth giving it at once
    (tts/workers.py). Without one, it is given one phrase at a time."""

    name: str

    def identity(self) -> str:
        """Everything that changes the sound: engine, its version, voice and rate (the cache key)."""

    def render(self, text: str) -> tuple[np.ndarray, int]:
        """The phrase as int16 mono samples, without leading or trailing silence, and their rate."""

    def seconds_per_word(self) -> float:
        """The pace its settings give by the voice's pace model (tts/pace.py) on words like the
        calibration text's."""

    def expected_seconds(self, text: str) -> float:
        """How long `text` will take, by the voice's pace model: to estimate unrendered phrases. Each
        phrase is said at its own setting, so that its words last `--rate` words a minute."""

    def voices(self) -> list[VoiceInfo]: ...


ENGINE_NAMES = ENGINES
ENGINE_ORDER = ("piper", "pyttsx3")  # the natural voices first: they are the ones worth choosing


def resolve_engine(name: str = "auto") -> str:
    """The engine `name` means: `auto` (what options.resolve leaves when neither an argument,
    GUIDED_ENGINE nor config.toml chose one) is Piper when it and a voice are installed, else the
    system voices (pyttsx3)."""
    if name != "auto":
        return name
    from .piper_engine import installed_voices, piper_available

    return "piper" if piper_available() and installed_voices() else "pyttsx3"


def make_engine(name: str = "auto", voice: str | None = None, rate_wpm: int = DEFAULT_RATE_WPM) -> Engine:
    """The engine called `name`, set to `voice` and `rate_wpm` words a minute."""
    name = resolve_engine(name)
    if name == "pyttsx3":
        from .pyttsx3_engine import Pyttsx3Engine

        return Pyttsx3Engine(voice=voice, rate_wpm=rate_wpm)
    if name == "piper":
        from .piper_engine import PiperEngine

        return PiperEngine(voice=voice, rate_wpm=rate_wpm)
    close = difflib.get_close_matches(name, ENGINE_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(ENGINE_NAMES)}"
    raise NotFoundError(f"unknown speech engine {name!r}{hint}")


def list_voices(engine: str = "all") -> list[VoiceInfo]:
    """The voices of one engine, or of every engine ("all"; an engine that cannot load is left out)."""
    found: list[VoiceInfo] = []
    if engine in ("all", "pyttsx3"):
        try:
            from .pyttsx3_engine import system_voices

            found += system_voices()[0]
        except GuidedError:
            if engine == "pyttsx3":
                raise
    if engine in ("all", "piper"):
        from .piper_engine import installed_voices, voice_info

        found += [voice_info(v) for v in installed_voices()]
    return found


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


def voice_problem(engine: str, voice: str) -> str | None:
    """Why `voice` names no voice of `engine` ("auto" resolved as rendering resolves it), or None when
    it names one: found as the engine finds it, without loading a speech model."""
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
    from .voices import matching, unknown_voice

    return None if matching(voice, known) is not None else str(unknown_voice(voice, known, name))


def default_voice(engine: str | None = None, voice: str | None = None) -> tuple[str, str] | None:
    """The (engine, voice id) that play and export use with these choices (by default the environment's
    and config.toml's); None when no engine can speak or the chosen voice names none."""
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
    from .voices import matching

    found = matching(voice, known)
    return (name, found.id) if found is not None else None


def listed(voices: Sequence[VoiceInfo], default: tuple[str, str] | None) -> list[ListedVoice]:
    """The voices in the order `guided voices` shows them: the default first, then Piper's, then
    the system's, each engine's in its own order."""
    rows = [ListedVoice(v.engine, v.id, v.name, tuple(v.languages), v.gender, (v.engine, v.id) == default)
            for v in voices]
    rank = {name: index for index, name in enumerate(ENGINE_ORDER)}
    return sorted(rows, key=lambda r: (not r.default, rank.get(r.engine, len(rank))))


def trim_silence(samples: np.ndarray, rate: int, threshold: float = 0.004, keep_ms: int = 15) -> np.ndarray:
    """Cut an engine's own leading and trailing silence, so that the script alone decides the pauses."""
    import numpy as np

    loud = np.flatnonzero(np.abs(samples.astype(np.float32)) > threshold * 32768)
    if loud.size == 0:
        return samples[:0]
    keep = rate * keep_ms // 1000
    return samples[max(0, loud[0] - keep) : loud[-1] + 1 + keep]


@contextlib.contextmanager
def quiet_stdout():
    """Keep a library's own printing (Python or C level) out of the user's terminal and stdout.

    Only in the main thread: stdout is the whole process's, so quieting it from a thread that
    renders in the background (a session that plays while its speech renders) would swallow
    whatever the other threads print meanwhile. There only the driver's own print is silenced
    (pyttsx3_engine); espeak-ng prints nothing on stdout while it renders."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real file descriptor (embedded use): Python-level redirect only
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(open(os.devnull, "w")):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
