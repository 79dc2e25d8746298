"""Placing a session's steps in time: laid end to end, fitted to a length, and the part not yet
heard placed again when the real lengths of its phrases arrive (progressive play).

A step (`Item`) is speech, a bell, or time that may stretch. `place` lays items end to end with
every stretchable silence at one point of its range; `fit` finds the point that gives a length to
the sample; `place_rest` keeps the first items where they were and places (or fits) the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import FitError
from ..scripts.language import Span, format_ms

LEAD_IN_MS = 1500  # a breath of quiet (and the bed fading in) before the first word
TAIL_MS = 4000  # after the last sound, time for the bed to fade away
BELL_ADVANCE_MS = 4000  # what follows a bell starts once it has been heard; the rest rings under it
TAIL_SLACK_MS = 10  # how far the tail may give for a fitted length to come out to the sample
UNFITTED_STRETCH = 0.5  # without a length to fit, every pause sits in the middle of its range


@dataclass(frozen=True)
class Event:
    """Something that happens at `start` for `length` samples."""

    kind: str  # "speech", "bell", "pause", "breath" (a breath kept in silence), "reflect" or "sit"
    start: int
    length: int
    section: int  # index into Timeline.sections
    text: str = ""  # the caption of a spoken phrase; a silent breath's phase ("Breathe in")
    clip: object | None = None  # a rendered phrase (or its estimate): anything with `frames`
    bell: str | None = None  # the bell's name; None is the default bell
    question: int | None = None  # the question read (speech) or reflected on (reflect)
    leads: int | None = None  # the question whose place this phrase says ("The third question.")
    line: int = 0  # where the script wrote it

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Item:
    """A step of the session before it is placed: speech, a bell, or time that may stretch."""

    kind: str
    section: int
    line: int
    clip: object | None = None
    text: str = ""
    span: Span | None = None  # milliseconds, for silences
    slot_ms: int = 0  # breathing cues: at least this long, whatever the word's length
    bell: str | None = None
    bell_frames: int = 0
    every_ms: int | None = None
    question: int | None = None
    leads: int | None = None


@dataclass(frozen=True)
class Placement:
    """Items placed: each item's events, and where the placing stood after each item."""

    groups: tuple[tuple[Event, ...], ...]  # the events of each item, in item order
    after: tuple[tuple[int, int], ...]  # (cursor, reach) after each item
    total: int

    @property
    def events(self) -> list[Event]:
        return sorted((e for group in self.groups for e in group), key=lambda e: e.start)


def ms(value: float, rate: int) -> int:
    return round(value * rate / 1000)


def place(items: list[Item], rate: int, stretch: float, state: tuple[int, int] | None = None,
          floor: int = 0) -> Placement:
    """Lay the items end to end from `state` (cursor, reach; default: after the lead-in);
    `stretch` from 0 to 1 sets every stretchable silence in its range; a first item that is a
    silence lasts at least `floor` samples (it has partly been heard)."""
    cursor, reach = state if state is not None else (ms(LEAD_IN_MS, rate),) * 2  # reach: the end of the last sound
    groups: list[tuple[Event, ...]] = []
    after: list[tuple[int, int]] = []
    for item in items:
        events: list[Event] = []
        if item.kind == "speech":
            length = item.clip.frames
            events.append(Event("speech", cursor, length, item.section, text=item.text, clip=item.clip,
                                question=item.question, leads=item.leads, line=item.line))
            reach = max(reach, cursor + length)
            cursor += max(length, ms(item.slot_ms, rate))
        elif item.kind == "bell":
            events.append(Event("bell", cursor, item.bell_frames, item.section, bell=item.bell, line=item.line))
            reach = max(reach, cursor + item.bell_frames)
            cursor += min(item.bell_frames, ms(BELL_ADVANCE_MS, rate))
        else:
            span = item.span
            length = ms(span.low + stretch * (span.high - span.low), rate)
            if not groups:
                length = max(length, floor)
            events.append(Event(item.kind, cursor, length, item.section, text=item.text, question=item.question,
                                line=item.line))
            if item.every_ms:
                every = ms(item.every_ms, rate)
                # Interval bells mark the time passing inside a sitting, not its start or its end.
                for at in range(cursor + every, cursor + length - ms(BELL_ADVANCE_MS, rate) + 1, every):
                    events.append(Event("bell", at, item.bell_frames, item.section, bell=item.bell, line=item.line))
                    reach = max(reach, at + item.bell_frames)
            cursor += length
        groups.append(tuple(events))
        after.append((cursor, reach))
    return Placement(tuple(groups), tuple(after), max(cursor, reach) + ms(TAIL_MS, rate))


def fit(items: list[Item], rate: int, target: int) -> Placement:
    """The items placed to last exactly `target` samples, or a FitError saying what can be asked for."""
    shortest = place(items, rate, 0.0)
    longest = place(items, rate, 1.0)
    check_range(shortest.total, longest.total, target, rate)
    return search(items, rate, target, None)


def search(items: list[Item], rate: int, target: int, state: tuple[int, int] | None, floor: int = 0) -> Placement:
    """The placement from `state` whose length is nearest `target` (exact when it lies in range)."""
    # The length grows steadily with the stretch, so halving the interval finds it to the sample.
    low, high = 0.0, 1.0
    best = place(items, rate, 0.0, state, floor)
    if best.total >= target:
        return best
    longest = place(items, rate, 1.0, state, floor)
    if longest.total <= target:
        return longest
    for _ in range(60):
        middle = (low + high) / 2
        best = place(items, rate, middle, state, floor)
        if best.total == target:
            break
        if best.total < target:
            low = middle
        else:
            high = middle
    return best


def place_rest(previous: Placement, items: list[Item], keep: int, rate: int, target: int | None,
               floor: int = 0) -> Placement:
    """The first `keep` items where `previous` put them, the rest placed after them: fitted so that
    the whole still lasts `target` samples (as near as the rest's pauses can reach), or, without a
    target, with every pause in the middle of its range. A first silence of the rest lasts at least
    `floor` samples."""
    state = previous.after[keep - 1] if keep else None
    rest = items[keep:]
    placed = search(rest, rate, target, state, floor) if target is not None \
        else place(rest, rate, UNFITTED_STRETCH, state, floor)
    total = placed.total
    if target is not None and abs(total - target) <= ms(TAIL_SLACK_MS, rate):
        total = target  # pauses rounded to the sample may step over the target: the tail takes up the rest
    return Placement(previous.groups[:keep] + placed.groups, previous.after[:keep] + placed.after, total)


def check_range(shortest: int, longest: int, target: int, rate: int) -> None:
    """A FitError saying what can be asked for, unless `target` samples lie in the range."""
    if not shortest <= target <= longest:
        low_s, high_s = shortest / rate, longest / rate
        asked = format_ms(round(target * 1000 / rate))
        if shortest == longest:
            raise FitError(
                f"this session cannot change length: it has no stretchable pauses and lasts {readable(low_s, 0)} "
                f"(asked for {asked})", low_s, high_s,
            )
        # Rounded inwards, so that whatever the message offers can really be asked for.
        low, high = readable(low_s, +1), readable(high_s, -1)
        minutes = f"{math.ceil(low_s / 60 * 100) / 100:g} and {math.floor(high_s / 60 * 100) / 100:g} minutes"
        raise FitError(
            f"this session can last from {low} to {high}, not {asked}; ask for between {minutes}", low_s, high_s,
        )


def readable(seconds: float, direction: int) -> str:
    """A length for a message: to the millisecond under a minute, else whole seconds rounded up (+1),
    down (-1) or to the nearest (0)."""
    if seconds < 60:
        return format_ms(round(seconds * 1000))
    whole = math.ceil(seconds) if direction > 0 else math.floor(seconds) if direction < 0 else round(seconds)
    return format_ms(whole * 1000)
