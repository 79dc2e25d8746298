"""A batch's progress as one figure the CLI and the server show: what each worker says (the session
it prepares, its phrases rendered, its audio written, the file in place), added up, with the time
still to wait from the throughput so far."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class BatchProgress:
    done: float  # seconds of audio made so far: each session's speech rendered and audio written, half each
    total: float  # seconds of audio to make (estimated for the sessions not started yet)
    finished: int  # sessions written so far, counted the moment each file is in place
    count: int  # sessions to export (those already up to date are not counted)
    working: tuple[str, ...] = ()  # what each busy worker is doing: "trust-questions: speech 12/40"
    left_seconds: float | None = None  # time still to wait, from the throughput so far (None: too soon to say)
    stopped: bool = False  # the batch was interrupted: `finished` files are kept, the rest are not made


# A session's share of the work that is its speech (the rest, mixing and encoding): enough that the
# bar moves while a natural voice renders, and an estimate of time left that does not leap.
SPEECH_SHARE = 0.5
# Time left is said once this share of the work is done and this long has gone by: before then,
# the throughput is mostly the start of the first sessions and would mislead by hours.
SAY_LEFT_AFTER = (0.03, 5.0)


class Progress:
    """What the workers have said so far, as one `BatchProgress`."""

    def __init__(self, ids: dict[int, str], estimates: dict[int, float]) -> None:
        self.ids, self.estimates = ids, estimates
        self.speech: dict[int, float] = {}  # number → share of its phrases rendered
        self.audio: dict[int, float] = {}  # number → share of its audio written
        self.written: set[int] = set()
        self.busy: dict[int, str] = {}  # number → what it is doing
        self.started = time.monotonic()

    def drain(self, queue) -> None:
        import queue as queues

        while True:
            try:
                kind, number, done, total = queue.get_nowait()
            except queues.Empty:
                return
            if kind == "speech":
                self.speech[number] = done / total if total else 0.0
                self.busy[number] = f"{self.ids[number]}: speech {done}/{total}" if total else self.ids[number]
            elif kind == "audio":
                self.speech[number] = 1.0
                self.audio[number] = done / total if total else 0.0
                self.busy[number] = f"{self.ids[number]}: writing {round(100 * done / total) if total else 0}%"
            elif kind == "written":
                self.finish(number)

    def finish(self, number: int) -> None:
        self.speech[number] = self.audio[number] = 1.0
        self.written.add(number)
        self.busy.pop(number, None)

    def forget(self, number: int) -> None:
        """A session that failed or was cancelled: nothing more of it to wait for."""
        self.estimates.pop(number, None)
        self.busy.pop(number, None)
        self.speech.pop(number, None)
        self.audio.pop(number, None)

    def now(self, count: int, stopped: bool) -> BatchProgress:
        total = sum(self.estimates.values())
        done = sum(seconds * (SPEECH_SHARE * self.speech.get(n, 0.0) + (1 - SPEECH_SHARE) * self.audio.get(n, 0.0))
                   for n, seconds in self.estimates.items())
        elapsed = time.monotonic() - self.started
        share = done / total if total else 0.0
        left = elapsed * (1 - share) / share if share >= SAY_LEFT_AFTER[0] and elapsed >= SAY_LEFT_AFTER[1] else None
        return BatchProgress(done=done, total=max(total, done), finished=len(self.written), count=count,
                             working=tuple(self.busy[n] for n in sorted(self.busy)), left_seconds=left, stopped=stopped)
