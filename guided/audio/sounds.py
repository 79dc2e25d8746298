"""The catalogue of built-in sounds: every bell and bed, described for `guided sounds`.

The sounds themselves live in :mod:`guided.bells` and :mod:`guided.beds`; any sound file works too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bed_synthesis import BEDS
from .bells import BELLS, ring_seconds


@dataclass(frozen=True)
class SoundInfo:
    name: str
    kind: str  # "bell" or "bed"
    description: str  # one short line for `guided sounds`
    seconds: float  # bell ring length, or bed loop length


def list_sounds() -> list[SoundInfo]:
    """Every built-in bell and bed, for `guided sounds`."""
    bells = [SoundInfo(s.name, "bell", s.description, ring_seconds(s)) for s in BELLS.values()]
    beds = [SoundInfo(s.name, "bed", s.description, s.seconds) for s in BEDS.values()]
    return bells + beds
