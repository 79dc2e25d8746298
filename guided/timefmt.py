"""Lengths and positions written for people: 9:58, 1:02:03."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """Whole seconds (rounded) as M:SS, or H:MM:SS from an hour on."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
