"""Durations as authors write them: `4s`, `2m`, `1m30s`, `500ms`, and stretchable spans `3s..8s`."""

from __future__ import annotations

import re

from .model import Span

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|s|m|h))+")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
DURATION_HINT = "a duration such as 4s, 2m, 1m30s or 3s..8s"


# Units as people write them out ("4 seconds", "2 minutes", "1 minute and 30 seconds"), and spaces
# between a number and its unit ("90 s"): the same durations, read as the short forms.
_WORDS = re.compile(r"(\d+(?:\.\d+)?)\s*(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b")
_SHORT = {"milli": "ms", "msec": "ms", "ms": "ms", "sec": "s", "s": "s", "min": "m", "m": "m", "hour": "h", "hr": "h",
          "h": "h"}


def _short_form(text: str) -> str:
    def unit(match: re.Match) -> str:
        word = match.group(2)
        key = next(k for k in ("milli", "msec", "ms", "sec", "min", "hour", "hr", "s", "m", "h") if word.startswith(k))
        return match.group(1) + _SHORT[key]

    written = _WORDS.sub(unit, text.lower())
    return re.sub(r"\s*(?:,|and)?\s*", "", written) if _WORDS.search(text.lower()) else text


def parse_duration_ms(text: str) -> int | None:
    """`1m30s` (or "1 minute 30 seconds") → 90000; None when the text is not a duration."""
    text = _short_form(text.strip())
    if not text or not _DURATION.fullmatch(text):
        return None
    return round(sum(float(n) * _UNIT_MS[u] for n, u in _PART.findall(text)))


def format_ms(ms: int) -> str:
    """A duration as an author would write it: 90000 → 1m30s."""
    if ms % 1000:
        return f"{ms / 1000:g}s" if ms >= 1000 else f"{ms}ms"
    s = ms // 1000
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def parse_span(text: str) -> Span | str:
    """`4s` or `3s..8s` → Span; otherwise a message saying what was expected."""
    low_text, dots, high_text = text.strip().partition("..")
    low = parse_duration_ms(low_text)
    high = parse_duration_ms(high_text) if dots else low
    if low is None or high is None:
        return f"expected {DURATION_HINT}, found {text.strip()!r}"
    if low <= 0:
        return f"a duration must be longer than zero, found {text.strip()!r}"
    if high < low:
        return f"the range's start ({low_text.strip()}) must not exceed its end ({high_text.strip()})"
    return Span(low, high)
