"""Pace that means what it says: `--rate N` gives N words a minute of speech, for any engine and voice.

Pace is measured the way `guided show --json` reports it: words divided by the seconds of the
rendered phrases, pauses excluded. Engines have their own speed knobs, and their own sense of
them (espeak-ng at "120" speaks about 160 words a minute of such phrases; a Piper voice at length
scale 1 may speak 230). So each voice is measured once, on a fixed calibration text, at a few
settings of its knobs; a small model fitted to those measures gives the setting for any pace. The
fitted model is kept, keyed by the voice's identity, in the cache folder, so later runs do not
measure again.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import PaceNotMeasured
from ..files import write_atomic
from ..paths import paths
from .cache import MIN_SECONDS_PER_WORD

MEMO_NAME = "pace.json"
MODEL_VERSION = 5  # part of every memo key: a change in how pace is measured measures again

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
# Inside `only_remembered()`, a voice whose pace is not in the memo is not measured (listings).
_measuring_allowed = contextvars.ContextVar("guided_pace_measuring", default=True)


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


def remembered(key: str, measure: Callable[[], PaceModel]) -> PaceModel:
    """The voice's model from the memo, or measured now and remembered (shared safely between processes)."""
    memo = paths().cache / MEMO_NAME
    full_key = f"v{MODEL_VERSION} {key}"
    with _lock:
        known = _read(memo)
        found = known.get(full_key)
        if isinstance(found, list) and found and all(isinstance(c, (int, float)) for c in found):
            return PaceModel(tuple(float(c) for c in found))
        if not _measuring_allowed.get():
            raise PaceNotMeasured(f"the pace of {key} has not been measured yet")
        model = measure()
        known = _read(memo)  # another process may have added voices meanwhile
        known[full_key] = list(model.coefficients)
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(memo, json.dumps(known, indent=1, sort_keys=True).encode())
        except OSError:
            pass  # only a memo: the next run measures again
        return model


@contextlib.contextmanager
def only_remembered():
    """Within this block a voice's pace comes from the memo or not at all (`PaceNotMeasured`):
    measuring renders speech for seconds, which a listing of lengths must never do."""
    token = _measuring_allowed.set(False)
    try:
        yield
    finally:
        _measuring_allowed.reset(token)


def _read(memo) -> dict:
    try:
        found = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
