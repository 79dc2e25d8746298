"""Makes shared libraries look uninstalled, for tests of what a user without them sees.

Put this folder on PYTHONPATH and name the libraries in GUIDED_TEST_HIDE (comma-separated parts
of their names, e.g. "espeak" or "espeak,portaudio"): loading any library whose name contains one
of them through ctypes fails as if it were missing, and ctypes.util.find_library finds nothing for
it. pyttsx3 loads libespeak-ng through ctypes; sounddevice finds PortAudio with find_library.
Nothing in the package itself knows about this: it is the machine that changes, not the code.
"""

import ctypes
import ctypes.util
import os

_hidden = [part.strip().lower() for part in os.environ.get("GUIDED_TEST_HIDE", "").split(",") if part.strip()]


def _is_hidden(name) -> bool:
    return bool(name) and any(part in str(name).lower() for part in _hidden)


if _hidden:
    _real_init = ctypes.CDLL.__init__
    _real_find = ctypes.util.find_library

    def _init(self, name, *args, **kwargs):
        if _is_hidden(name):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        _real_init(self, name, *args, **kwargs)

    def _find(name):
        return None if _is_hidden(name) else _real_find(name)

    ctypes.CDLL.__init__ = _init
    ctypes.util.find_library = _find
