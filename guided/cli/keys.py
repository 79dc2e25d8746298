"""Keys in a terminal, mpv-like: the only place that knows about termios. Without a terminal there
are no keys, and playback simply runs; a job started in the background (`&`) leaves them to the shell.

A `Keyboard` reads keys from the moment a command starts to its end: what was typed before it
started is thrown away (it was meant for the shell, or typed too early), nothing is echoed over the
display, and for a typed answer the terminal gets its own line editing back for as long as the
answer takes."""

from __future__ import annotations

import contextlib
import os
import sys
import threading


class Keyboard:
    """Calls `on_key(name)` for each key pressed inside `with Keyboard(on_key):` (a thread reads them);
    `active` says whether there is a terminal to read. Ctrl-C keeps raising KeyboardInterrupt."""

    def __init__(self, on_key) -> None:
        self.on_key = on_key
        self.active = False
        self.flushed = False  # keys typed before the start were thrown away
        self._fd = -1
        self._saved = None
        self._done = threading.Event()
        self._turn = threading.Condition()
        self._hold = False  # a typed answer owns the keys
        self._idle = False  # the reading thread has let go of them
        self._thread: threading.Thread | None = None
        self._pending = b""  # the start of a key whose rest is still to come

    def __enter__(self) -> Keyboard:
        if not sys.stdin.isatty() or os.name != "posix":
            return self
        import termios
        import tty

        self._fd = sys.stdin.fileno()
        if _in_background(self._fd):  # `guided play -q &`: SIGTTOU would stop it at the first termios call
            return self
        self._saved = termios.tcgetattr(self._fd)
        # Keys typed before the start (the next shell command, an impatient space) are not meant
        # for this session: they would pause it or change its volume the moment it began.
        tty.setcbreak(self._fd, termios.TCSANOW)  # a key at a time, no echo; Ctrl-C still signals
        # (Counted once a key at a time: a line editor shows no half-typed line as pending.)
        self.flushed = _pending(self._fd) > 0  # and the terminal echoed them where the cursor was
        termios.tcflush(self._fd, termios.TCIFLUSH)
        self.active = True
        self._thread = threading.Thread(target=self._loop, name="guided-keys", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.active:
            return
        import termios

        self._done.set()
        with self._turn:
            self._turn.notify_all()
        if self._thread is not None:
            self._thread.join(0.5)
        try:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        except termios.error:  # the terminal hung up: there is nothing left to restore
            pass
        self.active = False

    @contextlib.contextmanager
    def typing(self):
        """While inside, the terminal is an ordinary one again (echo, line editing, Enter) and no
        key is taken as a command: a person is typing an answer."""
        if not self.active:
            yield
            return
        import termios
        import tty

        with self._turn:
            self._hold = True
            self._turn.notify_all()
            self._turn.wait_for(lambda: self._idle or self._done.is_set(), timeout=1.0)
        termios.tcsetattr(self._fd, termios.TCSANOW, self._saved)
        try:
            yield
        finally:
            tty.setcbreak(self._fd, termios.TCSANOW)
            with self._turn:
                self._hold = False
                self._turn.notify_all()

    def _loop(self) -> None:
        import select

        while not self._done.is_set():
            with self._turn:
                while self._hold and not self._done.is_set():
                    self._idle = True
                    self._turn.notify_all()
                    self._turn.wait(0.1)
                self._idle = False
            ready, _, _ = select.select([self._fd], [], [], 0.1)
            if not ready:
                if self._pending == b"\x1b":  # Escape alone: no arrow key follows
                    self._pending = b""
                    self._press("escape")
                continue
            with self._turn:
                if self._hold:
                    continue  # the answer's first letters are the typist's, not commands
                try:
                    data = os.read(self._fd, 64)
                except OSError:  # the terminal went away (hung up): nobody is left to press keys
                    return
            self.feed(data)

    def feed(self, data: bytes) -> None:
        """Take bytes as the terminal sends them, calling `on_key` for each whole key among them."""
        self._pending += data
        while self._pending:
            name, self._pending = _decode(self._pending)
            if name is None:
                break
            if name:
                self._press(name)

    def _press(self, name: str) -> None:
        try:
            self.on_key(name)
        except Exception:  # a key must never end the thread that reads all the others
            pass


def _pending(fd: int) -> int:
    """Bytes typed and not yet read on the terminal `fd`."""
    import array
    import fcntl
    import termios

    count = array.array("i", [0])
    try:
        fcntl.ioctl(fd, termios.FIONREAD, count)
    except OSError:
        return 0
    return count[0]


def _in_background(fd: int) -> bool:
    """Whether this process was started as a background job of the terminal on `fd` (`cmd &`)."""
    try:
        return os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:  # no controlling terminal to ask: nothing would stop us either
        return False


_SEQUENCES = {b"\x1b[C": "right", b"\x1b[D": "left", b"\x1b[A": "up", b"\x1b[B": "down",
              b"\x1bOC": "right", b"\x1bOD": "left", b"\x1bOA": "up", b"\x1bOB": "down"}


def _decode(data: bytes) -> tuple[str | None, bytes]:
    for sequence, name in _SEQUENCES.items():
        if data.startswith(sequence):
            return name, data[len(sequence):]
    if data.startswith(b"\x1b") and len(data) < 3:
        return None, data  # the rest of an arrow key is on its way
    if data.startswith(b"\x1b["):  # another key's sequence (Page Up, F5…): no command, and no Escape
        end = next((i for i in range(2, len(data)) if 0x40 <= data[i] <= 0x7E), None)
        return (None, data) if end is None else ("", data[end + 1:])
    char = data[:1].decode(errors="ignore")
    return {" ": "space", "\x1b": "escape"}.get(char, char), data[1:]
