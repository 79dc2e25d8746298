"""Spoken commands in a recorded sitting: a few short phrases that steer the sitting without a key
(stop, skip, hear the question again, more time, pause and go on), recognised offline.

A command is heard only as a whole utterance: the first thing said after a question, short, and
followed by a moment's quiet, written down by the Whisper model the transcripts use, and then
nothing but one of the phrases below (a filler before it, "please" after it, are allowed). An
answer that holds "stop", "next" or "wait" among other words is an answer.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

STOP, SKIP, REPEAT, MORE_TIME, PAUSE, GO_ON = "stop", "skip", "repeat", "more time", "pause", "go on"

# What a person may say for each command (compared after lower-casing and dropping punctuation).
PHRASES: dict[str, tuple[str, ...]] = {
    STOP: ("stop", "stop please", "that's all for today", "that is all for today", "that's all", "that's enough",
           "that's enough for today", "end the session", "end the sitting", "let's stop", "let's stop here",
           "we can stop", "we can stop here", "i want to stop", "i'd like to stop", "finish", "let's finish",
           "that's it for today"),
    SKIP: ("skip", "skip it", "skip this one", "skip this question", "skip that", "next", "next one",
           "next question", "next question please", "pass", "i pass", "i'll pass", "move on", "let's move on",
           "go to the next one", "go to the next question"),
    REPEAT: ("repeat", "repeat that", "repeat the question", "repeat it", "say that again", "say it again",
             "could you repeat that", "can you repeat that", "could you say that again", "can you say that again",
             "once more", "again", "what was the question", "pardon", "sorry what was that"),
    MORE_TIME: ("more time", "i need more time", "i need a moment", "give me a moment", "give me a minute",
                "one moment", "just a moment", "a moment", "wait", "wait a moment", "wait a minute", "hold on",
                "let me think", "i need to think"),
    PAUSE: ("pause", "pause it", "pause please", "let's pause", "pause the session", "pause for a moment",
            "take a break", "let's take a break"),
    GO_ON: ("go on", "continue", "carry on", "resume", "let's go on", "let's continue", "i'm ready", "i am ready",
            "ready", "we can go on", "okay go on", "keep going"),
}
LEADING = ("okay", "ok", "um", "uh", "er", "erm", "hmm", "mm", "so", "well", "oh", "please", "alright", "all right")
TRAILING = ("please", "thanks", "thank you", "now")
BY_PHRASE = {phrase: command for command, phrases in PHRASES.items() for phrase in phrases}
# The words a command is made of: Whisper is prompted with them, so a short command is written as said.
PROMPT = "Stop. Skip. Next question. Repeat the question. More time. Wait. Pause. Go on."


def words_of(text: str) -> str:
    """`text` lower-cased, with curly quotes straightened and punctuation but apostrophes dropped."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.findall(r"[a-z0-9']+", text))


def command_in(text: str) -> str | None:
    """The command this whole utterance is, or None (an answer, or nothing said)."""
    said = words_of(text)
    changed = True
    while changed and said:
        changed = False
        for lead in LEADING:
            if said == lead or said.startswith(lead + " "):
                said, changed = said[len(lead):].strip(), True
        for tail in TRAILING:
            if said.endswith(" " + tail):
                said, changed = said[: -len(tail)].strip(), True
    return BY_PHRASE.get(said)


def only_fillers(text: str) -> bool:
    """Whether an utterance said nothing but a filler ("hmm", a cough written down as "uh")."""
    return all(word in LEADING for word in words_of(text).split())


@dataclass(frozen=True)
class Heard:
    """What a short utterance was: its words, the command they are (or None), and the CPU time the
    recogniser took."""

    text: str
    command: str | None
    cpu_seconds: float


class Recogniser:
    """Short utterances written down by a Whisper model (loaded once, shared with the transcripts) and
    matched against the commands."""

    def __init__(self, model, threads: int | None = None) -> None:
        self.model = model
        self.threads = threads

    def __call__(self, samples: np.ndarray, rate: int) -> Heard:
        from .transcription import WHISPER_RATE, load

        whisper = load(self.model, self.threads)
        audio = _at_16k(np.asarray(samples, dtype=np.float32) / 32768.0, rate, WHISPER_RATE)
        started = time.process_time()
        segments, _info = whisper.transcribe(audio, language="en", beam_size=1, without_timestamps=True,
                                             condition_on_previous_text=False, vad_filter=False,
                                             initial_prompt=PROMPT)
        text = " ".join(s.text.strip() for s in segments).strip()
        return Heard(text, command_in(text), time.process_time() - started)


def _at_16k(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return audio
    from ..dsp.samples import resample

    return np.ascontiguousarray(resample(audio, rate, target), dtype=np.float32)


Hear = Callable[[np.ndarray, int], Heard]


def recogniser_for_sitting(model: str | None, worker=None) -> tuple[Recogniser | None, str | None]:
    """What hears spoken commands in a recorded sitting: the transcripts' model (shared with their
    `worker`, loaded once), or None and the one line that says how to have spoken commands."""
    from ..errors import GuidedError
    from .transcription import INSTALL_HINT, engine_available
    from .whisper_models import find_model

    if worker is not None:
        return Recogniser(worker.model, worker.threads), None
    if not engine_available():
        return None, f"spoken commands need transcription: {INSTALL_HINT}"
    try:
        return Recogniser(find_model(model), max(1, (os.cpu_count() or 2) - 1)), None
    except GuidedError as exc:
        return None, f"spoken commands are off: {exc}"
