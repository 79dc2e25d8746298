"""Pace that means what it says: `--rate N` gives N words a minute of speech, for any engine and voice.

Pace is measured the way `guided show --json` reports it: words divided by the seconds of the
rendered phrases, pauses excluded. Engines have their own speed knobs, and their own sense of
them (espeak-ng at "120" speaks about 160 words a minute of such phrases; a Piper voice at length
scale 1 may speak 230). A small model, fitted to a voice's measures at a few settings of its knobs,
gives the setting for any pace.

Nothing is measured before a session's first sound. A voice's model is known, in this order: from
the memo in the cache folder (measured here by `guided voices --measure`, or refined here); from
the models shipped with guided for the voices that packages ship (measured ahead, keyed by the exact
engine version and voice); or, for any other voice, from a general estimate for its engine, which
the phrases the voice then renders correct (`Refinement`) and which the memo keeps for later
sessions. A session keeps the model it started with, and every clip's cache key holds the settings
it was rendered at, so a clip rendered before a refinement is never served at the wrong pace.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..files import read_state_json, write_atomic
from ..paths import paths
from .cache import MIN_SECONDS_PER_WORD

MEMO_NAME = "pace.json"
MODEL_VERSION = 5  # part of every memo key: a change in how pace is measured measures again
# Models measured ahead for the voices that packages ship (`make paces` writes it), in the memo's form.
SHIPPED = Path(__file__).with_name("paces.json")
# An estimate is corrected after this many words of rendered phrases, and again after as many more,
# until it rests on SETTLED_WORDS (about four minutes of speech, twice the calibration text's words).
REFINE_EVERY_WORDS = 100
SETTLED_WORDS = 500

# Lines sampled from the built-in library (every 41st spoken line), which is what a listener hears:
# their words, syllables, commas and sentences a line are what a voice's pace depends on.
CALIBRATION_TEXT = (
    "Let your attention move slowly through your body, like a soft light.",
    "Notice where you feel it. Your chest, your belly, your throat.",
    "You can always come back another day.",
    "The fourth practice is gradual exposure. It simply means small steps.",
    "Those are the five practices.",
    "The place where you are sitting.",
    "In this moment, I can breathe.",
    "If you like, rest one hand there. Or both hands, one over the other.",
    "You can take one step a day, or leave more time between them. Your pace is the right pace.",
    "If your pain could speak to you kindly, what would it want you to know?",
    "You don't need to go down there. Just notice it from where you are.",
    "Or it might mean telling the other person, honestly, that you feel uneasy, and why.",
    "You did the best you could. You are learning more now.",
    "A boundary is different.",
    "You can open it slowly, for the people who show you, over time, that they can be trusted.",
    "Which small risk feels possible for you this week, and with whom?",
    "Whatever you notice is alright. There is nothing you are supposed to feel.",
    "Perhaps a child. Perhaps a teenager. Whatever age comes to you.",
    "It grows back in small moments, one at a time.",
    "If this practice stirred up more than you can hold, reach out to someone you trust, or to a professional.",
)

_lock = threading.Lock()


def words_in(texts: Sequence[str]) -> int:
    return sum(len(t.split()) for t in texts)


def seconds_per_word(render: Callable[[str], tuple[object, int]], texts: Sequence[str] = CALIBRATION_TEXT) -> float:
    """Seconds of rendered speech per word over `texts`, each phrase rendered on its own."""
    seconds = 0.0
    for text in texts:
        for _attempt in range(3):  # an engine may drop a phrase now and then (see tts/cache.py)
            samples, rate = render(text)
            if len(samples) >= MIN_SECONDS_PER_WORD * len(text.split()) * rate:
                break
        seconds += len(samples) / rate
    return seconds / words_in(texts)


@dataclass(frozen=True)
class PaceModel:
    """Seconds per word as a linear function of the engine's knob features: spw = coefficients · features."""

    coefficients: tuple[float, ...]

    def seconds_per_word(self, features: Sequence[float]) -> float:
        return float(sum(c * f for c, f in zip(self.coefficients, features, strict=True)))


def fit(samples: Sequence[tuple[Sequence[float], float]]) -> PaceModel:
    """Least squares over (features, seconds per word) measures."""
    import numpy as np

    features = np.array([f for f, _ in samples], dtype=float)
    measured = np.array([s for _, s in samples], dtype=float)
    coefficients, *_ = np.linalg.lstsq(features, measured, rcond=None)
    return PaceModel(tuple(float(c) for c in coefficients))


@dataclass(frozen=True)
class Pace:
    """A voice's pace model and how it came to be known: "measured" here, "shipped" with guided,
    "refined" (an estimate corrected by `words` words of phrases the voice rendered here) or
    "estimated" (the general estimate for voices of its engine)."""

    model: PaceModel
    source: str
    words: int = 0

    @property
    def settled(self) -> bool:
        """Known well enough that rendered phrases no longer correct it."""
        return self.source in ("measured", "shipped") or self.words >= SETTLED_WORDS


def known(key: str, general: PaceModel) -> Pace:
    """The voice's pace as far as it is known, without measuring anything: the memo, the shipped
    models, else `general`."""
    full_key = f"v{MODEL_VERSION} {key}"
    with _lock:
        found = _entry(_read_memo().get(full_key))
    if found is None:
        found = _entry(_read(SHIPPED).get(full_key))
        found = found and replace(found, source="shipped")
    return found or Pace(general, "estimated")


def remember_measured(key: str, measure: Callable[[], PaceModel]) -> PaceModel:
    """Measure the voice now (seconds of rendering, a minute or more for a natural voice) and keep
    its model: what `guided voices --measure` does, and what the shipped models were made with."""
    model = measure()
    _remember(key, Pace(model, "measured"))
    return model


class Refinement:
    """Corrects an estimated pace from the phrases a voice renders at one setting (`features`):
    every REFINE_EVERY_WORDS words, the model is scaled by how much longer or shorter the phrases
    were than it said, averaged by words with what the memo already holds, and kept there."""

    def __init__(self, key: str, pace: Pace, features: Sequence[float]) -> None:
        self.key, self.pace, self.features = key, pace, tuple(features)
        self._words = 0
        self._seconds = 0.0
        self._lock = threading.Lock()

    def observe(self, text: str, seconds: float) -> None:
        words = len(text.split())
        if words == 0 or seconds < MIN_SECONDS_PER_WORD * words:
            return  # a phrase the engine dropped says nothing about its pace
        with self._lock:
            self._words += words
            self._seconds += seconds
            if self._words < REFINE_EVERY_WORDS:
                return
            words, seconds, self._words, self._seconds = self._words, self._seconds, 0, 0.0
        said = self.pace.model.seconds_per_word(self.features) * words
        if said <= 0:
            return
        corrected = PaceModel(tuple(c * seconds / said for c in self.pace.model.coefficients))
        full_key = f"v{MODEL_VERSION} {self.key}"
        with _lock:
            before = _entry(_read_memo().get(full_key))
        if before is not None and before.source != "refined":
            return  # measured meanwhile (guided voices --measure): better than any estimate
        if before is not None and before.words:
            w = before.words
            corrected = PaceModel(tuple((w * b + words * c) / (w + words) for b, c in
                                        zip(before.model.coefficients, corrected.coefficients, strict=True)))
            words += w
        _remember(self.key, Pace(corrected, "refined", words))


def _entry(found) -> Pace | None:
    """A memo's entry: a measured model's coefficients, or a model with its source and words."""
    if isinstance(found, dict):
        source, words, found_model = found.get("source"), found.get("words", 0), found.get("model")
        if source in ("measured", "refined") and isinstance(words, int) and _coefficients(found_model):
            return Pace(PaceModel(tuple(float(c) for c in found_model)), source, words)
        return None
    if _coefficients(found):
        return Pace(PaceModel(tuple(float(c) for c in found)), "measured")
    return None


def _coefficients(found) -> bool:
    return isinstance(found, list) and bool(found) and all(isinstance(c, (int, float)) for c in found)


def _remember(key: str, pace: Pace) -> None:
    """Keep a voice's model in the memo (shared safely between processes); only a memo: a failure to
    write it costs an estimate next time."""
    memo = paths().cache / MEMO_NAME
    value = list(pace.model.coefficients) if pace.source == "measured" else \
        {"model": list(pace.model.coefficients), "source": pace.source, "words": pace.words}
    with _lock:
        known_now = _read_memo()  # another process may have added voices meanwhile
        known_now[f"v{MODEL_VERSION} {key}"] = value
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(memo, json.dumps(known_now, indent=1, sort_keys=True).encode())
        except OSError:
            pass


def _read_memo() -> dict:
    """The pace measured here (the user's cache); a memo found damaged is set aside and begun again."""
    return read_state_json(paths().cache / MEMO_NAME, "the pace measurements") or {}


def _read(memo) -> dict:
    try:
        found = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
