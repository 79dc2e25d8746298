"""The microphone, and one spoken answer taken from it: written to disk as it comes, so nothing is
lost, until a pause after speech, a key, the length limit, or nothing said at all.

Silence is counted in samples, never in wall-clock time: a microphone delivers audio at its own
pace, and a test device may deliver minutes in a moment. Whether a stretch is speech is asked of a
speech detector (`vad`): Silero when it is installed, energy otherwise.

A write that fails (`wav`) or a microphone that stops giving sound (unplugged, or its stream
failing) ends the answer without raising: `ended_by` says "write failed" or "microphone lost",
`problem` why, and the caller keeps the answer so far.

A sitting keeps one `Microphone`: its stream is started for each answer and stopped between them
(nothing is heard while a question is spoken), and it is read as the answer is written, so an
answer is exactly the sound from its start to the end of its silence.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DeviceError, MicrophoneLost, StorageError
from ..play.devices import import_sounddevice
from .commands import Hear, Heard, only_fillers
from .vad import EnergyDetector, SpeechDetector, silero_available, speech_detector
from .wav import WavAppender

FLUSH_EVERY_SECONDS = 0.5
READ_SECONDS = 0.1  # how much is read at once: a key press ends an answer within this
# A spoken command: the first thing said, at most this long, followed by at least this much quiet.
# The pause is longer than the one between two sentences of an answer that begins with a command
# word ("Wait. I think it started..."), and the sitting still acts within it: the utterance is
# written down after COMMAND_HEARD_AFTER_SECONDS of quiet, while the rest of the pause runs.
COMMAND_LONGEST_SECONDS = 3.0
COMMAND_PAUSE_SECONDS = 0.8
COMMAND_HEARD_AFTER_SECONDS = 0.3
# Of sound kept around the utterance for the recogniser: the speech detector may start an utterance
# after a soft first sound ("s" of "skip"), and the word is misheard without it.
COMMAND_MARGIN_SECONDS = 0.3
JUDGING_AT_MOST_SECONDS = 60.0  # of sound held while the first utterance is awaited
NEAR_LIMIT_SECONDS = 15.0  # the longest answer: a gentle word this long before the limit


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    spoke: bool  # speech was heard at all
    # "silence", "key", "limit", "stopped", "nothing said", "command", "write failed" or "microphone lost"
    ended_by: str
    problem: str | None = None  # why a "write failed" or "microphone lost" answer ended, in a few words
    speech_seconds: float = 0.0  # of the recording, what was speech (the rest: pauses, the quiet at the end)
    heard: Heard | None = None  # the command it ended with ("command"), or the first short utterance


class SpeechGate:
    """Decides, window by window, whether someone is speaking, and how long the quiet has lasted;
    the detector says which windows are speech (energy unless one is given)."""

    def __init__(self, rate: int, silence_seconds: float, detector: SpeechDetector | None = None) -> None:
        self.detector = detector or EnergyDetector(rate)
        self.silence_needed = int(silence_seconds * rate)
        self.spoke = False
        self.quiet = 0  # samples of quiet since the last speech (or since the start)
        self.position = 0  # samples decided on so far (the detector's windows lag a little behind)
        self.speech = 0  # of those, samples of speech
        self.utterance: int | None = None  # where the utterance being judged began (see `record_answer`)
        self.utterance_end = 0  # where speech last ended

    def feed(self, samples: np.ndarray) -> None:
        for length, is_speech in self.detector.feed(samples):
            if is_speech:
                self.spoke = True
                self.quiet = 0
                self.speech += length
                if self.utterance is None:
                    self.utterance = self.position
                self.utterance_end = self.position + length
            else:
                self.quiet += length
            self.position += length

    @property
    def done(self) -> bool:
        return self.spoke and self.quiet >= self.silence_needed


class HeldSound:
    """The sound read since a gate began, or its latest part, cut by the gate's positions."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.fed = 0  # samples read since the gate began

    def append(self, chunk: np.ndarray) -> None:
        self.chunks.append(chunk)
        self.fed += len(chunk)

    def keep_last(self, chunks: int) -> None:
        self.chunks = self.chunks[-chunks:]

    def cut(self, start: int, end: int) -> np.ndarray:
        joined = np.concatenate(self.chunks)
        begins = self.fed - len(joined)  # where what is held begins, counted from the gate's start
        return joined[max(0, start - begins): max(0, end - begins)]


class FirstUtterance:
    """Judges whether the first short utterance heard by a `SpeechGate` is a command. It is written
    down early in the quiet after it, on a thread of its own so the microphone goes on being read
    meanwhile (a real one drops what is not read within a fraction of a second), and decided on
    when the quiet reaches the pause; speech that resumes before then makes it a longer utterance,
    written down again. `close` when done with it."""

    def __init__(self, hear: Hear, rate: int) -> None:
        self.hear = hear
        self.pause = int(COMMAND_PAUSE_SECONDS * rate)
        self.early = int(COMMAND_HEARD_AFTER_SECONDS * rate)
        self.longest = int(COMMAND_LONGEST_SECONDS * rate)
        self.margin = int(COMMAND_MARGIN_SECONDS * rate)
        self.rate = rate
        self._hearing: Future | None = None
        self._heard_end: int | None = None  # the utterance's end when `_hearing` began
        self._pool: ThreadPoolExecutor | None = None

    def judge(self, gate: SpeechGate, held: HeldSound, *, last: bool = False) -> tuple[bool, Heard | None]:
        """(decided, heard): not decided yet; decided with what the utterance was; or decided with
        None, when it ran too long to be a command. `held` is the sound the gate was fed; `last`
        says no more will come (the answer's silence is complete): then the writing down in hand
        is waited for."""
        start, end = gate.utterance, gate.utterance_end
        if start is None:
            return False, None
        if end - start > self.longest:
            return True, None
        if gate.quiet >= min(self.early, self.pause) and self._heard_end != end:
            sound = held.cut(max(0, start - self.margin), end + self.margin)
            self._pool = self._pool or ThreadPoolExecutor(1, thread_name_prefix="hearing")
            self._hearing, self._heard_end = self._pool.submit(self.hear, sound, self.rate), end
        if self._heard_end == end and (last or gate.quiet >= self.pause):
            # Decided where the pause completes, in the sound: with a microphone that keeps time the
            # writing down has had the rest of the pause and is done, or nearly.
            return True, self._hearing.result()
        return False, None

    def next_utterance(self, gate: SpeechGate) -> None:
        """Judge the next utterance instead (this one said nothing: "hmm")."""
        gate.utterance = None
        self._hearing, self._heard_end = None, None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class Microphone:
    """One input stream, opened once and started only while an answer is taken. Blocking reads
    take exactly what is written: nothing is read ahead and dropped between two answers.

    A stream that fails (PortAudio reporting an input error, the device unplugged) raises
    MicrophoneLost from `read`; it is then closed, and the next `start` opens the device afresh
    (raising DeviceError if it is still gone). A stream that stalls without an error is not
    caught here: a device without a clock of its own (ALSA's file plugin) has no sound waiting
    until it is read, so waiting for sound to arrive cannot tell it from a dead one."""

    def __init__(self, device: int | None = None, rate: int = 44100) -> None:
        self.device = device
        self.rate = rate
        self._stream = None
        self._errors: tuple[type[BaseException], ...] = ()

    def __enter__(self) -> Microphone:
        silero_available()  # the speech detector loads now, before the first question, not after it
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        sd = import_sounddevice()
        self._errors = (sd.PortAudioError, OSError)
        try:
            if self._stream is None:
                self._stream = sd.InputStream(samplerate=self.rate, channels=1, dtype="int16", device=self.device)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._drop()
            raise DeviceError(f"cannot open the microphone: {exc}; try another --input-device, or use --type") from None

    def read(self, frames: int) -> np.ndarray:
        try:
            data, _overflowed = self._stream.read(frames)
        except self._errors as exc:
            self._drop()
            raise MicrophoneLost(f"the microphone stopped: {exc}") from None
        return data.reshape(-1)

    def stop(self) -> None:
        if self._stream is None:
            return
        try:
            if self._stream.active:
                self._stream.stop()
        except self._errors:
            self._drop()

    def close(self) -> None:
        if self._stream is not None:
            self.stop()
            self._drop()

    def _drop(self) -> None:
        """Let go of the stream, whatever state it is in."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close(ignore_errors=True)


def record_answer(
    path: Path,
    *,
    rate: int = 44100,
    silence_seconds: float = 8.0,
    max_seconds: float = 300.0,
    wait_for_speech_seconds: float | None = None,
    device: int | None = None,
    stop: threading.Event | None = None,
    on_level: Callable[[float, bool], None] | None = None,
    microphone: Microphone | None = None,
    hear: Hear | None = None,
    near_limit: Callable[[], None] | None = None,
) -> Recording:
    """Record one answer to `path` until `silence_seconds` of quiet after speech, `stop` being set
    (a key), `max_seconds`, or `wait_for_speech_seconds` passing with nothing said. With no
    `microphone`, one is opened on `device` for this answer alone.

    With `hear`, the first short utterance (COMMAND_LONGEST_SECONDS at most, followed by
    COMMAND_PAUSE_SECONDS of quiet) is given to it, and when it is a command the recording ends
    there (`ended_by` "command", `heard` saying which): a command is never kept as an answer. An
    utterance of fillers alone ("hmm") is passed over and the next one judged. `near_limit` is
    called once, NEAR_LIMIT_SECONDS before `max_seconds`, with the microphone stopped meanwhile
    (a gentle word from the speaker is not recorded into the answer)."""
    stop = stop or threading.Event()
    own = microphone is None
    microphone = microphone or Microphone(device, rate)
    rate = microphone.rate
    gate = SpeechGate(rate, silence_seconds, speech_detector(rate))  # loaded before listening starts
    writer = WavAppender(path, rate, 1)
    limit = int(max_seconds * rate)
    warn_at = limit - int(NEAR_LIMIT_SECONDS * rate) if near_limit is not None else None
    no_speech_limit = int(wait_for_speech_seconds * rate) if wait_for_speech_seconds else None
    flush_every = int(FLUSH_EVERY_SECONDS * rate)
    unflushed = 0
    ended, problem, heard = "stopped", None, None
    judging = hear is not None  # the first utterance may still be a command
    first = FirstUtterance(hear, rate) if judging else None
    held = HeldSound()  # the sound so far, while it is
    try:
        try:
            microphone.start()
        except DeviceError:
            writer.close()
            Path(path).unlink(missing_ok=True)  # nothing was heard: no empty recording is left
            raise
        while True:
            if stop.is_set():
                ended = "key"
                break
            chunk = microphone.read(max(1, int(READ_SECONDS * rate)))
            writer.append(chunk)
            unflushed += len(chunk)
            gate.feed(chunk)
            if on_level:
                on_level(float(np.abs(chunk).max(initial=0)) / 32768, gate.spoke)
            if unflushed >= flush_every:
                writer.flush()
                unflushed = 0
            if judging:
                held.append(chunk)
                decided, said = first.judge(gate, held, last=gate.done)
                if said is not None:
                    heard = said
                if writer.frames > JUDGING_AT_MOST_SECONDS * rate:
                    judging, held = False, HeldSound()  # a long silence, then speech: an answer
                elif decided and said is not None and said.command is not None:
                    ended = "command"
                    break
                elif decided and said is not None and only_fillers(said.text):
                    first.next_utterance(gate)  # "hmm": the next utterance may still be a command
                elif decided:
                    judging, held = False, HeldSound()  # speaking on, or words that are no command: an answer
            if gate.done:
                ended = "silence"
                break
            if warn_at is not None and writer.frames >= warn_at:
                warn_at = None
                microphone.stop()
                near_limit()
                microphone.start()
            if writer.frames >= limit:
                ended = "limit"
                break
            if no_speech_limit is not None and not gate.spoke and writer.frames >= no_speech_limit:
                ended = "nothing said"
                break
    except StorageError as exc:
        ended, problem = "write failed", exc.reason
    except MicrophoneLost as exc:
        ended, problem = "microphone lost", str(exc).removeprefix("the microphone stopped: ")
    finally:
        try:
            writer.close()
        except StorageError as exc:  # the last of it did not reach the disk: what did is kept
            ended, problem = "write failed", exc.reason
        if first is not None:
            first.close()
        if own:
            microphone.close()
        else:
            microphone.stop()
    return Recording(path=Path(path), seconds=writer.seconds, spoke=gate.spoke, ended_by=ended, problem=problem,
                     speech_seconds=gate.speech / rate, heard=heard)


def listen_for(commands: tuple[str, ...], microphone: Microphone, hear: Hear, *,
               stop: threading.Event | None = None) -> str | None:
    """While a sitting is paused: listen until one of `commands` is said (its name), or a key sets
    `stop` (None). Nothing is written to disk; each short utterance is heard and let go."""
    stop = stop or threading.Event()
    rate = microphone.rate
    first = FirstUtterance(hear, rate)
    before = int(COMMAND_MARGIN_SECONDS / READ_SECONDS) + 2  # reads kept from before an utterance
    microphone.start()
    try:
        while not stop.is_set():
            gate = SpeechGate(rate, COMMAND_PAUSE_SECONDS, speech_detector(rate))
            held = HeldSound()
            while not stop.is_set():
                chunk = microphone.read(max(1, int(READ_SECONDS * rate)))
                gate.feed(chunk)
                held.append(chunk)
                if gate.utterance is None:
                    held.keep_last(before)  # only the moments before an utterance are kept
                    continue
                decided, heard = first.judge(gate, held)
                if decided:
                    if heard is not None and heard.command in commands:
                        return heard.command
                    first.next_utterance(gate)
                    break  # talk, or another word: let it go and listen afresh
        return None
    finally:
        first.close()
        microphone.stop()
