"""Keys in a terminal, mpv-like: the only place that knows about termios. Without a terminal there
are no keys, and playback simply runs."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

HELP = "space pause · ←/→ section · +/- volume · q quit"


@contextlib.contextmanager
def key_reader(on_key):
    """Call `on_key(name)` for each key pressed while inside; a no-op without a terminal."""
    if not sys.stdin.isatty() or os.name != "posix":
        yield False
        return
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    done = threading.Event()

    def loop() -> None:
        pending = b""
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            pending += os.read(fd, 32)
            while pending:
                name, pending = _decode(pending)
                if name is None:
                    break
                on_key(name)

    try:
        tty.setcbreak(fd)
        thread = threading.Thread(target=loop, name="guided-keys", daemon=True)
        thread.start()
        yield True
    finally:
        done.set()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


_SEQUENCES = {b"\x1b[C": "right", b"\x1b[D": "left", b"\x1b[A": "up", b"\x1b[B": "down"}


def _decode(data: bytes) -> tuple[str | None, bytes]:
    for sequence, name in _SEQUENCES.items():
        if data.startswith(sequence):
            return name, data[len(sequence):]
    if data.startswith(b"\x1b") and len(data) < 3:
        return None, data  # the rest of an arrow key is on its way
    char = data[:1].decode(errors="ignore")
    return {" ": "space", "\x1b": "escape"}.get(char, char), data[1:]


def apply(controls, key: str) -> None:
    """What each key does."""
    if key in ("space", "p"):
        controls.toggle_pause()
    elif key in ("right", "n"):
        controls.next_section()
    elif key in ("left", "b"):
        controls.previous_section()
    elif key in ("+", "=", "up", "0"):
        controls.change_volume(+2.0)
    elif key in ("-", "_", "down", "9"):
        controls.change_volume(-2.0)
    elif key in ("q", "Q", "escape"):
        controls.stop()
