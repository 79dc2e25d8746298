"""What a listener sees while a session plays: title, section, the words being spoken, and time.

The lines are drawn through a `Terminal` (the one owner of the screen), on stderr, and only on a
terminal; stdout is never touched. For a journal sitting (`questions=True`) each question stays on
screen once it has been asked, and the status goes away when a stretch of narration ends, so
nothing says "playing" while a person thinks or types."""

from __future__ import annotations

import shutil

from ..play.controls import KEYS_HELP
from ..timing.timefmt import clock
from .terminal import Terminal


class Display:
    def __init__(self, timeline, enabled: bool = True, captions: bool = True, terminal: Terminal | None = None,
                 questions: bool = False, estimated: bool = False, legend: str | None = None) -> None:
        self.timeline = timeline
        self.estimated = estimated  # speech still renders: the length known now is an estimate
        self.terminal = terminal if terminal is not None else Terminal(live=enabled, keys=False)
        self.enabled = enabled and self.terminal.live_capable
        self.captions = captions
        self.questions = questions
        self.legend = legend  # the keys that work while it plays, shown under it (None: none shown)
        self._question: str | None = None  # the question whose words are on screen now
        self._seen = 0  # where the last update was
        self._frame: tuple[int, float] | None = None  # position and volume last drawn

    def start(self, keys: bool) -> None:
        if not self.enabled:
            return
        about = "~" if self.estimated else ""  # as `guided list` marks a length not yet rendered
        self.terminal.say(f"{self.timeline.title}  ({about}{clock(self.timeline.total // self.timeline.rate)})")
        if keys:
            self.terminal.say(KEYS_HELP)

    def update(self, player) -> None:
        if not self.enabled:
            return
        # A progressive session is placed again as its speech renders: follow the player's timeline.
        self.timeline = getattr(getattr(player, "mixer", None), "timeline", self.timeline)
        c = player.controls
        state = "paused" if c.paused else ("preparing" if player.preparing else ("stopping" if c.stopping else "playing"))
        self._frame = (c.position, c.volume_db)
        if self.questions:
            ended = player.finished.is_set()
            # A stretch that played to its end has reached it, though the last block's position lags.
            self._note_asked(player.total if ended and not c.stopping else c.position)
            if ended:
                self.terminal.settle()  # the stretch is over: no status left saying "playing"
                return
        self.terminal.live(self._lines_at(c.position, state, c.volume_db), keep=self._question)

    def _note_asked(self, position: int) -> None:
        """Questions whose reading ended since the last update stay on screen, each once (between two
        updates a fast device may have played a whole question); the one being read stays if the
        narration is stopped in its middle."""
        for event in self.timeline.speech:
            if event.question and self._seen < event.end <= position:
                self.terminal.note(event.text)
        self._seen = position
        event = self.timeline.caption_at(position)
        self._question = event.text if event is not None and event.question else None

    def _lines_at(self, position: int, state: str, volume_db: float, legend: bool = True) -> list[str]:
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
            lines.append(f"  {event.text if event else ''}")
        if self.legend and legend:
            lines.append(self.legend)
        return lines

    def finish(self, ended: str | None = None) -> None:
        """Leave the screen tidy: the last frame drawn once more saying how it ended ("finished",
        "stopped", "interrupted"), never "paused" or "playing", with the cursor below it."""
        if not (self.enabled and self._frame is not None):
            return
        if ended:
            position, volume_db = self._frame
            if ended == "finished":
                position = self.timeline.total
            lines = self._lines_at(position, ended, volume_db, legend=False)
            if self.captions:
                lines[-1] = ""  # the words have been spoken; an old caption left behind reads as still going
            self.terminal.live(lines)
        self.terminal.hold()


def ending(name: str, ended: str, position: int, timeline) -> str:
    """The line a finished or stopped session leaves: 'finished heart-breathing (9:58)'."""
    total = clock(timeline.total // timeline.rate)
    if ended == "finished":
        return f"finished {name} ({total})"
    return f"{ended} {name} at {clock(position // timeline.rate)} of {total}"
