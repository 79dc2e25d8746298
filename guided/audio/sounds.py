"""The built-in sounds by name, without making any: each bell with how long it rings, each bed with
how long its loop is, and what they sound like, for `guided sounds`, Tab completion, checks and
the length of a session not yet rendered. Nothing here imports numpy.

The sounds themselves are made by :mod:`guided.audio.bells` and :mod:`guided.audio.beds` (from
:mod:`guided.audio.bed_synthesis`); any sound file works as a bell or a bed too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoundInfo:
    name: str
    kind: str  # "bell" or "bed"
    description: str  # one short line for `guided sounds`
    seconds: float  # how long a bell rings (to 70 dB below its peak), or a bed's loop


BELLS = (
    SoundInfo("bowl", "bell", "Tibetan-style singing bowl: a long, warm, slowly beating ring", 12.871),
    SoundInfo("chime", "bell", "small bright chime: a soft, short, clear ring", 4.462),
    SoundInfo("gong", "bell", "deep gong with a slow, rich bloom", 13.202),
)
BEDS = (
    SoundInfo("rain", "bed", "soft steady rain with the odd droplet", 40.0),
    SoundInfo("ocean", "bed", "waves rolling in on a beach, one every eight seconds or so", 42.0),
    SoundInfo("pink-noise", "bed", "pink noise (1/f): even, soft, like a distant waterfall", 32.0),
    SoundInfo("brown-noise", "bed", "brown noise (1/f\u00b2): a deep, soft rumble", 32.0),
    SoundInfo("warm-drone", "bed", "a soft, slowly shifting chord on A", 40.0),
)
BELL_NAMES: tuple[str, ...] = tuple(s.name for s in BELLS)
BED_NAMES: tuple[str, ...] = tuple(s.name for s in BEDS)
DEFAULT_BELL = "bowl"
RING_SECONDS = {s.name: s.seconds for s in BELLS}  # the synthesis's own figure (a test keeps them equal)
LOOP_SECONDS = {s.name: s.seconds for s in BEDS}


def list_sounds() -> list[SoundInfo]:
    """Every built-in bell and bed, for `guided sounds`."""
    return [*BELLS, *BEDS]


def described(name: str) -> str:
    return next(s.description for s in (*BELLS, *BEDS) if s.name == name)
