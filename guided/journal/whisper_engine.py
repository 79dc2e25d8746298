"""The Whisper engine: faster-whisper, and a model folder loaded for one sitting.

A loaded model costs about 70 MB resident (tiny.en, int8) and twice that while it loads. A sitting
loads it once, the first time an answer is written down or a command heard, and shares it between
the two (`SharedModel`); when the sitting ends it is let go, so a process that lives on (the Python
API, `guided serve`) does not keep it. Nothing here caches a model for the whole process.

Memory freed by the engine is given back to the system (`give_back_memory`, glibc only). Each 30 s
window Whisper hears makes buffers of several megabytes in CTranslate2's worker threads; once numpy
has freed a large array, glibc serves such buffers from per-thread heaps, which it keeps: a sitting's
resident memory crept up window after window. With large buffers always mapped apart
(`M_MMAP_THRESHOLD` fixed at 4 MB) and the heaps trimmed after each piece of a transcript and each
command heard, it stays flat. Measured on a 259 s answer transcribed alone: peak 392 MB -> 325 MB,
for 1.1 s more system time (0.27 s a minute of answer; about 9 % more CPU).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import os
import sys
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


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MAPPED_APART = 4 << 20  # the encoder's largest buffers (its attention: 54 MB for tiny.en) and a window's features
_KEPT_AT_TOP = 32 << 20  # what a heap keeps free at its top between trims: no mapping back and forth in a window


@functools.lru_cache(maxsize=1)
def _glibc():
    """The C library when it is glibc (Linux), else None: elsewhere the allocator is left alone."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - raises AttributeError on musl and others
        return libc
    except (OSError, AttributeError):
        return None


@functools.lru_cache(maxsize=1)
def _map_large_buffers_apart() -> None:
    """Fix glibc's thresholds, which otherwise rise to the largest array freed (up to 32 MB), once a
    process: buffers of 4 MB and more are mapped on their own and go back to the system when freed."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _MAPPED_APART)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEPT_AT_TOP)


def give_back_memory() -> None:
    """Return what the engine freed to the system (glibc keeps freed memory in each thread's heap)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


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
    _map_large_buffers_apart()
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
            loaded, self._model = self._model is not None, None
        if loaded:  # let go, unless a transcript is still being written with it
            give_back_memory()

    def __enter__(self) -> SharedModel:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
