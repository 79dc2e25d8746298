"""The Whisper engine: faster-whisper, and a model folder loaded for one sitting.

A loaded model costs about 70 MB resident (tiny.en, int8) and twice that while it loads. A sitting
loads it once, the first time an answer is written down or a command heard, and shares it between
the two (`SharedModel`); when the sitting ends it is let go, so a process that lives on (the Python
API, `guided serve`) does not keep it. Nothing here caches a model for the whole process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Callable

from ..errors import GuidedError, MissingDependencyError
from ..paths import installed_version, libraries_kept_home
from .whisper_models import ModelFolder

COMPUTE_TYPE = "int8"  # explicit: measured 4-7x real time for tiny.en on two cores, ~70 MB of weights
INSTALL_HINT = "pip install 'guided[transcribe]'"


def engine_available() -> bool:
    """Whether faster-whisper is installed, without importing it (that loads CTranslate2)."""
    try:
        return importlib.util.find_spec("faster_whisper") is not None
    except (ImportError, ValueError):
        return False


def engine_version() -> str | None:
    return installed_version("faster-whisper")


def load_whisper(model: ModelFolder, threads: int, callers: int = 1):
    """A faster-whisper model of this folder, freshly loaded: `threads` cores for each call and up
    to `callers` calls at once (CTranslate2's workers; they share one copy of the weights)."""
    if not engine_available():
        raise MissingDependencyError(f"transcription is not installed: {INSTALL_HINT}")
    with libraries_kept_home():
        from faster_whisper import WhisperModel

        # faster-whisper imports onnxruntime only when its voice filter first runs, in the
        # middle of a transcript: imported here, its files land in guided's folder too.
        with contextlib.suppress(ImportError):
            import onnxruntime  # noqa: F401
    for compute_type in (COMPUTE_TYPE, "float32"):
        try:
            # A folder path, and local files only: nothing here may reach the network.
            return WhisperModel(str(model.path), device="cpu", compute_type=compute_type, cpu_threads=threads,
                                num_workers=callers, local_files_only=True)
        except ValueError:  # a processor without fast int8: slower, but it works
            continue
        except Exception as exc:  # CTranslate2 raises plain RuntimeErrors for a damaged model
            raise GuidedError(f"cannot load the Whisper model in {model.path}: {exc}") from None
    raise GuidedError(f"cannot load the Whisper model in {model.path} on this processor")


class SharedModel:
    """One Whisper model for one sitting (or one `guided transcribe`): loaded on first use, by
    whichever thread needs it first, then shared by every user; `close` lets it go (a `with` block
    does it at its end). `callers` is how many threads may write down at once (a sitting: its
    answers in the background and a spoken command at the same moment, never one behind the
    other); faster-whisper's models may be called from that many threads together."""

    def __init__(self, folder: ModelFolder, threads: int | None = None, callers: int = 1,
                 loader: Callable[..., object] | None = None) -> None:
        self.folder = folder
        self.threads = threads or os.cpu_count() or 1
        self.callers = callers
        self._loader = loader or load_whisper
        self._model = None
        self._closed = False
        self._lock = threading.Lock()

    def get(self):
        """The faster-whisper model, loaded now if it is not yet. After `close`: a GuidedError, so a
        job left over from an ended sitting never loads a model that nothing would let go."""
        with self._lock:
            if self._closed:
                raise GuidedError("the Whisper model was let go: its sitting has ended")
            if self._model is None:
                self._model = self._loader(self.folder, self.threads, self.callers)
            return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def close(self) -> None:
        """Let the model go. A transcript still being written keeps it until that one is done."""
        with self._lock:
            self._closed = True
            self._model = None

    def __enter__(self) -> SharedModel:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
