"""How times are written: a clock for people (4:05, 1:02:03) and timestamps for files (00:04:05.250)."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """Seconds as M:SS, or H:MM:SS from an hour on, rounded to the nearest second."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def timestamp(ms: int, separator: str = ".") -> str:
    """Milliseconds as HH:MM:SS.mmm: WebVTT cues and Vorbis chapters; SRT puts ',' before the ms."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def to_ms(samples: int, rate: int) -> int:
    """Samples at `rate` as whole milliseconds (chapters, captions and the practice log count in them)."""
    return round(samples * 1000 / rate)
