"""What a parsed script is: immutable cues in order, the script's settings, and the language's limits.

Nothing here parses or touches audio; every other part of guided reads scripts through these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("meditation", "talk", "journal", "affirmations", "series", "sit")
DIRECTIVES = ("pause", "bell", "breathe", "sit", "long sitting")
# What a spoken line may say about its own session: its length, and how many questions it asks.
PLACEHOLDERS = ("{minutes}", "{questions}")
SHORT_SITTING = 3  # a journal sitting of this many questions or fewer opens with a short arrival

MAX_PAUSE_MS = 60 * 60 * 1000
MAX_SIT_MS = 3 * 60 * 60 * 1000
MAX_REFLECT_MS = 60 * 60 * 1000
BLANK_LINE_MS = 1000


@dataclass(frozen=True)
class Pronunciation:
    """A word said another way: a respelling ("Ah-NAH-ha-ta") or phonemes in an engine's notation
    ("[[kl'oUz]]" for espeak-ng, "[[klˈoʊz]]" for Piper), for every engine or for one."""

    word: str
    say: str | None = None  # for every engine without its own
    engines: tuple[tuple[str, str], ...] = ()  # (engine name, what to say)

    def for_engine(self, engine: str) -> str | None:
        return dict(self.engines).get(engine, self.say)


@dataclass(frozen=True)
class Span:
    """A length of time in milliseconds that may stretch between `low` and `high`."""

    low: int
    high: int

    @property
    def nominal(self) -> int:
        return (self.low + self.high) // 2

    @property
    def stretchable(self) -> bool:
        return self.high > self.low

    @classmethod
    def fixed(cls, ms: int) -> Span:
        return cls(ms, ms)


DEFAULT_REFLECT = Span(15_000, 45_000)  # time to reflect after a question, unless the script says
JOURNAL_REFLECT = Span(30_000, 150_000)  # a journal deck's: 90 s, stretchable from 30 s to 2m30s


@dataclass(frozen=True)
class Say:
    """One spoken phrase: a caption of its own."""

    text: str
    line: int
    # A breathing cue owns a slot of fixed length; plain speech has none (0).
    slot_ms: int = 0


@dataclass(frozen=True)
class Pause:
    span: Span
    line: int
    natural: bool = False  # a blank line, not a written [pause]


@dataclass(frozen=True)
class Bell:
    name: str | None  # None: the default bell
    line: int


@dataclass(frozen=True)
class Section:
    title: str
    line: int


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    reflect: Span
    line: int


@dataclass(frozen=True)
class Sit:
    span: Span
    bell_every_ms: int | None
    bell: str | None
    line: int


@dataclass(frozen=True)
class Breathe:
    phases: tuple[tuple[str, int], ...]  # ("in" | "hold" | "out" | "rest", milliseconds)
    repeats: int
    line: int


@dataclass(frozen=True)
class LongSitting:
    """`[long sitting]` in a journal deck's opening: what follows, to the end of its section, is
    heard only when a sitting asks more than SHORT_SITTING questions (a whole deck does)."""

    line: int


Cue = Say | Pause | Bell | Section | Question | Sit | Breathe | LongSitting


@dataclass(frozen=True)
class Script:
    path: str
    title: str
    kind: str
    cues: tuple[Cue, ...]
    description: str = ""
    background: str | None = None
    series: str | None = None
    part: int | None = None
    reflect: Span = field(default_factory=lambda: DEFAULT_REFLECT)
    pronounce: tuple[Pronunciation, ...] = ()  # how the engines should say particular words

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(c for c in self.cues if isinstance(c, Question))

    @property
    def words(self) -> int:
        return sum(len(c.text.split()) for c in self.cues if isinstance(c, (Say, Question)))
