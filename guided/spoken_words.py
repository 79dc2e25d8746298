"""Words a session says about itself: its own length ("For the next twelve minutes") and each
question's place ("The third question."), so that what is spoken stays true however it is fitted."""

from __future__ import annotations

from dataclasses import replace

from .script import Say, Script

MINUTES = "{minutes}"  # in a spoken line: the session's length, said in words


def minutes_in_words(minutes: int) -> str:
    from num2words import num2words

    return "one minute" if minutes == 1 else f"{num2words(minutes)} minutes"


def with_minutes(script: Script, minutes: int) -> Script:
    """The script with every `{minutes}` spoken as `minutes` in words (the same script when it has none)."""
    if not any(isinstance(c, Say) and MINUTES in c.text for c in script.cues):
        return script
    words = minutes_in_words(max(1, minutes))
    cues = tuple(replace(c, text=c.text.replace(MINUTES, words)) if isinstance(c, Say) else c for c in script.cues)
    return replace(script, cues=cues)


def question_place(position: int, count: int) -> str:
    """How a question's place is said, so a listener knows how far along they are."""
    from num2words import num2words

    if position == count and count > 1:
        return "The last question."
    return f"The {num2words(position, to='ordinal')} question."
