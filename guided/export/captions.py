"""The captions of an exported session (SRT, WebVTT or LRC): one cue per spoken phrase, as the
listener hears it, timed by the Timeline's speech events."""

from __future__ import annotations

from dataclasses import dataclass

from ..timing.timefmt import timestamp, to_ms
from ..timing.timeline import Timeline


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def caption_cues(timeline: Timeline) -> list[Cue]:
    """One cue per spoken phrase, as the listener hears it."""
    rate = timeline.rate
    cues = []
    for event in timeline.speech:
        start, end = to_ms(event.start, rate), to_ms(event.end, rate)
        cues.append(Cue(start, max(end, start + 1), " ".join(event.text.split())))
    return cues


def _lrc_clock(ms: int) -> str:
    centis = (ms + 5) // 10
    minutes, rest = divmod(centis, 6000)
    return f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def caption_file(timeline: Timeline, fmt: str, *, artist: str = "guided", album: str | None = None) -> str:
    """The timeline's captions as an SRT, WebVTT or LRC file."""
    cues = caption_cues(timeline)
    if fmt == "srt":
        blocks = [f"{n}\n{timestamp(c.start_ms, ',')} --> {timestamp(c.end_ms, ',')}\n{c.text}\n" for n, c in enumerate(cues, 1)]
        return "\n".join(blocks)
    if fmt == "vtt":
        head = f"WEBVTT - {' '.join(timeline.title.split())}\n"
        blocks = [f"{timestamp(c.start_ms)} --> {timestamp(c.end_ms)}\n{_vtt_text(c.text)}\n" for c in cues]
        return "\n".join([head, *blocks])
    if fmt == "lrc":
        lines = [f"[ti:{timeline.title}]", f"[ar:{artist}]"]
        if album:
            lines.append(f"[al:{album}]")
        length = round(timeline.total / timeline.rate)
        lines.append(f"[length:{length // 60:02d}:{length % 60:02d}]")
        for index, cue in enumerate(cues):
            lines.append(f"[{_lrc_clock(cue.start_ms)}]{cue.text}")
            following = cues[index + 1].start_ms if index + 1 < len(cues) else None
            # LRC has no end times: an empty line clears the words when silence follows.
            if following is None or (following + 5) // 10 > (cue.end_ms + 5) // 10:
                lines.append(f"[{_lrc_clock(cue.end_ms)}]")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown caption format {fmt!r}")
