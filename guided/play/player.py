"""Live playback: the mixer's blocks through a sounddevice output stream, steered by `Controls`.

One render path: unless the listener pauses, skips or changes the volume, the samples reaching the
device are the very samples `guided export` encodes. A worker thread renders blocks ahead into a
bounded queue; the stream's callback only copies, fades and counts. Every control (keys, tests)
goes through `Controls`, and every change of level is a short ramp, so nothing clicks.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from ..audio.mixer import Mixer
from ..errors import DeviceError, Terminated
from ..timing.timeline import Timeline
from .controls import Controls
from .devices import import_sounddevice

# A place in the session: a sample, or where it lies in the timeline as placed now (a session still
# rendering its speech moves what is not yet heard as true lengths arrive: progressive.LiveMixer).
Where = int | Callable[[Timeline], int]

FEED_BLOCK = 8192  # frames the worker renders at a time
AHEAD_SECONDS = 3.0  # how much audio the worker keeps ready
START_SECONDS = 0.4  # ready before the stream starts
PAUSE_FADE_MS = 40
SEEK_FADE_MS = 30
STOP_FADE_MS = 1500
VOLUME_RAMP_MS = 60
WAIT_FOR_DATA_SECONDS = 10.0


class _Ramp:
    """A gain that moves in straight lines towards its target, sample by sample."""

    def __init__(self, value: float) -> None:
        self.value = value

    def run(self, target: float, frames: int, step: float) -> np.ndarray:
        if self.value == target:
            return np.full(frames, target, dtype=np.float32)
        direction = 1.0 if target > self.value else -1.0
        values = self.value + direction * step * np.arange(1, frames + 1)
        values = np.minimum(values, target) if direction > 0 else np.maximum(values, target)
        self.value = float(values[-1])
        return values.astype(np.float32)


class Player:
    """Plays one session; `play()` blocks until it ends or is stopped and returns how it ended."""

    def __init__(self, mixer: Mixer, controls: Controls | None = None, device: int | str | None = None,
                 blocksize: int = 1024, start: int = 0, end: Where | None = None,
                 marks: Sequence[tuple[Where, Callable[[], None]]] = ()) -> None:
        """Plays the session from `start` to `end` (default: its end): a journal plays it a
        stretch at a time, between answers. Each of `marks` runs its action once the listener
        reaches its place; an `end` or a mark given as a function of the timeline follows the
        session as it is placed again, so it comes where the true lengths put it."""
        self.mixer = mixer
        self.rate = mixer.rate
        self.channels = mixer.channels
        self._end = end
        self._marks = list(marks)
        self._marks_at: list[int] = []  # each mark's sample as placed now (the worker renews it)
        self._marks_run: set[int] = set()  # marks whose action ran (only the device callback adds)
        self.start = start
        self._place(mixer.timeline)
        self.controls = controls or Controls([c.start for c in mixer.timeline.sections], self.total, self.rate)
        self.device = device
        self.blocksize = blocksize
        # True while the listener waits in silence: for a phrase still rendering (a session
        # prepared progressively), or for the worker (never expected).
        self.preparing = False
        self._hold_at: int | None = None  # where the worker waits for speech still rendering
        self._timeline = mixer.timeline
        self.heard = 0  # frames of the session sent to the device: what the listener heard, pauses left out
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, int(AHEAD_SECONDS * self.rate / FEED_BLOCK)))
        self._generation = 0
        self._feed_from = start
        self._feed_lock = threading.Lock()
        self._feed_wake = threading.Event()
        self._chunk: np.ndarray | None = None
        self._chunk_start = start
        self._offset = 0
        self._ended = False
        self._fade = _Ramp(1.0)
        self._volume = _Ramp(1.0)
        self._stop_worker = False
        self._awaiting_seek: int | None = None
        self.controls.position = start

    # the worker -----------------------------------------------------------------------------
    def _worker(self) -> None:
        try:
            while not self._stop_worker:
                with self._feed_lock:
                    generation, position = self._generation, self._feed_from
                self._follow(position)
                if position >= self.total:
                    self._put(generation, position, None)
                    self._feed_wake.wait(0.1)
                    self._feed_wake.clear()
                    continue
                frames = min(FEED_BLOCK, self.total - position)
                block = self.mixer.render(position, frames)
                if self.mixer.timeline is not self._timeline:
                    continue  # placed again while mixing: the stretch may end elsewhere; follow it first
                if block is None:  # a phrase it needs still renders: the device fades out and waits
                    self._hold_at = position
                    self._feed_wake.wait(0.02)
                    self._feed_wake.clear()
                    continue
                if not self._put(generation, position, block):
                    continue
                self._hold_at = None
                with self._feed_lock:
                    if self._generation == generation:
                        self._feed_from = position + frames
        except BaseException as exc:  # surfaced by play(); the stream is stopped
            self.error = exc
            self.controls.stop()
            self.finished.set()

    def _follow(self, position: int) -> None:
        """A session still rendering may be placed again (progressive.LiveMixer): the length and the
        sections follow it."""
        sync = getattr(self.mixer, "sync", None)
        if sync is None:
            return
        sync(position)
        timeline = self.mixer.timeline
        if timeline is not self._timeline:
            self._timeline = timeline
            self._place(timeline)
            self.controls.total = self.total
            self.controls.sections = [c.start for c in timeline.sections]

    def _place(self, timeline: Timeline) -> None:
        """The end of the stretch and the marks' places, as `timeline` puts them."""
        end = self._end(timeline) if callable(self._end) else self._end
        self.total = timeline.total if end is None else max(self.start, min(end, timeline.total))
        self._marks_at = [where(timeline) if callable(where) else where for where, _ in self._marks]

    def _run_marks(self, position: int) -> None:
        places = self._marks_at
        for index, (_, action) in enumerate(self._marks):
            if index not in self._marks_run and places[index] <= position:
                self._marks_run.add(index)
                action()

    def _holding(self, frames: int) -> bool:
        """Whether the listener is about to reach speech still rendering: time to fade out and wait."""
        hold = self._hold_at
        if hold is None or self._awaiting_seek is not None:
            return False
        fade = round(PAUSE_FADE_MS * self.rate / 1000)
        return self.controls.position + 2 * frames + fade >= hold

    def _put(self, generation: int, position: int, block) -> bool:
        """Queue a block unless a seek made it stale; False when it was dropped."""
        while not self._stop_worker:
            with self._feed_lock:
                if generation != self._generation:
                    return False
            try:
                self._queue.put((generation, position, block), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _restart_feed(self, position: int) -> None:
        with self._feed_lock:
            self._generation += 1
            self._feed_from = position
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._chunk = None
        self._chunk_start = position
        self._offset = 0
        self._ended = False
        self._hold_at = None
        self._feed_wake.set()

    def _next_chunk(self, wait: float) -> bool:
        """Take the next current-generation block from the queue; False if none came in time."""
        while True:
            try:
                generation, position, block = self._queue.get(timeout=wait)
            except queue.Empty:
                return False
            if generation != self._generation:
                continue
            if block is None:
                self._ended = True
                return True
            self._chunk, self._chunk_start, self._offset = block, position, 0
            return True

    def _read(self, frames: int) -> np.ndarray:
        """Up to `frames` frames of session audio from where the listener is; fewer only at the end."""
        out = np.zeros((frames, self.channels), dtype=np.float32)
        filled = 0
        while filled < frames and not self._ended:
            if self._chunk is None or self._offset >= len(self._chunk):
                self._chunk = None
                if not self._next_chunk(0.0):
                    self.preparing = True
                    if not self._next_chunk(WAIT_FOR_DATA_SECONDS):
                        break  # the device hears silence; say "preparing" rather than stutter
                    self.preparing = False
                continue
            take = min(frames - filled, len(self._chunk) - self._offset)
            out[filled : filled + take] = self._chunk[self._offset : self._offset + take]
            self._offset += take
            filled += take
        self.controls.position = (self._chunk_start + self._offset) if self._chunk is not None else self.controls.position
        return out[:filled] if self._ended else out

    # the device callback ----------------------------------------------------------------------
    def _callback(self, outdata, frames, time_info, status) -> None:
        sd = self._sd
        c = self.controls
        c.run_due()
        if self._marks:
            self._run_marks(c.position)
        per_ms = self.rate / 1000
        if c.has_seek() and self._awaiting_seek is None:
            self._awaiting_seek = c.take_seek()
        holding = self._holding(frames)
        if c.stopping:
            target, step = 0.0, 1.0 / (STOP_FADE_MS * per_ms)
        elif self._awaiting_seek is not None:
            target, step = 0.0, 1.0 / (SEEK_FADE_MS * per_ms)
        elif c.paused:
            target, step = 0.0, 1.0 / (PAUSE_FADE_MS * per_ms)
        elif holding:
            target, step = 0.0, 1.0 / (PAUSE_FADE_MS * per_ms)
            self.preparing = True
        else:
            target, step = 1.0, 1.0 / ((SEEK_FADE_MS if self._fade.value == 0 else PAUSE_FADE_MS) * per_ms)

        if self._fade.value == 0.0 and target == 0.0:
            if c.stopping:
                outdata[:] = 0
                raise sd.CallbackStop
            if self._awaiting_seek is None:
                outdata[:] = 0  # paused, or waiting for speech: hold still, in silence
                if holding:
                    # A device without a clock (a file) would call again at once: leave the time
                    # to the thread rendering speech. Half a buffer keeps a real device fed.
                    time.sleep(frames / self.rate / 2)
                return
            # Faded out for a seek: jump, and fade the new place in within this same buffer.
            self._restart_feed(self._awaiting_seek)
            c.position = self._awaiting_seek
            self._awaiting_seek = None
            target, step = (0.0, 1.0 / (PAUSE_FADE_MS * per_ms)) if c.paused else (1.0, 1.0 / (SEEK_FADE_MS * per_ms))
            if target == 0.0:
                outdata[:] = 0
                return
        if target == 1.0:
            self.preparing = False
        take = frames
        if holding and target == 0.0:
            # Fading out to wait for speech: take only what the fade still lets through, so the
            # session goes on from there when the phrase is ready, nothing skipped.
            take = min(frames, math.ceil(self._fade.value / step))
        data = self._read(take)
        self.heard += len(data)
        fade = self._fade.run(target, len(data), step)
        volume = self._volume.run(10 ** (c.volume_db / 20), len(data), 1.0 / (VOLUME_RAMP_MS * per_ms))
        gain = fade * volume
        if np.all(gain == 1.0):
            outdata[: len(data)] = data  # untouched: exactly what export writes
        else:
            outdata[: len(data)] = data * gain[:, None]
        if len(data) < frames:
            outdata[len(data) :] = 0
        if len(data) < take:
            raise sd.CallbackStop

    # running ----------------------------------------------------------------------------------
    def play(self, on_tick=None, tick: float = 0.1) -> str:
        """Play to the end (returns "finished") or until stopped ("stopped")."""
        sd = self._sd = import_sounddevice()
        worker = threading.Thread(target=self._worker, name="guided-mixer", daemon=True)
        worker.start()
        ready = min(int(START_SECONDS * self.rate), self.total - self.start)
        while self._queue.qsize() * FEED_BLOCK < ready and worker.is_alive() and not self._queue.full():
            if self.error or self._hold_at is not None:
                break
            threading.Event().wait(0.005)
        if self.error:
            raise self.error
        try:
            stream = sd.OutputStream(
                samplerate=self.rate, channels=self.channels, dtype="float32", device=self.device,
                blocksize=self.blocksize, callback=self._callback, finished_callback=self.finished.set,
                # The first buffers come from the session too, not from silence PortAudio adds.
                prime_output_buffers_using_stream_callback=True,
            )
        except (sd.PortAudioError, ValueError) as exc:
            self._stop_worker = True
            raise DeviceError(f"cannot open the sound device: {exc}; try another --device, or export the session instead") from None
        interrupted: KeyboardInterrupt | None = None
        try:
            with stream:
                while True:
                    try:
                        if self.finished.wait(tick):
                            break
                        if on_tick:
                            on_tick(self)
                    except KeyboardInterrupt as stop:
                        if interrupted:
                            break  # a second Ctrl-C: stop now, without waiting for the fade
                        interrupted = stop
                        self.controls.stop()
                if on_tick:
                    on_tick(self)
        finally:
            self._stop_worker = True
        if self.error:
            raise self.error
        if isinstance(interrupted, Terminated):
            raise interrupted  # faded out; the run still ends by its signal (SIGTERM, SIGHUP)
        if interrupted:
            return "interrupted"
        return "stopped" if self.controls.stopping else "finished"
