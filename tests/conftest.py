"""Shared fixtures: a private GUIDED_HOME for every test, a fake engine for fast timing tests (and the
seam that makes prepared sessions speak with it), and a fake sound card that plays as fast as it is fed."""

from __future__ import annotations

import os
import shutil
import signal
import threading

import numpy as np
import pytest
from hypothesis import settings

# Property tests and fuzzing run a fixed budget of examples from a fixed seed by default, so CI
# is repeatable: the same inputs every run. GUIDED_FUZZ=explore draws new ones at every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("GUIDED_FUZZ", "ci"))

# A suite started in the background by a non-interactive shell inherits SIGINT ignored, and every
# command it starts would inherit that too (Python then keeps ignoring Ctrl-C, as it should). The
# Ctrl-C tests need SIGINT delivered as a terminal delivers it: the default, in pytest and below.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _speaks_of(word: str, session) -> bool:
    """Whether a test module collected in this run mentions `word` (an engine it may use)."""
    import inspect

    modules = {getattr(item, "module", None) for item in session.items} - {None}
    for module in modules:
        try:
            if word in inspect.getsource(module):
                return True
        except (OSError, TypeError):
            return True  # cannot tell: measure
    return False


@pytest.fixture(scope="session")
def pace_memo(tmp_path_factory, request) -> bytes | None:
    """Each voice's pace, measured once for the whole run (guided keeps it in the cache folder;
    every test has a cache of its own, so without this each would measure again). Piper's takes
    a minute or more on a busy machine: it is measured only when a test module of the run
    mentions Piper (one that uses it without saying so measures it itself, slower but right)."""
    home = tmp_path_factory.mktemp("pace-home")
    saved = os.environ.get("GUIDED_HOME")
    os.environ["GUIDED_HOME"] = str(home)
    try:
        from guided.errors import GuidedError
        from guided.tts import make_engine
        from guided.tts.piper_engine import installed_voices, piper_available

        for engine in ("pyttsx3", "piper"):
            if engine == "piper" and not (_speaks_of("piper", request.session) and piper_available()
                                          and installed_voices()):
                continue
            try:
                make_engine(engine).measure_pace()  # once for the run, as `guided voices --measure`
            except GuidedError:
                pass  # that engine is missing here; its own tests say so
    finally:
        if saved is None:
            os.environ.pop("GUIDED_HOME", None)
        else:
            os.environ["GUIDED_HOME"] = saved
    memo = home / "cache" / "pace.json"
    return memo.read_bytes() if memo.is_file() else None


@pytest.fixture(autouse=True)
def guided_home(tmp_path_factory, monkeypatch, pace_memo):
    """Every test gets its own user state, far from the real home (with the voices' pace measured)."""
    home = tmp_path_factory.mktemp("guided-home")
    monkeypatch.setenv("GUIDED_HOME", str(home))
    if pace_memo is not None:
        (home / "cache").mkdir()
        (home / "cache" / "pace.json").write_bytes(pace_memo)
    # The quick engine unless a test asks for another: Piper's tests choose it with --engine.
    monkeypatch.setenv("GUIDED_ENGINE", "pyttsx3")
    return home


class FakeEngine:
    """Speaks each word as 0.25 s of a quiet tone: lengths are predictable and rendering is instant."""

    name = "fake"
    native_rate = 22050

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def identity(self) -> str:
        return "fake 1"

    def render(self, text: str) -> tuple[np.ndarray, int]:
        self.rendered.append(text)
        frames = len(text.split()) * self.native_rate // 4
        t = np.arange(frames) / self.native_rate
        return (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), self.native_rate

    def voices(self):
        return []


@pytest.fixture
def fake_engine():
    return FakeEngine()


@pytest.fixture
def speak_with(monkeypatch):
    """`speak_with(engine)`: every session this test prepares speaks with `engine`, whatever engine,
    voice or rate it asks for. Returns the engine."""
    import guided.session.prepared as session_module

    def use(engine):
        monkeypatch.setattr(session_module, "make_engine", lambda *args, **kwargs: engine)
        return engine

    return use


@pytest.fixture
def fake_voice(fake_engine, speak_with):
    """Every session this test prepares speaks with the fake engine (the same `fake_engine`)."""
    return speak_with(fake_engine)


class FastCard:
    """sounddevice with one output device that takes every buffer as soon as it is filled (like ALSA's
    file plugin): a stream's callback runs in a thread of its own until it raises CallbackStop."""

    class CallbackStop(Exception):
        pass

    class PortAudioError(Exception):
        pass

    def OutputStream(self, *, callback, finished_callback, blocksize, channels, **kwargs):  # noqa: N802
        card = self

        class Stream:
            def __enter__(self):
                self.stop = False

                def run():
                    while not self.stop:
                        out = np.zeros((blocksize, channels), dtype=np.float32)
                        try:
                            callback(out, blocksize, None, None)
                        except card.CallbackStop:
                            break
                    finished_callback()

                self.thread = threading.Thread(target=run, daemon=True)
                self.thread.start()
                return self

            def __exit__(self, *exc):
                self.stop = True
                self.thread.join()

        return Stream()


@pytest.fixture
def fast_sound_card(monkeypatch):
    """The player's sound card is a FastCard: no sound hardware, and playing takes no longer than mixing."""
    import guided.play.player as player_module

    card = FastCard()
    monkeypatch.setattr(player_module, "import_sounddevice", lambda: card)
    return card


def needs(*programs: str):
    missing = [p for p in programs if shutil.which(p) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


@pytest.fixture
def sound_home(tmp_path):
    """A HOME whose ALSA default device writes what it plays to played.raw (and records from an
    empty mic.raw): real PortAudio, real ALSA, no sound card needed."""
    home = tmp_path / "alsa-home"
    home.mkdir()
    (home / "mic.raw").write_bytes(b"")
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{home}/played.raw" infile "{home}/mic.raw" format "raw" }}\n'
    )
    return home
