"""espeak-ng through pyttsx3 is told the true size of each text it speaks: pyttsx3 says ten times
its length, and espeak-ng, in the asynchronous mode pyttsx3 starts it in, copies that many bytes, so
a text that ends just before memory that cannot be read killed the process (SIGSEGV, about one
first play in forty while speech rendered beside the player)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ..conftest import needs

pytestmark = [needs("espeak-ng")]


def test_every_text_espeak_ng_is_given_is_read_within_its_own_bytes():
    from pyttsx3.drivers import _espeak

    from guided.tts.pyttsx3_engine import Pyttsx3Engine

    engine = Pyttsx3Engine(rate_wpm=120)
    engine.voices()  # started: the driver is corrected
    calls = []
    real = _espeak.cSynth

    def recording(text, size, *rest):
        calls.append((len(text), size))
        return real(text, size, *rest)

    _espeak.cSynth = recording
    try:
        samples, _ = engine.render("Let both feet rest flat on the floor.")
    finally:
        _espeak.cSynth = real
    assert len(samples) > 0
    assert calls, "espeak_Synth was not called"
    for length, size in calls:
        assert size <= length + 1  # the text and its closing NUL, no further


def test_a_text_that_ends_right_before_unreadable_memory_is_spoken_without_a_crash():
    # The text is put at the very end of a readable page, the next page cannot be read: espeak-ng
    # must not read past it. Run apart: a segmentation fault would end the test process.
    child = textwrap.dedent("""
        import ctypes, mmap
        from pyttsx3.drivers import _espeak
        from guided.tts.pyttsx3_engine import Pyttsx3Engine
        Pyttsx3Engine(rate_wpm=120).voices()
        page = mmap.PAGESIZE
        libc = ctypes.CDLL(None)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        base = libc.mmap(None, 2 * page, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        assert libc.mprotect(ctypes.c_void_p(base + page), page, 0) == 0
        text = b"Hello there."
        at = base + page - (len(text) + 1)
        ctypes.memmove(at, text + b"\\0", len(text) + 1)
        real = _espeak.cSynth
        _espeak.cSynth = lambda data, size, *rest: real(ctypes.c_char_p(at), size, *rest)  # same size, that buffer
        print(_espeak.Synth(text, flags=_espeak.CHARS_UTF8), flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.strip() == "0"
