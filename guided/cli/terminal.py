"""The one owner of the terminal while a session plays or a sitting is held: every line written to
stderr and every key read from stdin go through a `Terminal`, so nothing overwrites anything.

What it draws, from the top down:
- permanent lines (`say`, and `note` for a line that should appear once, such as a question);
- one live block (`live`): the "preparing speech" counter, then a display's status, redrawn in
  place. A permanent line first erases the block (the next update draws it again below), so
  status blocks never pile up and a prompt is never drawn over;
- a typed answer (`ask`): the block is gone, nothing is drawn while a person types, and the
  terminal is an ordinary one for it (echo, line editing).

Keys are read from the first moment (`keys.Keyboard`): typeahead is dropped and nothing is echoed.
Until a handler takes them (`keys(on_key)`), the command is preparing: `q` then asks it to stop,
`progress` honours that at the next phrase, and a stuck preparation is interrupted shortly after;
the command sees KeyboardInterrupt with `quit_requested` set and ends calmly, exit status 0.
Without a terminal the same calls print plain lines (or nothing), so commands need no branches.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import threading
import unicodedata

from ..play.controls import QUIT_KEYS
from .keys import Keyboard

QUIT_GRACE_SECONDS = 0.5  # time for the next phrase to honour q before preparation is interrupted
ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|O.|.)?")  # what arrow and function keys send
ANSWER_HINT = "(type your answer; an empty line ends it)"


class Terminal:
    """Use as `with Terminal(quiet=...) as terminal:` for the length of a command."""

    def __init__(self, *, quiet: bool = False, live: bool | None = None, keys: bool = True) -> None:
        """`live`: redraw a status block in place (default: when stderr is a terminal and not quiet);
        `keys`: read keys from stdin when it is a terminal."""
        self.quiet = quiet
        self.live_capable = (not quiet and sys.stderr.isatty()) if live is None else live
        self.quit_requested = False
        self._honoured = False  # the quit request has been acted on
        self._lock = threading.RLock()
        self._lines = 0  # lines of the live block on screen, the cursor just below them
        self._drawn: list[str] | None = None
        self._keep: str | None = None  # what stays on screen when the live block is erased
        self._noted: set[str] = set()
        self._typing = False
        self._handlers: list = []
        self._phase = "preparing"  # then "running" (a handler takes the keys), then "closing"
        self._keyboard = Keyboard(self._on_key) if keys else None

    def __enter__(self) -> Terminal:
        if self._keyboard is not None:
            self._keyboard.__enter__()
            if self._keyboard.flushed and self.live_capable:
                self._write("\r\x1b[2K")  # the echo of keys typed too early, before our first line
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.settle()
        finally:
            if self._keyboard is not None:
                self._keyboard.__exit__(*exc)

    @property
    def keys_active(self) -> bool:
        return self._keyboard is not None and self._keyboard.active

    # keys --------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def keys(self, on_key):
        """Hand every key pressed inside to `on_key(name)`; yields whether keys can be pressed at all.
        A `q` pressed while preparing that was not yet acted on stops here, before anything plays
        (KeyboardInterrupt, with `quit_requested` set)."""
        with self._lock:
            if self.quit_requested and not self._honoured:
                self._honoured = True
                raise KeyboardInterrupt
            self._handlers.append(on_key)
            self._phase = "running"
        try:
            yield self.keys_active
        finally:
            with self._lock:
                self._handlers.remove(on_key)
                if not self._handlers:
                    self._phase = "closing"

    def prepared(self) -> bool:
        """Preparation is over; True when `q` asked to stop during it (the caller ends calmly)."""
        with self._lock:
            if self._phase == "preparing":
                self._phase = "ready"
            self._honoured = self._honoured or self.quit_requested
            return self.quit_requested

    def _on_key(self, name: str) -> None:
        with self._lock:
            handler = self._handlers[-1] if self._handlers else None
            preparing = self._phase == "preparing"
        if handler is not None:
            handler(name)
        elif preparing and name in QUIT_KEYS and not self.quit_requested:
            self.quit_requested = True
            self.live(["stopping…"])
            timer = threading.Timer(QUIT_GRACE_SECONDS, self._interrupt_preparation)
            timer.daemon = True
            timer.start()
        # Any other key while preparing is dropped: it must not pause or turn down what is to come.

    def _interrupt_preparation(self) -> None:
        import _thread

        with self._lock:
            if self._phase == "preparing" and not self._honoured:
                self._honoured = True
                _thread.interrupt_main()  # the engine is busy before its first phrase (a voice loading)

    def progress(self, done: int, total: int) -> None:
        """The "preparing speech" counter; raises KeyboardInterrupt once `q` asked to stop. Once the
        session plays (speech may still be rendered behind it) the display shows its state instead."""
        with self._lock:
            if self._phase != "preparing":
                return
            if self.quit_requested:
                if not self._honoured and threading.current_thread() is threading.main_thread():
                    self._honoured = True
                    raise KeyboardInterrupt
                return  # a rendering thread: the main one is interrupted instead
        if done >= total:
            self.settle()
        else:
            hint = "  (q to stop)" if self.keys_active else ""
            self.live([f"preparing speech {done}/{total}{hint}"])

    # drawing -----------------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except OSError:  # a hung-up terminal: nobody is left to read it
            pass

    def say(self, text: str) -> None:
        """A permanent line (nothing when quiet)."""
        if self.quiet:
            return
        with self._lock:
            self._erase()
            self._write(f"{text}\n")

    def note(self, text: str) -> None:
        """A permanent line shown once however often it is noted: a question heard again stays one line."""
        with self._lock:
            if text in self._noted:
                return
            self._noted.add(text)
            self._erase()
            if not self.quiet:
                self._write(f"\n{text}\n")

    def live(self, lines: list[str], keep: str | None = None) -> None:
        """Draw the live block in place of the last one; `keep` is noted when it is erased."""
        if not self.live_capable:
            return
        columns = shutil.get_terminal_size((80, 24)).columns
        lines = [line[: columns - 1] for line in lines]  # a wrapped line would throw the redraw off
        with self._lock:
            if self._typing:
                return  # never a status over what a person is typing
            self._keep = keep
            if lines == self._drawn:
                return
            up = f"\x1b[{self._lines}F" if self._lines else ""
            rest = "\x1b[J" if len(lines) < self._lines else ""
            self._write(up + "".join(f"\x1b[2K{line}\n" for line in lines) + rest)
            self._lines, self._drawn = len(lines), lines

    def settle(self) -> None:
        """Erase the live block, leaving only what it asked to keep."""
        with self._lock:
            self._erase()

    def hold(self) -> None:
        """Leave the live block on screen as it is now drawn (a session's last frame)."""
        with self._lock:
            self._lines, self._drawn, self._keep = 0, None, None

    def _erase(self) -> None:
        if self._lines:
            self._write(f"\x1b[{self._lines}F\x1b[J")
            self._lines, self._drawn = 0, None
        keep, self._keep = self._keep, None
        if keep and keep not in self._noted:
            self._noted.add(keep)
            self._write(f"\n{keep}\n")

    # typing ------------------------------------------------------------------------------------
    def ask(self, question: str, hint: str = ANSWER_HINT) -> str | None:
        """Show the question (unless it is on screen already) and the hint, and read lines typed
        until an empty one or end of input; None when nothing was typed."""
        with self._lock:
            self._erase()
            self._typing = True
        lines = []
        try:
            # The keys are handed over before the prompt shows: a quick typist loses no letter.
            with self._keyboard.typing() if self._keyboard is not None else contextlib.nullcontext():
                with self._lock:
                    if question not in self._noted:
                        self._noted.add(question)
                        self._write(f"\n{question}\n")
                    self._write(f"{hint}\n")
                while True:
                    line = typed_line(_read_line())
                    if not line.strip():  # an empty line, or the end of input
                        break
                    lines.append(line.rstrip())
        except KeyboardInterrupt as stop:
            if self._keyboard is not None and self._keyboard.active:
                self._write("\n")  # the terminal echoed ^C after the half-typed line: what follows starts below
            # What was typed before the stop, the line in hand too, goes with it: the sitting keeps it.
            stop.typed = "\n".join([*lines, typed_line(_line_in_hand())]).strip() or None
            raise
        finally:
            with self._lock:
                self._typing = False
        return "\n".join(lines) or None


def _read_line() -> str:
    """One line typed: on a terminal with line editing (readline: arrows, backspace, home and end),
    otherwise as it comes; "" at the end of input."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        try:
            import readline  # noqa: F401  (input() edits the line with it)
        except ImportError:  # no readline on this system: the terminal's own editing
            pass
        try:
            return input() + "\n"
        except EOFError:
            return ""
    return sys.stdin.readline()


def _line_in_hand() -> str:
    """What is typed on the line not yet ended with Enter (when readline holds it)."""
    try:
        import readline

        return readline.get_line_buffer()
    except (ImportError, AttributeError):
        return ""


def typed_line(line: str) -> str:
    """A typed line as the person meant it: the sequences arrow and function keys send, and every
    other control character (NUL, a stray Escape), left out; tabs become spaces."""
    line = ESCAPES.sub("", line.replace("\t", " ").rstrip("\n"))
    return "".join(c for c in line if unicodedata.category(c) != "Cc")
