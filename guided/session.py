"""A session ready to be heard: script, speech, timeline and mixer, built the same way for every use.

Play, export and journal all start here, so they all hear the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import library
from .config import paths
from .library import Entry
from .mixer import Mixer, MixSettings
from .script import Bell, Script, Sit
from .timeline import DEFAULT_INTERVAL_BELL, Timeline, assemble
from .tts import DEFAULT_RATE_WPM, make_engine
from .tts.cache import ClipCache

NO_BACKGROUND = ("none", "off", "no", "silence")


@dataclass(frozen=True)
class SessionOptions:
    """What a user can choose about how a session sounds."""

    engine: str = "auto"
    voice: str | None = None
    rate_wpm: int = DEFAULT_RATE_WPM
    sample_rate: int = 44100
    channels: int = 2
    loudness: float = -16.0
    voice_db: float = 0.0
    background_db: float = 0.0
    bell_db: float = 0.0
    duck_db: float = -10.0
    background: str | None = None  # None: the script's own; "none": no bed
    minutes: float | None = None

    def mix_settings(self, script: Script) -> MixSettings:
        return MixSettings(
            rate=self.sample_rate,
            channels=self.channels,
            loudness=self.loudness,
            voice_db=self.voice_db,
            background_db=self.background_db,
            bell_db=self.bell_db,
            duck_db=self.duck_db,
            background=self.resolve_background(script),
        )

    def resolve_background(self, script: Script) -> str | None:
        chosen = self.background if self.background is not None else script.background
        if chosen is None or chosen.strip().lower() in NO_BACKGROUND:
            return None
        return chosen


@dataclass
class Session:
    entry: Entry
    script: Script
    timeline: Timeline
    mixer: Mixer
    settings: MixSettings
    cache: ClipCache
    engine_identity: str
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.timeline.total


def prepare(
    id_or_path: str,
    options: SessionOptions = SessionOptions(),
    progress: Callable[[int, int], None] | None = None,
    script: tuple[Entry, Script] | None = None,
) -> Session:
    """Load the script, render its speech (cached), place it in time and set up the mixer."""
    from .beds import load_bed as bed_named
    from .bells import DEFAULT_BELL
    from .bells import load_bell as bell_named

    entry, script = script or library.load(id_or_path)
    settings = options.mix_settings(script)
    where = paths()
    cache = ClipCache(where.clips)
    engine = make_engine(options.engine, options.voice, options.rate_wpm)

    # Bells and the bed load in a second thread while speech renders in this one: decoding and
    # synthesis wait on ffmpeg or run in numpy, so the two overlap well and a cold start is quicker.
    wanted = {c.name for c in script.cues if isinstance(c, Bell)}
    wanted |= {c.bell or DEFAULT_INTERVAL_BELL for c in script.cues if isinstance(c, Sit) and c.bell_every_ms}

    def load_bell(name: str | None):
        return bell_named(name or DEFAULT_BELL, settings.rate, settings.channels, cache_dir=where.sounds)

    def load_bed():
        if settings.background is None:
            return None
        return bed_named(settings.background, settings.rate, settings.channels, cache_dir=where.sounds)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="guided-sounds") as pool:
        bells = {name: pool.submit(load_bell, name) for name in sorted(wanted, key=str)}
        bed_future = pool.submit(load_bed)

        def bell_samples(name: str | None):
            if name not in bells:
                bells[name] = pool.submit(load_bell, name)
            return bells[name].result()

        timeline = assemble(
            script,
            lambda text: cache.get(engine, text, settings.rate),
            lambda name: len(bell_samples(name)),
            rate=settings.rate,
            seconds=options.minutes * 60 if options.minutes is not None else None,
            progress=progress,
        )
        bed = bed_future.result()
        used = {e.bell for e in timeline.bells}
        mixer = Mixer(timeline, settings, cache, {name: bell_samples(name) for name in used}, bed)
    return Session(entry, script, timeline, mixer, settings, cache, engine.identity())
