"""The default engine: pyttsx3, which speaks through espeak-ng on Linux and the system voices elsewhere."""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import MissingDependencyError, OutputError, TTSError
from ..paths import installed_version, libraries_kept_home
from . import VoiceInfo, espeak_driver, espeak_facts, quiet_stdout, trim_silence

if TYPE_CHECKING:  # numpy loads with the first phrase rendered
    import numpy as np

FINISH_TIMEOUT_SECONDS = 30
ESPEAK_SLOWEST, ESPEAK_FASTEST = 80, 450  # espeak-ng's own limits of its rate
ESPEAK_WORDGAP = 7  # espeak_PARAMETER espeakWORDGAP: pause between words, in 10 ms at the default rate
MAX_WORD_GAP = 12
SETTLE_SECONDS = 2.0
# The settings espeak-ng (or the system voice) holds now, for every engine object, and the pyttsx3
# engine that holds them: once every engine object is gone, pyttsx3 lets its engine go too, and the
# next one starts espeak-ng afresh, at its own default rate and voice.
_APPLIED: dict = {}
# (rate, word gap) settings measured once per voice to fit its pace model
# Seconds per word = a/rate + b + c·gap/rate for a voice not measured yet: espeak-ng's default
# English voice's model (its voices share one sense of rate, within about a tenth); elsewhere the
# system's rate taken at its word, in words a minute.
GENERAL_PACE = (47.07, 0.0168, 2.746)
OTHER_PACE = (60.0, 0.0)
CALIBRATION_POINTS = [(80, 0), (110, 0), (150, 0), (220, 0), (80, 3), (80, 7), (110, 5)]
# Then measured along the rate (no gap) and the gap (at the slowest rate), where the line is corrected:
# densest where meditations are spoken (80 to 140 words a minute and their phrases' own settings).
RATE_KNOTS = (80, 81, 82, 84, 88, 92, 96, 100, 105, 110, 116, 123, 131, 140, 152, 170, 200, 250, 320, 450)
GAP_KNOTS = (0, 1, 2, 3, 4, 6, 8, 10, 12)
_INSTALL_HINT = {
    "Linux": "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng libespeak-ng1)",
    "Darwin": "pyttsx3 uses the macOS system voices; reinstall with: pip install --force-reinstall pyttsx3 pyobjc",
    "Windows": "pyttsx3 uses the Windows SAPI5 voices; reinstall with: pip install --force-reinstall pyttsx3 pywin32",
}


def _search(seconds: Callable[[int, int], float], wanted: float) -> tuple[int, int]:
    """espeak-ng's rate and word gap whose `seconds(rate, gap)` comes nearest `wanted`: the rate
    alone while it can (seconds fall as the rate rises), a gap between words only when even the
    slowest rate is too quick."""
    for gap in range(MAX_WORD_GAP + 1):
        if seconds(ESPEAK_SLOWEST, gap) < wanted:
            continue  # too quick even at the slowest rate: a longer gap between words
        low, high = ESPEAK_SLOWEST, ESPEAK_FASTEST
        if seconds(high, gap) >= wanted:
            return high, gap
        while high - low > 1:
            middle = (low + high) // 2
            if seconds(middle, gap) >= wanted:
                low = middle
            else:
                high = middle
        return (low if seconds(low, gap) - wanted <= wanted - seconds(high, gap) else high), gap
    return ESPEAK_SLOWEST, MAX_WORD_GAP


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
    espeak_driver.correct(engine)  # its text size, print and naps (see espeak_driver)
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


class Pyttsx3Engine:
    """pyttsx3, at a pace calibrated for the voice (see tts/pace.py): with espeak-ng, its rate and,
    below its slowest rate, a gap between words; elsewhere the system voice's rate alone."""

    name = "pyttsx3"

    def __init__(self, voice: str | None = None, rate_wpm: int = 120) -> None:
        self.rate_wpm = rate_wpm
        self._engine = None
        self._espeak = None
        self._driver = None
        self._load_lock = threading.Lock()
        # The espeak driver's run loop can return before its synthesis thread has written the file;
        # the "finished-utterance" notice comes after the write, so that is what render waits for.
        self._finished = threading.Event()
        self._completed = True
        known = None if voice else espeak_facts.known_default_voice()
        if known is not None:
            # A warm start: espeak-ng's default voice is remembered for this pyttsx3 and espeak-ng, so
            # the identity (and every cached clip) is known without starting espeak-ng, which is
            # slow to start and only needed to speak a phrase that is not cached.
            self.voice, self._base = known
            self._by_espeak = True
        else:
            self._load()
            self._by_espeak = self._espeak is not None
            if voice:
                from .voices import matching, unknown_voice

                known_voices = self.voices()
                match = matching(voice, known_voices)
                if match is None:
                    raise unknown_voice(voice, known_voices, self.name)
                voice = match.id
                with quiet_stdout():
                    self._engine.setProperty("voice", voice)
            with quiet_stdout():
                self.voice = voice or str(self._engine.getProperty("voice"))
            self._base = f"pyttsx3 {installed_version('pyttsx3')} {espeak_facts.backend_version()} voice={self.voice}"
            if not voice and self._by_espeak:
                espeak_facts.remember_default_voice(self.voice)
        self._pace = None  # the voice's pace (tts/pace.py), as known when first asked
        self._settings_by_text: dict[str, tuple[int, int]] = {}
        self.speed, self.word_gap = self._settings_for(rate_wpm)
        self._refinement = None  # corrects an estimated pace from the phrases rendered
        if not self.pace.settled:
            from . import pace

            self._refinement = pace.Refinement(self._base, self.pace)

    @property
    def started(self) -> bool:
        """Whether the driver (espeak-ng) is running: only once a phrase had to be spoken."""
        return self._engine is not None

    def _load(self):
        """Start the driver (espeak-ng on Linux) the first time a phrase must really be spoken."""
        with self._load_lock:
            if self._engine is None:
                with libraries_kept_home():
                    engine = _driver()
                proxy_driver = getattr(getattr(engine, "proxy", None), "_driver", None)
                # espeak-ng is driven directly: pyttsx3 queues property changes, and a second engine
                # in the same process was heard keeping the first one's rate.
                self._espeak = sys.modules.get("pyttsx3.drivers._espeak") \
                    if type(proxy_driver).__name__ == "EspeakDriver" else None
                self._driver = proxy_driver
                with quiet_stdout():
                    engine.setProperty("volume", 1.0)

                def finished(name=None, completed=True) -> None:
                    self._completed = bool(completed)
                    self._finished.set()

                engine.connect("finished-utterance", finished)
                self._engine = engine
        return self._engine

    # pace ---------------------------------------------------------------------------------------
    @property
    def pace(self):
        """The voice's pace model as known when this engine was made (tts/pace.py): never measured
        here, so a first session speaks at once."""
        if self._pace is None:
            from . import pace

            self._pace = pace.known(self._base, pace.PaceModel(GENERAL_PACE if self._by_espeak else OTHER_PACE))
        return self._pace

    def _features(self, speed: float, gap: float) -> tuple[float, ...]:
        return (1 / speed, 1.0, gap / speed) if self._by_espeak else (1 / speed, 1.0)

    def _spw(self, speed: float, gap: float) -> float:
        """Seconds per word at these settings, by the voice's pace model."""
        return self.pace.model.seconds_per_word(self._features(speed, gap), {"rate": speed, "gap": gap})

    def _settings_for(self, wpm: float) -> tuple[int, int]:
        """The engine's rate and word gap that give `wpm` words a minute, from the voice's pace model:
        the rate alone while it can, a gap between words only below espeak-ng's slowest rate."""
        wanted = 60.0 / wpm
        if not self._by_espeak:
            a, b = (self.pace.model.coefficients + (0.0,))[:2]
            room = wanted - b
            return int(round(min(max(a / room if room > 0 else float("inf"), 1.0), ESPEAK_FASTEST))), 0
        return _search(self._spw, wanted)

    def _phrase_seconds(self, text: str, speed: int, gap: int, letter_times: float | None = None) -> float:
        from . import pace

        return pace.phrase_seconds(self.pace.model, self._features(speed, gap), text, {"rate": speed, "gap": gap},
                                   per_word=(2,) if self._by_espeak else (), letter_times=letter_times)

    def settings_for_text(self, text: str) -> tuple[int, int]:
        """The rate and word gap that say `text` in its words at rate_wpm words a minute (tts/pace.py,
        text_factor), within the factor's limits of the session's own setting."""
        found = self._settings_by_text.get(text)
        if found is None:
            found = self._settings_by_text[text] = self._settings_found(text)
            if len(self._settings_by_text) > 4096:  # a long session's phrases, not a process's every phrase
                self._settings_by_text.pop(next(iter(self._settings_by_text)))
        return found

    def _settings_found(self, text: str) -> tuple[int, int]:
        from . import pace

        words = len(text.split())
        if not self._by_espeak or words == 0:
            return self._settings_for(self.rate_wpm * pace.text_factor(text))
        letter_times = pace.letters(text)  # the same for every setting tried
        found = _search(lambda speed, gap: self._phrase_seconds(text, speed, gap, letter_times),
                        words * 60.0 / self.rate_wpm)
        low, high = pace.TEXT_FACTOR_LIMITS
        own = 60.0 / self._spw(*found)  # the setting's pace on the calibration text's words
        if own < self.rate_wpm * low:
            return self._settings_for(self.rate_wpm * low)
        if own > self.rate_wpm * high:
            return self._settings_for(self.rate_wpm * high)
        return found

    def measure_pace(self) -> None:
        """Measure the voice's pace now and keep it (a few seconds): `guided voices --measure`."""
        from . import pace

        pace.remember_measured(self._base, self._measure)
        self._pace = None
        self._settings_by_text.clear()
        self.speed, self.word_gap = self._settings_for(self.rate_wpm)
        self._refinement = None

    def _measure(self):
        """Seconds per word on the calibration text at a few settings, fitted to a/rate + b + c·gap/rate;
        with espeak-ng, then measured along its rate (no gap) and along the gap (at its slowest rate),
        where it departs from that line, and corrected there."""
        from . import pace

        points = CALIBRATION_POINTS if self._by_espeak else [(r, 0) for r, _ in CALIBRATION_POINTS[:4]]
        # espeak-ng's own command runs the same library with the same voice, one setting a process:
        # measured so, the pace does not depend on what this process set before (it can, in-process).
        binary = shutil.which("espeak-ng") if self._by_espeak else None
        render = (lambda text, s, g: _espeak_command(binary, self.voice, text, s, g)) if binary else self._render_at

        def measured(speed: int, gap: int) -> float:
            return pace.seconds_per_word(lambda text: render(text, speed, gap))

        model = pace.fit([(self._features(speed, gap), measured(speed, gap)) for speed, gap in points])
        if not self._by_espeak:
            return model
        along_rate = [(speed, measured(speed, 0), model.seconds_per_word(self._features(speed, 0)))
                      for speed in RATE_KNOTS]
        model = pace.corrected(model, "rate", along_rate)
        slowest = ESPEAK_SLOWEST
        along_gap = [(gap, measured(slowest, gap), model.seconds_per_word(self._features(slowest, gap), {"rate": slowest}))
                     for gap in GAP_KNOTS]
        return pace.corrected(model, "gap", along_gap)

    def identity(self) -> str:
        from . import pace

        # Each phrase's setting follows from the model, the rate and the phrase: the model's tag
        # makes the key exact.
        return f"{self._base} rate={self.speed} gap={self.word_gap} wpm={self.rate_wpm} pace={pace.tag(self.pace.model)}"

    def expected_seconds(self, text: str) -> float:
        """How long `text` will take, by the voice's pace model: for estimating unrendered phrases."""
        return self._phrase_seconds(text, *self.settings_for_text(text))

    def seconds_per_word(self) -> float:
        """What the voice's pace model says these settings give (whole settings only come near the
        pace asked for): for estimating phrases not yet rendered."""
        return self._spw(self.speed, self.word_gap)

    def voices(self) -> list[VoiceInfo]:
        return _voices_of(self._load())

    def render(self, text: str) -> tuple[np.ndarray, int]:
        samples, rate = self._render_at(text, *self.settings_for_text(text))
        if self._refinement is not None:
            self._refinement.observe(text, len(samples) / rate, self.expected_seconds(text))
        return samples, rate

    def _apply(self, speed: int, gap: int) -> bool:
        """Set the voice, rate and word gap when they differ from what the library is set to now (one
        espeak-ng per process, shared by every engine object); True when anything changed."""
        wanted = (self.voice, int(speed), int(gap))
        holder = _APPLIED.get("engine")
        if holder is None or holder() is not self._engine:
            _APPLIED.clear()  # a new pyttsx3 engine: it holds nothing of ours yet
        if _APPLIED.get("settings") == wanted:
            return False
        if self._espeak is not None:
            if _APPLIED.get("settings", (None,))[0] != self.voice:
                self._driver.setProperty("voice", self.voice)
            self._espeak.SetParameter(self._espeak.RATE, int(speed), 0)
            self._espeak.SetParameter(ESPEAK_WORDGAP, int(gap), 0)
        else:
            self._engine.setProperty("voice", self.voice)
            self._engine.setProperty("rate", int(speed))
        _APPLIED["settings"] = wanted
        _APPLIED["engine"] = weakref.ref(self._engine)
        return True

    def _render_at(self, text: str, speed: int, gap: int) -> tuple[np.ndarray, int]:
        self._load()
        with quiet_stdout():
            changed = self._apply(speed, gap)
        if changed:
            # Seen with espeak-ng: the first phrase after a change of settings can come back empty
            # or at the old pace. A throwaway syllable takes that phrase's place.
            self._synthesise("Ah.")
        return self._synthesise(text)

    def _settle(self) -> None:
        """Wait for espeak-ng to finish the tail of the last phrase. pyttsx3's runAndWait first calls
        the driver's stop(), which, while espeak-ng still reports itself playing, marks the driver as
        stopping, and the new phrase is then cancelled part-way: clips were seen cut short or empty."""
        if self._espeak is None:
            return
        deadline = time.monotonic() + SETTLE_SECONDS
        while self._espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.002)
        self._driver._stopping = False  # pyttsx3's own flag: nothing of ours is being stopped

    def _synthesise(self, text: str) -> tuple[np.ndarray, int]:
        import numpy as np

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
            self._settle()
            with quiet_stdout():
                self._engine.save_to_file(text, path)
                self._engine.runAndWait()
                finished = self._finished.wait(FINISH_TIMEOUT_SECONDS)
            if finished and not self._completed:
                # The driver cancelled the phrase (see _settle): what was saved is cut short.
                return np.zeros(0, dtype=np.int16), 22050
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


def _espeak_command(binary: str, voice: str, text: str, speed: int, gap: int) -> tuple[np.ndarray, int]:
    """One phrase through the espeak-ng command, trimmed like every rendered phrase."""
    import io

    import numpy as np

    try:
        done = subprocess.run([binary, "-v", voice, "-s", str(speed), "-g", str(gap), "--stdout", text],
                              capture_output=True, check=True, timeout=60)
        with wave.open(io.BytesIO(done.stdout)) as f:
            rate = f.getframerate()
            samples = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
        raise TTSError(f"espeak-ng could not speak the calibration text: {exc}") from None
    return trim_silence(samples, rate), rate


def _save_failure(exc: BaseException, text: str) -> Exception:
    """What went wrong when the driver could not save a phrase: a full disk is said as such."""
    cause = exc.__context__ if isinstance(exc.__context__, OSError) else exc
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(
            f"the disk is full or the file is too large: the speech engine cannot write to "
            f"{tempfile.gettempdir()} ({cause.strerror}); free some space"
        )
    return TTSError(f"the speech engine could not speak {text[:40]!r}: {exc}")


def _voices_of(driver) -> list[VoiceInfo]:
    with quiet_stdout():
        found = driver.getProperty("voices")
    return [
        VoiceInfo(
            engine=Pyttsx3Engine.name,
            id=str(v.id),
            name=str(v.name),
            languages=tuple(str(x) for x in (v.languages or ())),
            gender=v.gender,
        )
        for v in found
    ]


def system_voices() -> tuple[list[VoiceInfo], str]:
    """The voices pyttsx3 offers, and the id of the one it speaks with unless told: without making
    an engine, which would measure the default voice's pace the first time."""
    driver = _driver()
    with quiet_stdout():
        spoken = str(driver.getProperty("voice"))
    return _voices_of(driver), spoken
