"""Rendered phrases as the mixer reads them: decoded from the clip cache and resampled to the
session's rate, a few at a time, so the mixer's working set stays small however long the session."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from ..dsp.samples import resample
from ..tts.cache import Clip, ClipCache


class ClipSamples:
    """Decoded clips at the session's rate, a few at a time: the mixer's working set stays small."""

    def __init__(self, cache: ClipCache, keep: int = 16) -> None:
        self.cache = cache
        self.keep = keep
        self._decoded: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, clip: Clip) -> np.ndarray:
        with self._lock:
            found = self._decoded.get(clip.key)
            if found is not None:
                self._decoded.move_to_end(clip.key)
                return found
        samples = self.cache.samples(clip).astype(np.float32) / 32768.0
        if clip.native_rate != clip.rate:
            samples = resample(samples, clip.native_rate, clip.rate)
        with self._lock:
            self._decoded[clip.key] = samples
            while len(self._decoded) > self.keep:
                self._decoded.popitem(last=False)
        return samples
