"""What a listener (or a test, or a program) can do while a session plays: pause, seek, skip a
section, change the volume, stop, and actions scheduled at a position, safe from any thread; and
what each key does, by the key's name (the terminal that reads keys is the CLI's)."""

from __future__ import annotations

import threading


class Controls:
    """What a listener (or a test) can do while a session plays; safe to call from any thread."""

    def __init__(self, sections: list[int], total: int, rate: int = 44100) -> None:
        self._lock = threading.Lock()
        self.rate = rate
        self.sections = sections  # start sample of each section
        self.total = total
        self.paused = False
        self.volume_db = 0.0
        self.stopping = False
        self.position = 0  # the session sample the listener is hearing now
        self._seek: int | None = None
        self._scheduled: list[tuple[int, object]] = []
        self.changed = threading.Event()

    def at(self, position: int, action) -> None:
        """Run `action()` once the listener reaches `position` (a sleep timer, a test's cue)."""
        with self._lock:
            self._scheduled.append((position, action))
            self._scheduled.sort(key=lambda item: item[0])

    def run_due(self) -> None:
        with self._lock:
            due = [a for p, a in self._scheduled if p <= self.position]
            self._scheduled = [(p, a) for p, a in self._scheduled if p > self.position]
        for action in due:
            action()

    # commands ---------------------------------------------------------------------------------
    def pause(self) -> None:
        with self._lock:
            self.paused = True
        self.changed.set()

    def resume(self) -> None:
        with self._lock:
            self.paused = False
        self.changed.set()

    def toggle_pause(self) -> None:
        with self._lock:
            self.paused = not self.paused
        self.changed.set()

    def seek(self, position: int) -> None:
        with self._lock:
            self._seek = max(0, min(int(position), self.total))
        self.changed.set()

    def seek_section(self, index: int) -> None:
        index = max(0, min(index, len(self.sections) - 1))
        self.seek(self.sections[index] if self.sections else 0)

    def current_section(self) -> int:
        found = 0
        for index, start in enumerate(self.sections):
            if start <= self.position:
                found = index
        return found

    def next_section(self) -> None:
        index = self.current_section() + 1
        if index >= len(self.sections):
            self.stop()
        else:
            self.seek_section(index)

    def previous_section(self, grace: int | None = None) -> None:
        """To the start of this section, or of the one before when within 3 s of its start."""
        grace = 3 * self.rate if grace is None else grace
        index = self.current_section()
        if self.position - self.sections[index] <= grace and index > 0:
            index -= 1
        self.seek_section(index)

    def change_volume(self, delta_db: float) -> None:
        with self._lock:
            self.volume_db = max(-40.0, min(12.0, self.volume_db + delta_db))
        self.changed.set()

    def stop(self) -> None:
        with self._lock:
            self.stopping = True
        self.changed.set()

    def take_seek(self) -> int | None:
        with self._lock:
            seek, self._seek = self._seek, None
            return seek

    def has_seek(self) -> bool:
        with self._lock:
            return self._seek is not None


KEYS_HELP = "space pause · ←/→ section · +/- volume · q quit"
QUIT_KEYS = ("q", "Q", "escape")


def apply_key(controls: Controls, key: str) -> None:
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
    elif key in QUIT_KEYS:
        controls.stop()
