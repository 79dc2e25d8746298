"""Words a session says about itself: its own length ("For the next twelve minutes"), how many
questions it asks ("You will hear three questions") and each question's place ("The third
question."), so that what is spoken stays true however it is fitted or chosen."""

from __future__ import annotations

from dataclasses import replace

from .language import PLACEHOLDERS, Question, Say, Script

MINUTES, QUESTIONS = PLACEHOLDERS  # in a spoken line: the session's length, and its number of questions


_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_ENDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                 "nine": "ninth", "twelve": "twelfth"}


def number_in_words(n: int) -> str:
    """`n` in English words as num2words says it ("twenty-one", "one hundred and five"), for
    0..999 without loading num2words (its import loads every language at once: slow at a start)."""
    if not 0 <= n < 1000:
        from num2words import num2words

        return num2words(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    rest = n % 100
    return f"{_ONES[n // 100]} hundred" + (f" and {number_in_words(rest)}" if rest else "")


def ordinal_in_words(n: int) -> str:
    """`n` as an English ordinal word as num2words says it ("first", "twenty-second"), 1..999."""
    if not 1 <= n < 1000:
        from num2words import num2words

        return num2words(n, to="ordinal")
    words = number_in_words(n)
    cut = max(words.rfind(" "), words.rfind("-")) + 1  # only the last word becomes an ordinal
    head, last = words[:cut], words[cut:]
    if last in _ORDINAL_ENDS:
        return head + _ORDINAL_ENDS[last]
    return head + (last[:-1] + "ieth" if last.endswith("y") else last + "th")


def minutes_in_words(minutes: int) -> str:
    return "one minute" if minutes == 1 else f"{number_in_words(minutes)} minutes"


def with_minutes(script: Script, minutes: int) -> Script:
    """The script with every `{minutes}` spoken as `minutes` in words (the same script when it has none)."""
    if not any(isinstance(c, Say) and MINUTES in c.text for c in script.cues):
        return script
    words = minutes_in_words(max(1, minutes))
    cues = tuple(replace(c, text=c.text.replace(MINUTES, words)) if isinstance(c, Say) else c for c in script.cues)
    return replace(script, cues=cues)


def questions_in_words(count: int) -> str:
    return "one question" if count == 1 else f"{number_in_words(count)} questions"


def with_questions(script: Script) -> Script:
    """The script with every `{questions}` spoken as the number of questions it asks, in words (a
    journal sitting's script holds only the questions chosen for it)."""
    if not any(isinstance(c, (Say, Question)) and QUESTIONS in c.text for c in script.cues):
        return script
    words = questions_in_words(len(script.questions))
    cues = tuple(replace(c, text=c.text.replace(QUESTIONS, words)) if isinstance(c, (Say, Question)) else c
                 for c in script.cues)
    return replace(script, cues=cues)


def question_place(position: int, count: int) -> str:
    """How a question's place is said, so a listener knows how far along they are."""
    if position == count and count > 1:
        return "The last question."
    return f"The {ordinal_in_words(position)} question."
