"""The one family of errors a user can meet, each turned into a single line at the CLI's edge."""

from __future__ import annotations


class GuidedError(Exception):
    """A problem the user can understand and fix; the message is one line and says how."""

    exit_code = 1


class ScriptError(GuidedError):
    """A script that does not follow the script language; the message starts with FILE:LINE:COL."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
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


class PaceNotMeasured(TTSError):
    """A voice's pace is not known yet and measuring it was not allowed (a listing estimates instead)."""


class OutputError(GuidedError):
    """An output file or folder that cannot be written."""


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
