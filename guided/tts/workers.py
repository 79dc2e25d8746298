"""Speech on every core: many phrases rendered at once, within the slots a process (or a batch) shares.

A neural voice renders a phrase fastest for the CPU it takes on one thread: onnxruntime spreading a
single phrase over both cores costs about a quarter more CPU than two phrases rendered side by side,
one thread each, and far more on a busy machine, where its threads spin against other work. So an
engine that can (`Engine.parallel`) is given several phrases at once, and each synthesis holds one
*slot* while it runs: a process has one slot per core, and a batch's worker processes share theirs
(`share_slots`), so speech never runs on more threads than there are cores, however many sessions
are exported at once, and a batch's last session alone still uses every core.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

_slots_lock = threading.Lock()
_slots = None  # made with the first synthesis, or shared by a batch


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def share_slots(semaphore) -> None:
    """Use `semaphore` (a multiprocessing semaphore made by the parent of a batch's workers) for this
    process's syntheses, so that the whole batch runs no more of them at once than it has cores."""
    global _slots
    with _slots_lock:
        _slots = semaphore


def make_shared_slots(context, count: int | None = None):
    """A semaphore of `count` slots (default: one per core) for `share_slots` in worker processes
    started from `context`."""
    return context.BoundedSemaphore(count or cores())


@contextlib.contextmanager
def slot() -> Iterator[None]:
    """Hold one of the slots while one synthesis runs (waiting for one to be free)."""
    global _slots
    if _slots is None:
        with _slots_lock:
            if _slots is None:
                _slots = threading.BoundedSemaphore(cores())
    held = _slots
    held.acquire()
    try:
        yield
    finally:
        held.release()


# What the rest of the process and the system keep for themselves before a second phrase is begun.
MEMORY_HEADROOM = 512 << 20


def available_memory() -> int | None:
    """The memory the system can give without swapping (Linux's MemAvailable), or None where it
    does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def workers_for(engine) -> int:
    """How many phrases `engine` is given at once: one for an engine that renders on one thread of
    its own (espeak-ng); for one that can render side by side (Piper), one per core, as many as
    the memory available holds (each phrase in hand takes `memory_per_phrase`), so a small machine
    renders one phrase at a time rather than swap."""
    count = max(1, min(int(getattr(engine, "parallel", 1)), cores()))
    per_phrase = getattr(engine, "memory_per_phrase", 0)
    available = available_memory() if count > 1 and per_phrase else None
    if available is not None:
        count = max(1, min(count, 1 + (available - MEMORY_HEADROOM) // per_phrase))
    return count


def render_all(render: Callable[[str], object], texts: Iterable[str], workers: int,
               done: Callable[[int, int], None] | None = None) -> dict[str, object]:
    """`render(text)` for every text, `workers` at a time, begun in the order given (the order they
    are heard: what is needed first is ready first); `done(finished, total)` hears each one end, in
    this thread. Ctrl-C, or an exception from `done` or `render`, renders nothing more: the phrases
    in hand are finished (a speech engine torn down in the middle of a phrase can abort the process)
    and the exception goes on."""
    order = list(dict.fromkeys(texts))
    if workers <= 1 or len(order) <= 1:
        found = {}
        for text in order:
            found[text] = render(text)
            if done is not None:
                done(len(found), len(order))
        return found
    found: dict[str, object] = {}
    pool = ThreadPoolExecutor(max_workers=min(workers, len(order)), thread_name_prefix="guided-speech")
    try:
        futures = {pool.submit(render, text): text for text in order}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                found[futures[future]] = future.result()
                if done is not None:
                    done(len(found), len(order))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return found
