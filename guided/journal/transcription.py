"""Spoken answers as text, on this machine: a recording turned into words with their times by
faster-whisper (`pip install 'guided[transcribe]'`), kept beside it and in its journal entry.

The model is loaded by its folder's path (whisper_models.py), once per sitting or `guided
transcribe`, and let go at its end (whisper_engine.py); networking is never needed. The word
timings go into a WebVTT file next to the WAV; the text goes into the entry under the link to
the recording. Both are written whole or not at all, private (0600) like the rest of the
journal, the timings first: a crash at any moment leaves the recording and the entry as they
were, and the next `guided transcribe` finishes the job.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import GuidedError, MissingDependencyError, OutputError, UnreadableRecording
from ..files import write_atomic
from ..paths import libraries_kept_home
from ..timing.timefmt import timestamp
from .markdown import answers, with_transcript
from .whisper_engine import INSTALL_HINT, SharedModel, engine_available, give_back_memory
from .whisper_models import ModelFolder, find_model

WHISPER_RATE = 16000
BEAM_SIZE = 1
# A window whose reading fails faster-whisper's checks (written over and over, or unlikely) is read
# again at a higher temperature: one sample, not the best of five. Five side by side each keep the
# encoder's output for their cross-attention: measured, 120 MB more at that moment in a sitting.
BEST_OF = 1
# The longest stretch of a recording written down at once. faster-whisper turns all the sound it is
# given into features in one go (about 1 MB per second of sound at its peak: 280 MB for a five-minute
# answer); given a piece at a time, cut where the voice pauses, memory stays flat for any answer.
# Whisper hears 30 s at a time in any case, and each window is heard afresh here
# (condition_on_previous_text=False), so a cut in a pause changes nothing it hears.
PIECE_SECONDS = 30


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Segment, ...]
    audio_ms: int  # the recording's length
    took_ms: int  # how long transcribing it took

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text).strip()

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)


# --- the engine -------------------------------------------------------------------------------


def read_audio(path: Path) -> np.ndarray:
    """A recording as 16 kHz mono float32, as Whisper hears it. faster-whisper's own decoder
    resamples as it reads, so an hour-long answer costs its 16 kHz samples (230 MB), no more."""
    if not engine_available():
        raise MissingDependencyError(f"transcription is not installed: {INSTALL_HINT}")
    with libraries_kept_home():
        from faster_whisper import decode_audio

    try:
        return np.ascontiguousarray(decode_audio(str(path), sampling_rate=WHISPER_RATE), dtype=np.float32)
    except Exception as exc:  # PyAV raises its own errors for a missing, empty or damaged file
        reason = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).split(": '")[0] or type(exc).__name__
        raise UnreadableRecording(f"cannot read the recording {path}: {reason}") from None


def pieces(audio: np.ndarray, longest: int, rate: int = WHISPER_RATE) -> list[tuple[int, int]]:
    """(start, end) of the pieces a recording is written down in, none longer than `longest`
    samples: each cut at the quietest tenth of a second in the last third of its piece, where a
    voice that goes on and on still pauses between two words. A short recording is one piece."""
    found, start, frame = [], 0, max(1, rate // 10)
    while len(audio) - start > longest:
        low = start + longest * 2 // 3
        frames = (start + longest - low) // frame
        window = audio[low: low + frames * frame].reshape(frames, frame)
        quietest = int(np.argmin(np.einsum("ij,ij->i", window, window)))  # no squared copy of the window
        cut = low + quietest * frame + frame // 2
        found.append((start, cut))
        start = cut
    found.append((start, len(audio)))
    return found


def transcribe_audio(audio: np.ndarray, model: SharedModel | ModelFolder, threads: int | None = None) -> Transcript:
    """Words and their times from 16 kHz mono float32 samples, with the `model` of a sitting (or a
    model folder, loaded for this one call). Silence is left out before decoding (faster-whisper's
    own voice activity filter), so a long pause never turns into invented words. A long recording
    is written down PIECE_SECONDS at a time (`pieces`)."""
    if isinstance(model, ModelFolder):
        with SharedModel(model, threads) as shared:
            return transcribe_audio(audio, shared)
    whisper = model.get()
    started = time.monotonic()
    segments = []
    for begin, end in pieces(audio, PIECE_SECONDS * WHISPER_RATE):
        found, _info = whisper.transcribe(audio[begin:end], beam_size=BEAM_SIZE, best_of=BEST_OF,
                                          word_timestamps=True, vad_filter=True, condition_on_previous_text=False)
        at = begin * 1000 / WHISPER_RATE  # the piece's times are counted from its own start
        for s in found:  # a generator: decoding happens here
            words = tuple(Word(round(at + w.start * 1000), round(at + w.end * 1000), w.word.strip())
                          for w in s.words or ())
            segments.append(Segment(round(at + s.start * 1000), round(at + s.end * 1000), s.text.strip(), words))
        give_back_memory()  # before the next piece: whatever this one freed
    took = round((time.monotonic() - started) * 1000)
    return Transcript(tuple(segments), audio_ms=len(audio) * 1000 // WHISPER_RATE, took_ms=took)


def transcribe_file(path: Path, model: SharedModel | ModelFolder, threads: int | None = None) -> Transcript:
    return transcribe_audio(read_audio(path), model, threads)


# --- keeping it -------------------------------------------------------------------------------


def webvtt(transcript: Transcript) -> str:
    """One cue per stretch of speech, each word after the first led by its own time tag
    (`<00:00:01.280>word`), so players can follow word by word."""
    lines = ["WEBVTT", ""]
    for number, segment in enumerate(transcript.segments, 1):
        start, end = segment.start_ms, max(segment.end_ms, segment.start_ms + 1)
        words, at = [], start
        for index, word in enumerate(segment.words):
            at = min(max(at, word.start_ms), end)  # time tags must run forward within the cue
            words.append(word.text if index == 0 else f"<{timestamp(at)}>{word.text}")
        text = " ".join(words) or segment.text
        lines += [str(number), f"{timestamp(start)} --> {timestamp(end)}", text.replace("-->", "->"), ""]
    return "\n".join(lines)


def timings_path(audio: Path) -> Path:
    return Path(audio).with_suffix(".vtt")


def write_timings(audio: Path, transcript: Transcript) -> Path:
    path = timings_path(audio)
    try:
        write_atomic(path, webvtt(transcript).encode("utf-8"), private=True, durable=True)
    except OSError as exc:
        raise OutputError(f"cannot write the word timings {path}: {exc.strerror or exc}") from None
    return path


class Worker:
    """Transcribes recordings one after another in a background thread, with the sitting's shared
    `model`, so a sitting goes on while its earlier answers are written down. The thread is a
    daemon: an interrupted sitting never waits for it, and what it did not finish is left for
    `guided transcribe`. `close` ends the thread once the answer in hand is done."""

    def __init__(self, model: SharedModel, on_error: Callable[[str], None] = lambda message: None) -> None:
        self.model = model
        self.on_error = on_error
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, audio: Path, done: Callable[[Transcript, Path], None]) -> None:
        """Transcribe `audio`, write its timings, then call `done(transcript, timings path)`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="guided-transcribe", daemon=True)
            self._thread.start()
        self._jobs.put((Path(audio), done))

    def wait(self) -> None:
        """Until every answer submitted so far is written down."""
        self._jobs.join()

    @property
    def busy(self) -> bool:
        return self._jobs.unfinished_tasks > 0

    def close(self) -> None:
        """No more answers: the thread ends after the one in hand (those still waiting are left for
        `guided transcribe`), so a process that lives on keeps no thread per sitting."""
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
            self._jobs.task_done()
        if self._thread is not None:
            self._jobs.put(None)
            self._thread = None

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                self._jobs.task_done()
                return
            audio, done = job
            try:
                transcript = transcribe_file(audio, self.model)
                done(transcript, write_timings(audio, transcript))
            except Exception as exc:  # the recording is safe; `guided transcribe` can try again
                self.on_error(f"could not transcribe {audio.name} ({exc}); 'guided transcribe' will try again")
            finally:
                self._jobs.task_done()


def model_for_sitting(model: str | None, callers: int = 1) -> tuple[SharedModel | None, str | None]:
    """The Whisper model a recorded sitting writes down (and hears commands) with, not loaded yet,
    for `callers` users at once; or None and why there is none (a few words that say how to have
    one). A --model that names nothing usable is an error: the person asked for it. One core is
    left to the narration, which must never stutter."""
    if not engine_available():
        return None, f"transcription is not installed ({INSTALL_HINT})"
    threads = max(1, (os.cpu_count() or 2) - 1)
    if model:
        return SharedModel(find_model(model), threads, callers), None
    try:
        return SharedModel(find_model(), threads, callers), None
    except GuidedError as exc:
        return None, str(exc)


# --- earlier answers --------------------------------------------------------------------------


def journal_entries(spec: str | None = None, folder: Path | None = None) -> list[Path]:
    """Every entry of the journal, or the one `spec` names: a path, a file name in the journal
    folder (with or without .md), or the start of one that only one entry has."""
    from ..errors import NotFoundError, UsageError
    from ..paths import paths
    from .entry import entries

    folder = folder or paths().journal
    if not spec:
        return [e.path for e in entries(folder)]
    given = Path(spec).expanduser()
    for candidate in (given, folder / spec, folder / f"{spec}.md"):
        if candidate.is_file() and candidate.suffix == ".md":
            return [candidate]
    matches = sorted(folder.glob(f"{spec}*.md")) if folder.is_dir() and "/" not in spec else []
    if len(matches) == 1:
        return matches
    if matches:
        raise UsageError(f"{spec!r} could be {len(matches)} entries ({matches[0].stem}, …); give more of the name")
    raise NotFoundError(f"no journal entry {spec!r} in {folder}")



@dataclass(frozen=True)
class Pending:
    """A recording in the journal with no transcript yet."""

    entry: Path
    number: int
    question: str
    audio: Path


def pending(entries: list[Path]) -> list[Pending]:
    """Recordings of these entries with no transcript; answers still being recorded are left alone."""
    found = []
    for entry in entries:
        try:
            text = entry.read_text(encoding="utf-8")
        except OSError:
            continue
        for a in answers(text):
            if a.audio and a.transcript is None and not a.status.startswith("Recording"):
                audio = entry.parent / a.audio
                if audio.is_file():
                    found.append(Pending(entry, a.number, a.question, audio))
    return found


def fill_in(items: list[Pending], model: SharedModel | ModelFolder, threads: int | None = None,
            progress: Callable[[Pending, Transcript], None] = lambda item, transcript: None,
            skipped: Callable[[Pending, UnreadableRecording], None] | None = None) -> list[Transcript]:
    """Transcribe each pending recording and put it in its entry at once, one by one: stopped at
    any point, what was done is kept and the rest is found pending next time. A recording that
    cannot be read is handed to `skipped` and the others go on (without `skipped`, it is raised).
    Given a model folder, its model is loaded once for all of them and let go at the end."""
    if isinstance(model, ModelFolder):
        with SharedModel(model, threads) as shared:
            return fill_in(items, shared, progress=progress, skipped=skipped)
    done = []
    for item in items:
        try:
            transcript = transcribe_file(item.audio, model)
        except UnreadableRecording as exc:
            if skipped is None:
                raise
            skipped(item, exc)
            continue
        timings = write_timings(item.audio, transcript)
        try:
            text = item.entry.read_text(encoding="utf-8")
            updated = with_transcript(text, item.audio.name, transcript.text, timings.name)
            write_atomic(item.entry, updated.encode("utf-8"), private=True, durable=True)
        except ValueError:
            continue  # the entry changed under us (edited by hand): its link is gone
        except OSError as exc:
            raise OutputError(f"cannot write the journal entry {item.entry}: {exc.strerror or exc}") from None
        done.append(transcript)
        progress(item, transcript)
    return done
