"""What a listener sees while a session plays: title, section, the words being spoken, and time.

Drawn on stderr, only on a terminal; stdout is never touched."""

from __future__ import annotations

import shutil
import sys

from .keys import HELP
from .timefmt import clock


class Display:
    def __init__(self, timeline, enabled: bool, captions: bool = True) -> None:
        self.timeline = timeline
        self.enabled = enabled
        self.captions = captions
        self._lines = 0
        self._last = None
        self._frame: tuple[int, float] | None = None  # position and volume last drawn

    def _write(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def start(self, keys: bool) -> None:
        if not self.enabled:
            return
        self._write(f"{self.timeline.title}  ({clock(self.timeline.total // self.timeline.rate)})\n")
        if keys:
            self._write(f"{HELP}\n")

    def update(self, player) -> None:
        if not self.enabled:
            return
        c = player.controls
        state = "paused" if c.paused else ("preparing" if player.preparing else ("stopping" if c.stopping else "playing"))
        self._frame = (c.position, c.volume_db)
        self._draw(self._lines_at(c.position, state, c.volume_db))

    def _lines_at(self, position: int, state: str, volume_db: float) -> list[str]:
        t = self.timeline
        section = t.sections[t.section_at(position)].title if t.sections else ""
        width = max(20, min(60, shutil.get_terminal_size((80, 24)).columns - 40))
        done = int(width * position / max(1, t.total))
        volume = f"  vol {volume_db:+.0f} dB" if volume_db else ""
        # Whole seconds gone by, not rounded: the clock reaches the total as the session ends.
        status = f"{clock(position // t.rate)} / {clock(t.total // t.rate)} [{'#' * done}{'-' * (width - done)}] {state}{volume}"
        lines = [f"§ {section}", status]
        if self.captions:
            event = t.caption_at(position)
            caption = event.text if event else ""
            columns = shutil.get_terminal_size((80, 24)).columns
            lines.append(f"  {caption}"[: columns - 1])
        return lines

    def _draw(self, lines: list[str]) -> None:
        if lines == self._last:
            return
        self._last = lines
        up = f"\x1b[{self._lines}F" if self._lines else ""
        self._write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self._lines = len(lines)

    def finish(self, ended: str | None = None) -> None:
        """Leave the screen tidy: the last frame drawn once more saying how it ended ("finished",
        "stopped", "interrupted"), never "paused" or "playing", with the cursor below it."""
        if not (self.enabled and self._lines):
            return
        if ended and self._frame is not None:
            position, volume_db = self._frame
            if ended == "finished":
                position = self.timeline.total
            lines = self._lines_at(position, ended, volume_db)
            if self.captions:
                lines[-1] = ""  # the words have been spoken; an old caption left behind reads as still going
            self._draw(lines)


def ending(name: str, ended: str, position: int, timeline) -> str:
    """The line a finished or stopped session leaves: 'finished heart-breathing (9:58)'."""
    total = clock(timeline.total // timeline.rate)
    if ended == "finished":
        return f"finished {name} ({total})"
    return f"{ended} {name} at {clock(position // timeline.rate)} of {total}"
