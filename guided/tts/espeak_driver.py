"""Corrections to pyttsx3's espeak-ng driver, applied once to its modules when an engine starts.

- **The text's size.** pyttsx3 hands espeak_Synth the text with a size of ten times its length. In
  the asynchronous mode pyttsx3 starts espeak-ng in, espeak-ng copies `size` bytes from the text, so
  it reads past the end of the buffer; most of the time into other memory, but when the text ends
  just before memory that cannot be read, the process dies of a segmentation fault (seen about once
  in forty first plays, while speech renders in a thread beside the player). The size given here is
  the text's own, with its closing NUL: the same phrase, read within its bounds.
- **Its print.** The driver prints "Audio saved to ..." from espeak-ng's callback thread, which may
  outlive a redirect of stdout; silenced in that module itself so stdout stays clean for --json.
- **Its naps.** Its run loop naps 10 ms after every phrase, most of the cost of a short phrase; it
  naps 0.5 ms instead (the loop still waits for the synthesis to finish).
"""

from __future__ import annotations

import sys
import time


def correct(engine) -> None:
    """Apply the corrections to the driver module behind a pyttsx3 `engine` (any driver; only
    espeak-ng's has a text size to correct)."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    module = sys.modules.get(type(driver).__module__) if driver is not None else None
    if module is None:
        return
    module.print = lambda *args, **kwargs: None
    if hasattr(module, "time"):
        module.time = _ShortNaps()
    library = getattr(module, "_espeak", None)
    if library is not None and hasattr(library, "cSynth") and not getattr(library.Synth, "bounded", False):
        library.Synth = _bounded_synth(library)


def _bounded_synth(library):
    """espeak_Synth as pyttsx3's wrapper calls it, with the size of the text it is given."""

    def synth(text, position=0, position_type=library.POS_CHARACTER, end_position=0, flags=0, user_data=None):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        # ctypes passes bytes as a NUL-terminated buffer: len(data) + 1 bytes can be read.
        return library.cSynth(data, len(data) + 1, position, position_type, end_position, flags, None, user_data)

    synth.bounded = True
    return synth


class _ShortNaps:
    """Stands in for the `time` module inside the espeak driver: the same, with shorter sleeps."""

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, 0.0005))
