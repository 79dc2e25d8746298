"""Spoken commands in a recorded sitting: a few short phrases that steer the sitting without a key
(stop, skip, hear the question again, more time, pause and go on), recognised offline.

A command is heard only as a whole utterance: the first thing said after a question, short, and
followed by a moment's quiet, written down by the Whisper model the transcripts use, and then
nothing but one of the phrases below (a filler before it, "please" after it, are allowed). An
answer that holds "stop", "next" or "wait" among other words is an answer.
"""

from __future__ import annotations

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
           "let's skip", "let's skip it", "let's skip this one",
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
# The words a command is made of, given to Whisper as the text said before: a short command is then
# written as said ("Pass." rather than "Pause.", "Say that again." rather than a guess).
PROMPT = ("Stop. That's all for today. End the session. Skip. Next question. Pass. Repeat the question. "
          "Say that again. More time. Wait. Give me a moment. Pause. Go on. Continue.")
# A command is heard from at most COMMAND_LONGEST seconds of speech (microphone.py); Whisper is shown
# ten seconds of sound rather than its usual thirty, which more than halves its work with no loss of
# accuracy on short phrases (shorter windows make it repeat itself or mishear one-word commands).
WINDOW_FRAMES = 1000
# The most words a command's transcript may run to; a transcript that reaches it is an answer.
MOST_TOKENS = 32
# Readings of an utterance weighed (a beam search keeping this many), and how much less likely
# (mean log-probability per token) a reading that is a command may be than the best one.
READINGS = 5
CLOSE_SCORE = 1.0


def words_of(text: str) -> str:
    """`text` lower-cased, with curly quotes straightened and punctuation but apostrophes dropped."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.findall(r"[a-z0-9']+", text))


def command_in(text: str) -> str | None:
    """The command this whole utterance is, or None (an answer, or nothing said). Sentences that all
    say the one command ("Skip. Next.") are that command."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if not only_fillers(s)]
    if len(sentences) > 1:
        each = {_command_in_words(words_of(s)) for s in sentences}
        return each.pop() if len(each) == 1 else None
    return _command_in_words(words_of(text))


def _command_in_words(said: str) -> str | None:
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
    """Short utterances written down by the sitting's Whisper model (a whisper_engine.SharedModel,
    loaded once and shared with the transcripts) and matched against the commands."""

    def __init__(self, model) -> None:
        self.model = model

    def __call__(self, samples: np.ndarray, rate: int) -> Heard:
        from .transcription import WHISPER_RATE
        from .whisper_engine import give_back_memory

        whisper = self.model.get()
        audio = _at_16k(np.asarray(samples, dtype=np.float32) / 32768.0, rate, WHISPER_RATE)
        started = time.process_time()
        text, command = decide(_readings(whisper, audio),
                               lambda: _readings(whisper, audio, prompted=False, readings=1)[0][0])
        took = time.process_time() - started
        give_back_memory()  # about 10 ms, well inside the pause the sitting waits for anyway
        return Heard(text, command, took)


def _readings(whisper, audio: np.ndarray, *, prompted: bool = True, readings: int = READINGS) -> list[tuple[str, float]]:
    """The likeliest ways of writing down a short utterance, best first, each with its score (mean
    log-probability per token): the loaded faster-whisper model's CTranslate2 model called directly,
    with a short window and (`prompted`) the commands as the text said before, no timestamps."""
    from ..paths import libraries_kept_home

    with libraries_kept_home():
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer

    # Quiet around the words, as Whisper heard in training: without it a one-word command is
    # misheard far more often ("Pass." as "Pause.") or written over and over.
    rate = whisper.feature_extractor.sampling_rate
    audio = np.concatenate([np.zeros(rate // 4, np.float32), audio, np.zeros(rate // 2, np.float32)])
    features = whisper.feature_extractor(audio)[:, :WINDOW_FRAMES]
    features = np.pad(features, ((0, 0), (0, WINDOW_FRAMES - features.shape[1])))
    tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe", language="en")
    before = [tokenizer.sot_prev, *tokenizer.encode(" " + PROMPT)] if prompted else []
    prompt = [*before, *tokenizer.sot_sequence, tokenizer.no_timestamps]
    window = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
    (result,) = whisper.model.generate(window, [prompt], beam_size=readings, num_hypotheses=readings,
                                       return_scores=True, max_length=len(prompt) + MOST_TOKENS)
    found = []
    for sequence, score in zip(result.sequences_ids, result.scores, strict=True):
        tokens = [t for t in sequence if t < tokenizer.eot]
        text = tokenizer.decode(tokens).strip()
        once = said_once(text)
        if once == text and len(tokens) >= MOST_TOKENS - 1:  # cut off before its end: too long to be a command
            once = text + " ..."
        found.append((once, score))
    return found


def decide(readings: list[tuple[str, float]], plain: Callable[[], str]) -> tuple[str, str | None]:
    """What was said and the command it is, from the readings of an utterance (best first, with the
    commands as the text said before) and, when they find a command, its `plain` reading (without).

    The best reading decides, unless it is no command and a reading nearly as likely, with no fewer
    words, is one: the smallest model hears "Pause." as "Force." or "Skip." as "Step." with the
    command a close second, while an answer's readings all run to its length. The commands said
    before make a command easy to hear and the words around it easy to miss ("Skip school." read
    as "Skip."): when the plain reading holds the command's words with more beside them, it is an
    answer."""
    best, best_score = readings[0]
    text, command = best, command_in(best)
    if command is None and not only_fillers(best):
        words = len(words_of(best).split())
        for other, score in readings[1:]:
            if best_score - score <= CLOSE_SCORE and len(words_of(other).split()) >= words and command_in(other):
                text, command = other, command_in(other)
                break
    if command is not None:
        unprompted = plain()
        if command_in(unprompted) is None and _within(words_of(text).split(), words_of(unprompted).split()):
            return unprompted, None
    return text, command


def _within(part: list[str], whole: list[str]) -> bool:
    """Whether the words `part` occur, in order and together, among more words in `whole`."""
    return len(whole) > len(part) and any(whole[i: i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def said_once(text: str) -> str:
    """A transcript that is one short phrase written over and over ("Stop. Stop. Stop. Sto",
    "repeat repeat repeat": a known Whisper habit on short sound, cut where the tokens ran out) kept
    once."""
    words = words_of(text).split()
    for period in range(1, len(words) // 2 + 1):
        unit, rest = words[:period], words[period:]
        last = len(rest) - 1  # the last word may be cut short
        if all(word == unit[i % period] or (i == last and unit[i % period].startswith(word))
               for i, word in enumerate(rest)):
            return " ".join(unit).capitalize() + "."
    return text


def _at_16k(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return audio
    from ..dsp.samples import resample

    return np.ascontiguousarray(resample(audio, rate, target), dtype=np.float32)


Hear = Callable[[np.ndarray, int], Heard]
