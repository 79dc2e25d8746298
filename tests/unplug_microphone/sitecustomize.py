"""Unplugs the microphone part-way, for tests of a sitting whose input stream fails.

Put this folder on PYTHONPATH and set GUIDED_TEST_UNPLUG_AFTER to a number of seconds (at
44.1 kHz): once that much has been read from input streams in all, the next read raises
PortAudio's error for a device gone ("Unanticipated host error"), once; streams opened after it
work again, as a microphone plugged back in would.
"""

import importlib.abc
import importlib.util
import os
import sys

_after = os.environ.get("GUIDED_TEST_UNPLUG_AFTER")


def _unplug(sd) -> None:
    read = sd.InputStream.read
    limit = int(float(_after) * 44100)
    state = {"frames": 0, "done": False}

    def unplugged(self, frames):
        if not state["done"] and state["frames"] + frames > limit:
            state["done"] = True
            raise sd.PortAudioError("Unanticipated host error", -9999)
        state["frames"] += frames
        return read(self, frames)

    sd.InputStream.read = unplugged


class _Patch(importlib.abc.MetaPathFinder):
    """Patches sounddevice when (and only if) the run imports it."""

    def find_spec(self, name, path=None, target=None):
        if name != "sounddevice":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _unplug(module)

        spec.loader.exec_module = exec_module
        return spec


if _after:
    sys.meta_path.insert(0, _Patch())
