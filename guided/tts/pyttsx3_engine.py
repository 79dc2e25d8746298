"""The default engine: pyttsx3, which speaks through espeak-ng on Linux and the system voices elsewhere."""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import sys
import tempfile
import threading
import time
import wave
from importlib import metadata

import numpy as np

from ..errors import MissingDependencyError, NotFoundError, OutputError, TTSError
from . import VoiceInfo, quiet_stdout, trim_silence

FINISH_TIMEOUT_SECONDS = 30
_INSTALL_HINT = {
    "Linux": "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng libespeak-ng1)",
    "Darwin": "pyttsx3 uses the macOS system voices; reinstall with: pip install --force-reinstall pyttsx3 pyobjc",
    "Windows": "pyttsx3 uses the Windows SAPI5 voices; reinstall with: pip install --force-reinstall pyttsx3 pywin32",
}


def _driver():
    try:
        import pyttsx3
    except ImportError:
        raise MissingDependencyError("the pyttsx3 package is missing: pip install pyttsx3") from None
    said: list[str] = []
    try:
        with quiet_stdout(), _captured_stderr(said):
            engine = pyttsx3.init()
    except Exception as exc:  # pyttsx3 raises OSError, RuntimeError or ImportError when no speech library is found
        hint = _INSTALL_HINT.get(platform.system(), "install a speech engine that pyttsx3 supports")
        detail = f"{exc}; it said: {said[-1]}" if said else str(exc)
        raise MissingDependencyError(f"no text-to-speech engine is available ({detail}); {hint}") from None
    # The espeak driver prints "Audio saved to ..." from its own callback thread, which may outlive
    # a redirect of stdout; silence that module's print itself so stdout stays clean for --json.
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    module = sys.modules.get(type(driver).__module__) if driver is not None else None
    if module is not None:
        module.print = lambda *args, **kwargs: None
        if hasattr(module, "time"):
            # Its run loop naps 10 ms after every phrase, which is most of the cost of a phrase:
            # nap 0.5 ms instead (the loop still waits for the synthesis to finish).
            module.time = _ShortNaps()
    return engine


@contextlib.contextmanager
def _captured_stderr(lines: list[str]):
    """Keep a C library's own chatter on stderr (espeak-ng and its audio layer print some while they
    start) out of the user's one-line messages; what it said is added to `lines`."""
    sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        try:
            sink = stack.enter_context(tempfile.TemporaryFile())
            saved = os.dup(2)
        except OSError:  # nowhere to write, or no descriptor to spare: let it through
            saved = None
        if saved is None:
            yield
            return
        try:
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(line for line in sink.read().decode(errors="replace").splitlines() if line.strip())


class _ShortNaps:
    """Stands in for the `time` module inside the espeak driver: the same, with shorter sleeps."""

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, 0.0005))


class Pyttsx3Engine:
    name = "pyttsx3"

    def __init__(self, voice: str | None = None, rate_wpm: int = 135) -> None:
        self._engine = _driver()
        self.rate_wpm = rate_wpm
        if voice:
            known = {v.id: v for v in self.voices()}
            match = known.get(voice) or next(
                (v for v in known.values() if voice.lower() in (v.id.lower(), v.name.lower())), None
            )
            if match is None:
                raise NotFoundError(f"unknown voice {voice!r} for pyttsx3; 'guided voices' lists them")
            voice = match.id
            with quiet_stdout():
                self._engine.setProperty("voice", voice)
        with quiet_stdout():
            self._engine.setProperty("rate", rate_wpm)
            self._engine.setProperty("volume", 1.0)
            self.voice = voice or str(self._engine.getProperty("voice"))
        # The espeak driver's run loop can return before its synthesis thread has written the file;
        # the "finished-utterance" notice comes after the write, so that is what render waits for.
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda name=None, completed=True: self._finished.set())

    def identity(self) -> str:
        return f"pyttsx3 {metadata.version('pyttsx3')} {_backend_version()} voice={self.voice} rate={self.rate_wpm}"

    def voices(self) -> list[VoiceInfo]:
        with quiet_stdout():
            found = self._engine.getProperty("voices")
        return [
            VoiceInfo(
                engine=self.name,
                id=str(v.id),
                name=str(v.name),
                languages=tuple(str(x) for x in (v.languages or ())),
                gender=v.gender,
            )
            for v in found
        ]

    def render(self, text: str) -> tuple[np.ndarray, int]:
        try:
            fd, path = tempfile.mkstemp(suffix=".wav", prefix="guided-tts-")
        except OSError as exc:
            raise OutputError(f"cannot write in the temporary folder {tempfile.gettempdir()}: {exc.strerror or exc}") from None
        os.close(fd)
        # The espeak driver saves the file in a ctypes callback; an error there (a full disk) is not
        # raised to us but printed as a traceback, and the utterance never finishes. Catch it instead.
        failures: list[BaseException] = []
        previous_hook = sys.unraisablehook

        def unraisable(report) -> None:
            if str(getattr(report.object, "__module__", "")).startswith("pyttsx3"):
                failures.append(report.exc_value)
                self._finished.set()
            else:
                previous_hook(report)

        sys.unraisablehook = unraisable
        try:
            self._finished.clear()
            with quiet_stdout():
                self._engine.save_to_file(text, path)
                self._engine.runAndWait()
                finished = self._finished.wait(FINISH_TIMEOUT_SECONDS)
            if failures:
                raise _save_failure(failures[0], text)
            if not finished and not os.path.getsize(path):
                raise TTSError(f"the speech engine did not finish {text[:40]!r} within {FINISH_TIMEOUT_SECONDS}s")
            try:
                with wave.open(path, "rb") as f:
                    rate = f.getframerate()
                    channels = f.getnchannels()
                    width = f.getsampwidth()
                    data = f.readframes(f.getnframes())
            except (wave.Error, EOFError):
                # macOS and Windows voices may write AIFF or other containers: let ffmpeg decode them.
                rate, channels, width, data = self._decode_other(path, text)
            if width != 2:
                raise TTSError(f"the speech engine wrote {8 * width}-bit audio; expected 16-bit")
            samples = np.frombuffer(data, dtype="<i2")
            if channels > 1:
                samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
            return trim_silence(samples, rate), rate
        finally:
            sys.unraisablehook = previous_hook
            try:
                os.unlink(path)
            except OSError:
                pass


    def _decode_other(self, path: str, text: str) -> tuple[int, int, int, bytes]:
        from pydub import AudioSegment

        try:
            segment = AudioSegment.from_file(path).set_sample_width(2)
        except Exception as exc:  # pydub raises several types for undecodable files
            raise TTSError(f"the speech engine wrote no usable audio for {text[:40]!r}: {exc}") from None
        return segment.frame_rate, segment.channels, 2, segment.raw_data


def _save_failure(exc: BaseException, text: str) -> Exception:
    """What went wrong when the driver could not save a phrase: a full disk is said as such."""
    cause = exc.__context__ if isinstance(exc.__context__, OSError) else exc
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(
            f"the disk is full or the file is too large: the speech engine cannot write to "
            f"{tempfile.gettempdir()} ({cause.strerror}); free some space"
        )
    return TTSError(f"the speech engine could not speak {text[:40]!r}: {exc}")


def _backend_version() -> str:
    if platform.system() != "Linux":
        return platform.system()
    try:
        from pyttsx3.drivers import _espeak

        return "espeak-ng-" + (_espeak.Info(None) or b"?").decode(errors="replace").split()[0]
    except Exception:  # the version only refines the cache key; never fail over it
        return "espeak"
