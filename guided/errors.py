"""Every way a run ends before its time: the one family of errors a user can meet, and the signals
that stop it. At the edge each becomes one line and an exit status: 1 for an error (2 for a usage
mistake), 128 + the signal's number for a stop (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).

SIGINT raises KeyboardInterrupt (Python's own); SIGTERM and SIGHUP raise `Terminated(signum)`, a
KeyboardInterrupt that remembers its signal. Whatever cleans up after Ctrl-C (an export's partial
file, a batch's workers, a player's fade, a sitting's entry) therefore cleans up after them too.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class GuidedError(Exception):
    """A problem the user can understand and fix; the message is one line and says how."""

    exit_code = 1


class ScriptError(GuidedError):
    """A script that does not follow the script language; the message starts with FILE:LINE:COL."""

    def __init__(self, path: str, line: int, column: int, message: str,
                 also: tuple[ScriptError, ...] = ()) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
        # The file's other mistakes, in order: a run stops at the first, `guided validate` shows them all.
        self.also = also
        super().__init__(f"{path}:{line}:{column}: {message}")


class NotFoundError(GuidedError):
    """An id, voice, bell or background that does not exist."""


class MissingDependencyError(GuidedError):
    """A program or library the tool needs is not installed; the message names the fix."""


class NoQuestionsError(GuidedError):
    """A text to import holds nothing that reads as a reflection question; `left_out` says what it does hold."""

    def __init__(self, message: str, left_out: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.left_out = left_out


class SoundError(GuidedError):
    """A bell or background that cannot be made or decoded."""


class TTSError(GuidedError):
    """Speech could not be rendered."""


class OutputError(GuidedError):
    """An output file or folder that cannot be written."""


class UnreadableRecording(OutputError):
    """A recorded answer that cannot be decoded (empty, damaged, not audio): skipped, the others go on."""


class DeviceError(GuidedError):
    """No usable sound device."""


class ConfigError(GuidedError):
    """A configuration file or value that cannot be used."""


class FitError(GuidedError):
    """A session that cannot be fitted to the length asked for; `shortest` and `longest` are in seconds."""

    def __init__(self, message: str, shortest: float | None = None, longest: float | None = None) -> None:
        super().__init__(message)
        self.shortest = shortest
        self.longest = longest


class UsageError(GuidedError):
    """Options that do not go together; exits 2 like any other usage mistake."""

    exit_code = 2


class PracticeLogError(GuidedError):
    """The practice log cannot be read or changed (writing it never fails what is being logged)."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM from a service manager
    or `timeout`, SIGHUP from a closed terminal). A KeyboardInterrupt, so that every path that
    tidies up after Ctrl-C tidies up after it the same way; the run then exits 128 + `signum`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = int(signum)


class StorageError(OutputError):
    """Writing stopped part-way: the disk became full, or the folder unwritable. What was written
    before stays whole; `reason` says why in a few words ("the disk is full")."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class MicrophoneLost(DeviceError):
    """The microphone stopped giving sound in the middle of an answer (unplugged, or its stream failed)."""

# The signals that end a run like Ctrl-C; SIGHUP does not exist on Windows.
STOPPING = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                 if s is not None)
OTHERS = tuple(s for s in STOPPING if s != signal.SIGINT)


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


def install_stop_signals() -> None:
    """From now on SIGTERM and SIGHUP raise Terminated in the main thread."""
    for signum in OTHERS:
        signal.signal(signum, _raise_terminated)


def exit_status(stop: BaseException) -> int:
    """The exit status for a run ended by `stop`: 128 + the signal's number."""
    return 128 + (stop.signum if isinstance(stop, Terminated) else int(signal.SIGINT))


def describe_stop(stop: BaseException) -> str:
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
def stops_held():
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


def ignore_stops_in_worker() -> None:
    """For a worker process: a stop sent to the whole group is the parent's to act on; it tells the
    workers, so each one stops between two steps and removes its own files."""
    for s in STOPPING:
        signal.signal(s, signal.SIG_IGN)
