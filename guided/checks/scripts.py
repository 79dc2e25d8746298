"""Checking scripts before anything is rendered: what `guided validate` reports, one result a script."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import GuidedError
from ..scripts.catalog import Catalog, display_name
from ..scripts.language import Question, Say, Script, check_script_file
from ..scripts.pronunciation import traps_in
from .sounds import missing_sounds


@dataclass(frozen=True)
class ValidationResult:
    script: str  # the id or path as given
    ok: bool
    title: str | None = None
    error: str | None = None  # one line, FILE:LINE:COL first for mistakes in the script
    more: tuple[str, ...] = ()  # every further problem in the script, in the order of the file
    warnings: tuple[str, ...] = ()  # FILE:LINE[:COL]: words the engines are likely to say wrong, with a rewording

    def as_dict(self) -> dict:
        found = {"script": self.script, "ok": self.ok}
        if self.ok:
            found["title"] = self.title
        found["error"] = self.error
        found["errors"] = [self.error, *self.more] if self.error else []
        found["warnings"] = list(self.warnings)
        return found


def validate_scripts(targets: Iterable[str] = (), catalog: Catalog | None = None) -> list[ValidationResult]:
    """Each script (an id or a path) checked; the whole library when none is named. Saved settings
    that no render could use (config.toml naming a background or voice that is not there) come first,
    as a result of their own: every script would fail with them."""
    from ..options import config_file
    from .config import settings_problem

    catalog = catalog or Catalog()
    targets = list(targets) or catalog.ids()
    results = []
    problem = settings_problem()
    if problem:
        results.append(ValidationResult(str(config_file()), False, error=problem))
    for target in targets:
        try:
            found = catalog.find(target)
            checked = check_script_file(found.path, display_name(found))
        except GuidedError as exc:
            results.append(ValidationResult(target, False, error=f"{target}: {exc}"))
            continue
        script = checked.script
        # Every mistake at once, in the order of the file: the language's, then every sound that a
        # render could not find (a script that validates must also render), each on its own line.
        problems = [*checked.problems, *(missing_sounds(script) if script is not None else ())]
        problems.sort(key=lambda p: (p.line, p.column))
        if problems:
            results.append(ValidationResult(target, False, error=str(problems[0]),
                                            more=tuple(str(p) for p in problems[1:])))
            continue
        warnings = tuple(str(w) for w in [*traps_in(script), *adjective_readings_in(script, found.path)])
        results.append(ValidationResult(target, True, title=script.title, warnings=warnings))
    return results


# --- words said two ways ------------------------------------------------------------------------
#
# "learned", "blessed" and "aged" have one syllable as verbs ("you learned to wait") and two as
# adjectives before a noun ("a learned man", "a blessed relief", "an aged parent"). Neither
# espeak-ng nor Piper can tell which is meant: espeak-ng reads "your learned caution" as learn-ed
# and "an aged parent" as one syllable, and a voice may change its mind from one phrase to the next.
# A word is flagged where it may be either, by a simple rule on its neighbours rather than on the
# engine's reading, since the engines differ:
#   - after a determiner or possessive ("a", "the", "that", "your", ...): the start of a noun
#     phrase, where the adjective stands; "that" is ambiguous itself ("that learned fear", "a part
#     that learned to keep watch"), which is the point;
#   - at the start of a line, a sentence or a clause (after , ; : or a dash) with a word after it,
#     where "Blessed relief." and "old, learned habits" begin.
# After a subject or an auxiliary ("you learned", "has learned", "lessons learned") it is a verb,
# said one way, and passes.

SAID_TWO_WAYS = {  # the adjective's sound, and rewordings for the verb and for the adjective
    "learned": ("learn-ed, as in 'a learned man'", "'that has learned' or 'that came to', or 'a caution you picked up'"),
    "blessed": ("bless-ed, as in 'a blessed relief'", "'you have been blessed', or 'a welcome relief'"),
    "aged": ("a-jid, as in 'an aged parent'", "'that has grown older', or 'an elderly parent'"),
}
DETERMINERS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
    "every", "each", "some", "any", "no", "such", "what", "whose",
})
_WORD = re.compile(r"\b(" + "|".join(SAID_TWO_WAYS) + r")\b", re.IGNORECASE)
_BEFORE = re.compile(r"(?:^|([,;:\u2014.!?]|\s-)|\b([A-Za-z']+))\s*$")
_AFTER = re.compile(r"^\s+[A-Za-z]")


@dataclass(frozen=True)
class TwoWayWord:
    """A word a speech engine may say as the verb or as the adjective, at its place in the script."""

    path: str
    line: int
    column: int
    word: str
    after: str | None  # the determiner before it; None at the start of a phrase

    def __str__(self) -> str:
        adjective, rewording = SAID_TWO_WAYS[self.word.lower()]
        where = f"after {self.after!r}" if self.after else "at the start of a phrase"
        return (f"{self.path}:{self.line}:{self.column}: warning: {self.word!r} {where} may be said as the verb or "
                f"as the adjective ({adjective}), and speech engines pick either; reword, e.g. {rewording}")


def two_way_words(text: str) -> list[tuple[int, str, str | None]]:
    """Where in `text` a word of SAID_TWO_WAYS may be read either way: (offset, word, determiner before it)."""
    found = []
    for match in _WORD.finditer(text):
        before = _BEFORE.search(text[: match.start()])
        word_before = before.group(2) if before else None
        if word_before is not None and word_before.lower() in DETERMINERS:
            found.append((match.start(), match.group(1), word_before))
        elif word_before is None and _AFTER.match(text[match.end():]):
            found.append((match.start(), match.group(1), None))
    return found


def adjective_readings_in(script: Script, source: str | Path | None = None) -> list[TwoWayWord]:
    """Every place in the script's spoken lines where "learned", "blessed" or "aged" may be heard
    the wrong way, with the column it stands at in `source`, the script's file (by default its
    path), and not a word the script's `pronounce:` map already says how to say."""
    covered = {p.word.lower() for p in script.pronounce}
    lines = _source_lines(source if source is not None else script.path)
    found = []
    for cue in script.cues:
        if not isinstance(cue, (Say, Question)):
            continue
        for offset, word, after in two_way_words(cue.text):
            if word.lower() in covered:
                continue
            found.append(TwoWayWord(script.path, cue.line, _column(lines, cue.line, word, after, offset), word, after))
    return found


def _source_lines(path: str | Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return []


def _column(lines: list[str], line: int, word: str, after: str | None, offset: int) -> int:
    """The word's column on its line of the file (a cue's text is the line's words, spaces evened
    out and directives taken away); where the file cannot say, its place in the spoken text."""
    if 1 <= line <= len(lines):
        context = rf"\b{re.escape(after)}\s+" if after else ""
        match = re.search(rf"{context}\b({re.escape(word)})\b", lines[line - 1])
        if match:
            return match.start(1) + 1
    return offset + 1
