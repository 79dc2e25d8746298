"""How the process ends when asked to: Ctrl-C, SIGTERM and SIGHUP all stop the work the same way.

SIGINT raises KeyboardInterrupt (Python's own); SIGTERM and SIGHUP raise `Terminated(signum)`, a
KeyboardInterrupt that remembers its signal. Whatever cleans up after Ctrl-C (an export's partial
file, a batch's workers, a player's fade, a sitting's entry) therefore cleans up after them too,
and the edge of the program exits 128 + the signal's number (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import signal
import threading

from .errors import Terminated

# The signals that end a run like Ctrl-C; SIGHUP does not exist on Windows.
STOPPING = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                 if s is not None)
OTHERS = tuple(s for s in STOPPING if s != signal.SIGINT)


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


def install() -> None:
    """From now on SIGTERM and SIGHUP raise Terminated in the main thread."""
    for signum in OTHERS:
        signal.signal(signum, _raise_terminated)


def exit_status(stop: BaseException) -> int:
    """The exit status for a run ended by `stop`: 128 + the signal's number."""
    return 128 + (stop.signum if isinstance(stop, Terminated) else int(signal.SIGINT))


def describe(stop: BaseException) -> str:
    """The one line said when a run is ended by `stop`."""
    if isinstance(stop, Terminated):
        try:
            name = signal.Signals(stop.signum).name
        except ValueError:
            name = f"signal {stop.signum}"
        return f"stopped by {name}"
    return "interrupted"


def stop_for(signum: int) -> KeyboardInterrupt:
    """The exception a stop by `signum` raises."""
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


@contextlib.contextmanager
def held():
    """Keep a stopping signal that arrives during a few quick steps until they are done, then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in STOPPING}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:
        raise stop_for(caught[0])


def ignore_in_worker() -> None:
    """For a worker process: a stop sent to the whole group is the parent's to act on; it tells the
    workers, so each one stops between two steps and removes its own files."""
    for s in STOPPING:
        signal.signal(s, signal.SIG_IGN)
