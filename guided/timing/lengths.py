"""How long a session will last with the current engine, voice and rate, without rendering any
speech: the one estimator of lengths, for `guided list` and `guided.library().sessions()`, a
batch's progress, the server's pages, and a session that starts playing while it still renders.

A phrase already rendered with this engine, voice and rate is in the clip cache: its real length
is read from the clip's header line (no synthesis, no samples read). A phrase not yet rendered is
estimated by the engine from the voice's pace model at the phrase's own setting (tts/pace.py),
shaped by the phrase's letters, commas and sentence ends, where voices linger. Either way the
phrases go through `timeline.assemble`, the same placement that rendering uses, so pauses, bells, `{minutes}` and fitting count the same, and
a session whose phrases are all cached is listed at exactly the length `show` and `play` give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import FitError, GuidedError
from ..options import DEFAULT_RATE_WPM, SessionOptions, resolve
from ..paths import paths
from ..scripts.language import Script
from ..scripts.pronunciation import spoken_form
from ..tts.cache import ClipCache
from ..tts.pace import CALIBRATION_LETTERS_PER_WORD, letters
from .timeline import EstimatedClip, Timeline, assemble, spoken_texts

# When enough of the voice's phrases are cached, how they compare with their own estimates
# corrects the estimates of the others (a voice's pace on the library differs from the calibration's).
MIN_CACHED_WORDS = 40
CORRECTION_LIMITS = (0.67, 1.5)


@dataclass(frozen=True)
class CachedLength:
    """A phrase that is in the clip cache: its real length, read from the clip's header."""

    frames: int


@dataclass(frozen=True)
class SessionLength:
    """A session's timeline as rendering would place it; `estimated` phrases are not rendered yet."""

    timeline: Timeline
    phrases: int
    estimated_phrases: int

    @property
    def seconds(self) -> float:
        return self.timeline.seconds

    @property
    def estimated(self) -> bool:
        return self.estimated_phrases > 0


class Lengths:
    """Session lengths for one set of options: the engine is made (never run) to learn the cache
    key of its phrases and its pace; a voice whose pace is not measured yet is estimated at the
    rate asked for, and nothing is looked up. `bell_length(name, rate)` says how long a bell rings
    (the audio room knows: timing places bells, it does not make them)."""

    def __init__(self, options: SessionOptions | None, bell_length: Callable[[str | None, int], int]) -> None:
        self.options = options or resolve()
        self.rate = self.options.sample_rate
        self.cache = ClipCache(paths().clips)
        self._bell_length = bell_length
        self.engine_name, self.identity, self._seconds = self._voice()
        self.correction = 1.0
        self._found: dict[str, int | None] = {}
        self._bells: dict[str | None, int] = {}

    def _voice(self) -> tuple[str, str | None, Callable[[str], float]]:
        from ..tts import make_engine, resolve_engine

        nominal = 60.0 / (self.options.rate_wpm or DEFAULT_RATE_WPM) / CALIBRATION_LETTERS_PER_WORD
        try:  # a voice's pace is never measured here: a listing uses what is known or estimated
            engine = make_engine(self.options.engine, self.options.voice, self.options.rate_wpm)
            return engine.name, engine.identity(), engine.expected_seconds
        except GuidedError:  # no engine, an unknown voice: nothing can be cached
            try:
                name = resolve_engine(self.options.engine)
            except GuidedError:
                name = self.options.engine
            return name, None, lambda spoken: letters(spoken) * nominal

    def cached(self, spoken: str) -> int | None:
        """The frames of this phrase (as the engine is given it) when it is cached, else None."""
        if spoken not in self._found:
            self._found[spoken] = None if self.identity is None else \
                self.cache.frames(self.cache.key(self.identity, spoken), self.rate)
        return self._found[spoken]

    def guess(self, spoken: str) -> int:
        """The frames this phrase will take, by the voice's pace (corrected by what is cached)."""
        return max(1, round(self._seconds(spoken) * self.rate * self.correction))

    def calibrate(self, scripts: Iterable[Script]) -> None:
        """Compare the cached phrases of these scripts with their own estimates, and correct the
        estimates of the uncached ones by that much (when enough are cached to say)."""
        self.correction = 1.0
        real = guessed = words = 0
        for script in scripts:
            for text in spoken_texts(script):
                spoken = spoken_form(text, script.pronounce, self.engine_name)
                frames = self.cached(spoken)
                if frames is not None:
                    real += frames
                    guessed += self.guess(spoken)
                    words += len(spoken.split())
        if words >= MIN_CACHED_WORDS and guessed:
            low, high = CORRECTION_LIMITS
            self.correction = min(max(real / guessed, low), high)

    def bell_frames(self, name: str | None) -> int:
        if name not in self._bells:
            self._bells[name] = self._bell_length(name, self.rate)
        return self._bells[name]

    def estimate(self, script: Script):
        """A phrase of `script` as the timeline takes it: cached at its real length, else estimated."""

        def speak(text: str):
            spoken = spoken_form(text, script.pronounce, self.engine_name)
            frames = self.cached(spoken)
            return CachedLength(frames) if frames is not None else EstimatedClip(self.guess(spoken))

        return speak

    def of(self, script: Script) -> SessionLength:
        """The session's timeline with cached phrases at their real length and the rest estimated;
        fitted to the options' minutes when given (unfitted when it cannot be: playing will say why)."""
        speak = self.estimate(script)
        minutes = self.options.minutes
        try:
            timeline = assemble(script, speak, self.bell_frames, rate=self.rate,
                                seconds=minutes * 60 if minutes is not None else None, estimate=speak)
        except FitError:
            timeline = assemble(script, speak, self.bell_frames, rate=self.rate, estimate=speak)
        clips = {e.text: e.clip for e in timeline.speech}
        estimated = sum(isinstance(c, EstimatedClip) for c in clips.values())
        return SessionLength(timeline, len(clips), estimated)


def estimate_lengths(scripts: list[Script], bell_length: Callable[[str | None, int], int],
                    options: SessionOptions | None = None) -> list[SessionLength]:
    """The length of each script, as `Lengths.of` gives it, with the estimates calibrated on all of them."""
    lengths = Lengths(options, bell_length)
    lengths.calibrate(scripts)
    return [lengths.of(script) for script in scripts]
