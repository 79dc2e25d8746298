"""How words are said: a script's `pronounce:` map applied to each phrase before an engine speaks
it, and the heteronyms espeak-ng (and Piper, which reads text through espeak-ng) are known to get
wrong in the words guided's scripts use, found in a script with a suggested rewording.

A trap is confirmed with espeak-ng's own phonemes for the line when espeak-ng is installed, so a
warning means the engine really says it wrong; without espeak-ng the wording alone decides.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from .language import Pronunciation, Question, Say, Script


def spoken_form(text: str, pronounce: tuple[Pronunciation, ...], engine: str) -> str:
    """The phrase as the engine should be given it: each listed word (whole, any case) replaced."""
    for entry in pronounce:
        say = entry.for_engine(engine)
        if say:
            text = re.sub(rf"(?<![\w'-]){re.escape(entry.word)}(?![\w'-])", say, text, flags=re.IGNORECASE)
    return text


@dataclass(frozen=True)
class Trap:
    word: str
    pattern: str  # where the word is meant in the sense espeak-ng does not pick
    wrong: str  # espeak-ng's phonemes (-x) for the reading it picks there
    instead: str  # a rewording that is heard right


TRAPS = (
    Trap("close", r"\b(eyes?|eyelids?|lids?)\s+(gently\s+|slowly\s+)?close\b", "kl'oUs",
         "say 'let your eyes fall closed' (espeak-ng reads 'close' here as the adjective, as in 'a close friend')"),
    Trap("close", r"^\s*close\s+your\b|[.!?]\s+close\s+your\b", "kl'oUs",
         "say 'let your eyes fall closed' or 'shut your eyes' ('close' is read as the adjective)"),
    Trap("read", r"\b(has|have|had)\s+to\s+read\b", "r'Ed", "reword, e.g. 'needs to see it' ('read' is said as /red/)"),
    Trap("lives", r"\b(?!he\b|she\b|it\b|who\b|that\b)(\w+)\s+(often\s+|still\s+|sometimes\s+|usually\s+)?lives\s+(in|on|at|with|inside|here|there)\b",
         "l'aIvz", "reword, e.g. 'spends its time in' or 'stays in' ('lives' is said like 'our lives')"),
    Trap("excusing", r"\bexcusing\b", "kj'u:s", "say 'making excuses for' ('excusing' is said with an s, as the noun)"),
    Trap("wind", r"\bwind\s+(down|up)\b", "w'Ind", "say 'slow down' or 'unwind' ('wind' is said as the weather)"),
    Trap("record", r"\brecord\s+(your|the|it|a|an|this|what)\b", "r'Ek3d", "say 'make a recording of' ('record' is said as the noun)"),
    Trap("live", r"\blive\s+(your|a|with|through)\b", "l'aIv", "reword, e.g. 'lead your life' ('live' is said as in 'a live show')"),
)


@dataclass(frozen=True)
class Warning:
    path: str
    line: int
    word: str
    advice: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.word!r} is likely to be mispronounced; {self.advice}"


def traps_in(script: Script) -> list[Warning]:
    """Lines of the script that hold a known mispronunciation, not already covered by `pronounce:`."""
    covered = {p.word.lower() for p in script.pronounce}
    found = []
    for cue in script.cues:
        if not isinstance(cue, (Say, Question)):
            continue
        for trap in TRAPS:
            match = re.search(trap.pattern, cue.text, flags=re.IGNORECASE)
            if match is None:
                continue
            if trap.word in covered or not _engine_agrees(cue.text, trap.wrong):
                continue
            found.append(Warning(script.path, cue.line, trap.word, trap.instead))
    return found


def _engine_agrees(text: str, wrong: str) -> bool:
    """Whether espeak-ng's phonemes for the line hold the wrong reading (True without espeak-ng)."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        return True
    try:
        done = subprocess.run([binary, "-q", "-x", "-v", "en-us", text], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return True
    return wrong in done.stdout
