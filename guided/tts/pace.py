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

import itertools
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..files import read_state_json, write_atomic
from ..paths import paths
from .cache import MIN_SECONDS_PER_WORD

MEMO_NAME = "pace.json"
MODEL_VERSION = 6  # part of every memo key: a change in how pace is measured measures again
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

# A phrase's length in the voice's time is near its letters, + these for each word and each syllable
# (a short word, a long vowel, take longer than their letters), each mark a voice pauses at, and
# the phrase itself. Least squares over every spoken line of the library, relative errors, with
# espeak-ng and with Piper: the mean of their weights (4 to 5 % a phrase, against 13 % for counting
# words alone).
WORD_LETTERS = 0.65
SYLLABLE_LETTERS = 1.3
PAUSE_LETTERS = {"clause": 8.8, "sentence": 16.5}
PHRASE_LETTERS = 3.9
# How far a phrase's setting may move from the session's to keep its words a minute: a phrase of
# very long or very short words is not sped up or slowed down past these.
TEXT_FACTOR_LIMITS = (0.7, 1.45)
SETTING_RULE = 2  # how a phrase's setting is worked out from these: part of every clip's cache key


def words_in(texts: Sequence[str]) -> int:
    return sum(len(t.split()) for t in texts)


def syllables(word: str) -> int:
    """A word's syllables, near enough: its groups of vowels, a silent final e left out."""
    plain = re.sub(r"[^a-z]", "", word.lower())
    if not plain:
        return 0
    count = len(re.findall(r"[aeiouy]+", plain))
    if plain.endswith("e") and not plain.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(1, count)


def letters(text: str) -> float:
    """A phrase's length in letter-times: its letters, words and syllables, and a pause at each
    comma and sentence end."""
    words = text.split()
    clauses = len(re.findall(r"[,;:\u2014]", text))
    sentences = max(0, len(re.findall(r"[.!?]+(?:\s|$)", text)) - 1)  # the last one ends the clip
    return (len(re.findall(r"\w", text)) + WORD_LETTERS * len(words) + SYLLABLE_LETTERS * sum(map(syllables, words))
            + PAUSE_LETTERS["clause"] * clauses + PAUSE_LETTERS["sentence"] * sentences + PHRASE_LETTERS)


# The calibration text's letter-times are said quicker than the library's, a phrase for a phrase:
# over every spoken line of the library a letter-time lasts this much longer than on the
# calibration text at the same setting (Piper 2.6 %; espeak-ng 1.8 % in a session, 2.2 % against
# its own command, which its pace is measured with). Counted here, so that a pace measured on twenty
# lines holds for what a listener hears.
CALIBRATION_QUICKER = 1.024
CALIBRATION_LETTERS_PER_WORD = (sum(letters(t) for t in CALIBRATION_TEXT) / words_in(CALIBRATION_TEXT)
                                / CALIBRATION_QUICKER)


def text_factor(text: str) -> float:
    """How much longer than the calibration text's words this phrase's words take to say (their
    letter-times: letters, words, syllables and pauses, a word): 1 for words like the library's.

    A voice speaks letters at a steady speed, so a phrase of long words ("photosynthesis turns
    light into sugar") takes a quarter longer a word than one of short words. A phrase is spoken at
    `--rate` times this factor, as the voice's model gives it, so that every phrase, whatever its
    words, lasts its words at `--rate` words a minute."""
    words = len(text.split())
    if words == 0:
        return 1.0
    low, high = TEXT_FACTOR_LIMITS
    return min(max(letters(text) / (words * CALIBRATION_LETTERS_PER_WORD), low), high)


def seconds_per_word(render: Callable[[str], tuple[object, int]], texts: Sequence[str] = CALIBRATION_TEXT,
                     workers: int = 1) -> float:
    """Seconds of rendered speech per word over `texts`, each phrase rendered on its own (`workers`
    at a time, for an engine that renders side by side)."""
    from .workers import render_all

    def seconds(text: str) -> float:
        for _attempt in range(3):  # an engine may drop a phrase now and then (see tts/cache.py)
            samples, rate = render(text)
            if len(samples) >= MIN_SECONDS_PER_WORD * len(text.split()) * rate:
                break
        return len(samples) / rate

    found = render_all(seconds, texts, workers)
    return sum(found[text] for text in texts) / words_in(texts)


Knots = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class PaceModel:
    """Seconds per word as a linear function of the engine's knob features, spw = coefficients ·
    features, times the measured corrections where the voice departs from the line: for each named
    setting (espeak-ng's "rate" and "gap"), knots of (setting, measured / linear), interpolated
    between them and held flat beyond. espeak-ng's sense of its rate is uneven at its slow end, where
    meditations are spoken: the line alone is 3 to 5 % off there."""

    coefficients: tuple[float, ...]
    corrections: tuple[tuple[str, Knots], ...] = ()

    def seconds_per_word(self, features: Sequence[float], settings: dict[str, float] | None = None) -> float:
        return float(sum(c * f for c, f in zip(self.coefficients, features, strict=True))) * self.correction(settings)

    def correction(self, settings: dict[str, float] | None) -> float:
        """The measured correction at these settings (1 where there is none)."""
        factor = 1.0
        for name, knots in self.corrections:
            if settings is not None and name in settings:
                factor *= _interpolate(knots, settings[name])
        return factor

    def scaled(self, factor: float) -> PaceModel:
        return PaceModel(tuple(c * factor for c in self.coefficients), self.corrections)


def _interpolate(knots: Knots, x: float) -> float:
    if not knots:
        return 1.0
    if x <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(knots):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return knots[-1][1]


def fit(samples: Sequence[tuple[Sequence[float], float]]) -> PaceModel:
    """Least squares over (features, seconds per word) measures."""
    import numpy as np

    features = np.array([f for f, _ in samples], dtype=float)
    measured = np.array([s for _, s in samples], dtype=float)
    coefficients, *_ = np.linalg.lstsq(features, measured, rcond=None)
    return PaceModel(tuple(float(c) for c in coefficients))


def corrected(model: PaceModel, name: str, measures: Sequence[tuple[float, float, float]]) -> PaceModel:
    """`model` with a correction along the setting `name`, from (setting, measured, what the model
    said) at each setting measured."""
    knots = tuple(sorted((float(x), measured / said) for x, measured, said in measures if said > 0))
    return PaceModel(model.coefficients, (*model.corrections, (name, knots)))


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
    """Corrects an estimated pace from the phrases a voice renders: every REFINE_EVERY_WORDS words,
    the model is scaled by how much longer or shorter the phrases were than it said they would be
    (each at its own setting), averaged by words with what the memo already holds, and kept there."""

    def __init__(self, key: str, pace: Pace) -> None:
        self.key, self.pace = key, pace
        self._words = 0
        self._seconds = 0.0
        self._said = 0.0
        self._lock = threading.Lock()

    def observe(self, text: str, seconds: float, said: float) -> None:
        """The phrase `text` took `seconds`; the model said it would take `said`."""
        words = len(text.split())
        if words == 0 or said <= 0 or seconds < MIN_SECONDS_PER_WORD * words:
            return  # a phrase the engine dropped says nothing about its pace
        with self._lock:
            self._words += words
            self._seconds += seconds
            self._said += said
            if self._words < REFINE_EVERY_WORDS:
                return
            words, seconds, said = self._words, self._seconds, self._said
            self._words, self._seconds, self._said = 0, 0.0, 0.0
        better = self.pace.model.scaled(seconds / said)
        full_key = f"v{MODEL_VERSION} {self.key}"
        with _lock:
            before = _entry(_read_memo().get(full_key))
        if before is not None and before.source != "refined":
            return  # measured meanwhile (guided voices --measure): better than any estimate
        if before is not None and before.words:
            w = before.words
            better = PaceModel(tuple((w * b + words * c) / (w + words) for b, c in
                                     zip(before.model.coefficients, better.coefficients, strict=True)),
                               better.corrections)
            words += w
        _remember(self.key, Pace(better, "refined", words))


def phrase_seconds(model: PaceModel, features: Sequence[float], text: str,
                   settings: dict[str, float] | None = None, per_word: Sequence[int] = (),
                   letter_times: float | None = None) -> float:
    """How long `text` takes at the setting `features`, by the voice's model: its seconds a word on
    the calibration text, times the phrase's letter-times in calibration words; except the terms of
    the features numbered in `per_word` (espeak-ng's gap between words), which come once a word."""
    by_letters = sum(c * f for i, (c, f) in enumerate(zip(model.coefficients, features, strict=True))
                     if i not in per_word)
    by_words = sum(model.coefficients[i] * features[i] for i in per_word)
    if letter_times is None:
        letter_times = letters(text)  # given by a caller that tries many settings for one phrase
    return model.correction(settings) * (by_letters * letter_times / CALIBRATION_LETTERS_PER_WORD
                                         + by_words * len(text.split()))


def tag(model: PaceModel) -> str:
    """A short name for a model and the rule that sets each phrase's setting, for cache keys: a
    phrase's setting follows from them, the pace asked for and the phrase, so a key holding all is
    exact."""
    import hashlib

    # The rule that turns a phrase into its setting is part of it: change a weight, and no clip
    # rendered under the old rule is served.
    rule = (MODEL_VERSION, SETTING_RULE, WORD_LETTERS, SYLLABLE_LETTERS, tuple(sorted(PAUSE_LETTERS.items())), PHRASE_LETTERS,
            CALIBRATION_QUICKER, TEXT_FACTOR_LIMITS)
    shape = (tuple(round(c, 9) for c in model.coefficients),
             tuple((name, tuple((round(x, 6), round(y, 6)) for x, y in knots)) for name, knots in model.corrections),
             rule)
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:10]


def _entry(found) -> Pace | None:
    """A memo's entry: a model with its source (and words, for a refined one), and its corrections;
    a bare list of coefficients is a measured model."""
    if isinstance(found, dict):
        source, words, found_model = found.get("source"), found.get("words", 0), found.get("model")
        if source in ("measured", "refined") and isinstance(words, int) and _coefficients(found_model):
            corrections = _corrections(found.get("corrections"))
            if corrections is None:
                return None
            return Pace(PaceModel(tuple(float(c) for c in found_model), corrections), source, words)
        return None
    if _coefficients(found):
        return Pace(PaceModel(tuple(float(c) for c in found)), "measured")
    return None


def _corrections(found) -> tuple[tuple[str, Knots], ...] | None:
    """{"rate": [[80, 0.98], ...], ...} as the model holds them; None when damaged."""
    if found is None:
        return ()
    if not isinstance(found, dict):
        return None
    made = []
    for name, knots in sorted(found.items()):
        if not (isinstance(knots, list) and all(isinstance(k, list) and len(k) == 2 and
                                                 all(isinstance(v, (int, float)) for v in k) for k in knots)):
            return None
        made.append((str(name), tuple((float(x), float(y)) for x, y in sorted(knots))))
    return tuple(made)


def _coefficients(found) -> bool:
    return isinstance(found, list) and bool(found) and all(isinstance(c, (int, float)) for c in found)


def _remember(key: str, pace: Pace) -> None:
    """Keep a voice's model in the memo (shared safely between processes); only a memo: a failure to
    write it costs an estimate next time."""
    memo = paths().cache / MEMO_NAME
    value = {"model": list(pace.model.coefficients), "source": pace.source, "words": pace.words}
    if pace.model.corrections:
        value["corrections"] = {name: [list(k) for k in knots] for name, knots in pace.model.corrections}
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
