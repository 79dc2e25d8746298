"""A session ready to be heard, and `prepare`, the one way to get one.

Script, speech, timeline and mixer are built the same way for every use, so play, export, journal
and serve all hear the same samples. A `Session` is what the Python API hands out: it exports,
plays, yields blocks, or becomes a pydub AudioSegment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audio.mixer import BLOCK, Mixer
from ..errors import FitError, UsageError
from ..options import SessionOptions, resolve
from ..paths import paths
from ..scripts.catalog import DEFAULT_SESSION, Catalog, ScriptFile, looks_like_script_text, parse_text, slug
from ..scripts.language import Bell, Script, Sit
from ..scripts.pronunciation import spoken_form
from ..timing.lengths import Lengths
from ..timing.timeline import DEFAULT_INTERVAL_BELL, Timeline, assemble
from ..tts import make_engine
from ..tts.cache import ClipCache
from ..tts.workers import render_all, workers_for

# A pydub AudioSegment holds every sample in memory: past this, export or blocks() are the way.
AUDIOSEGMENT_MAX_SECONDS = 30 * 60


@dataclass(frozen=True)
class Session:
    """A prepared session: every phrase rendered, every event placed, the mix set up."""

    entry: ScriptFile
    script: Script
    timeline: Timeline
    mixer: Mixer
    options: SessionOptions  # as resolved for this session
    background: str | None  # the bed it plays (the chosen one, else the script's); None for silence
    cache: ClipCache
    engine_identity: str
    # While speech still renders (prepare's `progressive`): the renderer, and how to get the
    # session as it is once every phrase is rendered.
    speech: object | None = field(default=None, compare=False, repr=False)
    settle: Callable[[], Session] | None = field(default=None, compare=False, repr=False)

    def settled(self) -> Session:
        """This session with every phrase rendered and placed exactly (itself when it is so)."""
        return self.settle() if self.settle is not None else self

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.script.title

    @property
    def total(self) -> int:
        """Length in samples at `rate`."""
        return self.timeline.total

    @property
    def rate(self) -> int:
        return self.options.sample_rate

    @property
    def channels(self) -> int:
        return self.options.channels

    @property
    def seconds(self) -> float:
        return self.timeline.seconds

    def stats(self) -> dict:
        return self.timeline.stats()

    def outline(self) -> dict:
        """Sections and events with their times in seconds, and the stats (`guided show --json`)."""
        return self.timeline.outline()

    def blocks(self, start: int = 0, block: int = BLOCK) -> Iterator[np.ndarray]:
        """The session as float32 arrays of shape (frames, channels), in order, from sample `start`."""
        if self.settle is not None:
            return self.settled().blocks(start, block)
        return self.mixer.blocks(start, block)

    def export(self, output: str | os.PathLike, *, format: str | None = None, bitrate: str | None = None,
               captions: str | None = None, cover: str | None = None,
               progress: Callable[[int, int], None] | None = None, metadata: dict[str, str] | None = None,
               log: bool = True):
        """Encode to `output` (its extension picks the format, or `format`; "-" is stdout) with tags,
        chapters and a cover; `captions` ("srt", "vtt", "lrc") writes captions beside it. With `log`
        the export goes in the practice log. Returns an `ExportResult`."""
        from ..export.encoding import export

        if self.settle is not None:
            return self.settled().export(output, format=format, bitrate=bitrate, captions=captions, cover=cover,
                                         progress=progress, metadata=metadata, log=log)
        self.check_writes(output, captions=captions, cover=cover)
        result = export(self, os.fspath(output), format, bitrate, progress, metadata, cover=cover, captions=captions)
        if log:
            from ..practice.log import record_export

            record_export(self, result.format)
        return result

    def check_writes(self, output: str | os.PathLike, *, captions: str | None = None, cover=None,
                     also: dict[Path, str] | None = None) -> None:
        """Refuse, in one line, an export whose files (the audio, its captions, and `also`) would
        overwrite a file the session is made from (script, bed, bells, cover) or one another."""
        check_export_files(files_read(self.entry.path, self.script, self.background), output, captions=captions,
                           cover=cover, also=also)

    def controls(self):
        """A fresh `Controls` for this session: pause, seek, sections, volume, stop, from any thread.
        Its sections are where the session is placed now (speech still rendering moves them)."""
        from ..play.controls import Controls

        timeline = self.mixer.timeline
        return Controls([c.start for c in timeline.sections], timeline.total, self.rate)

    def play(self, *, controls=None, device: int | str | None = None, section: int | str | None = None,
             on_tick: Callable | None = None, log: bool = True) -> str:
        """Play on the sound card (blocking) until the end or until `controls.stop()`; returns
        "finished", "stopped" or "interrupted". `section` starts at a section (number from 1, or
        words of its title); `device` is a device number or name (default: the system's). With `log`,
        what was actually heard goes in the practice log, however the playing ended."""
        from ..play.devices import choose_device
        from ..play.player import Player

        device_index = device if isinstance(device, int) or device is None else choose_device(device)
        start = self.timeline.sections[self.timeline.section_index(section)].start if section else 0
        player = Player(self.mixer, controls or self.controls(), device=device_index, start=start)
        ended = None
        try:
            ended = player.play(on_tick=on_tick)
            return ended
        finally:
            if self.speech is not None:
                self.speech.stop()
            # A device that never opened heard nothing; anything else heard is practice, Ctrl-C or not.
            if log and (ended is not None or player.heard):
                from ..practice.log import record_play

                record_play(self, player.heard, ended or "interrupted")

    def to_audiosegment(self, max_seconds: float = AUDIOSEGMENT_MAX_SECONDS):
        """The whole session as a pydub AudioSegment (16-bit). Its samples are filled block by block
        into one buffer; a session longer than `max_seconds` is refused (use export or blocks)."""
        from pydub import AudioSegment

        if self.settle is not None:
            return self.settled().to_audiosegment(max_seconds)
        if self.seconds > max_seconds:
            raise UsageError(
                f"{self.id} lasts {self.seconds / 60:.0f} minutes, more than an AudioSegment should hold "
                f"({max_seconds / 60:.0f}); use session.export(...) or session.blocks() for long sessions"
            )
        pcm = np.empty((self.total, self.channels), dtype="<i2")
        at = 0
        for block in self.blocks():
            pcm[at : at + len(block)] = np.round(np.clip(block, -1.0, 32767 / 32768) * 32768)
            at += len(block)
        return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=self.rate, channels=self.channels)


def prepare(
    source: str | os.PathLike | Script = DEFAULT_SESSION,
    *,
    options: SessionOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    id: str | None = None,
    progressive: bool = False,
    catalog: Catalog | None = None,
    also_speak: Sequence[str] = (),
    **choices,
) -> Session:
    """Load a session, render its speech (cached), place it in time and set up the mix.

    `source` is a library id ("heart-breathing"), a script file's path, the text of a script, or a
    parsed `Script`. `choices` are the sound options (engine, voice, rate, background, loudness,
    voice_volume, background_volume, bell_volume, duck, duck_hold, minutes, sample_rate, mono), resolved with the
    environment and config.toml (see `guided.options.resolve`); or pass `options` ready made.
    `progress(done, total)` hears each phrase as it is rendered. Ids are found in `catalog` (by
    default the built-in library, your own scripts and GUIDED_LIBRARY; `guided.library(folder)`'s
    own `prepare` searches its folders first).

    `also_speak`: phrases to have ready in the clip cache, rendered after the session's own, for a
    program that will say them later in this voice (a journal sitting's answers to spoken commands).

    With `progressive`, speech not yet cached renders in the background while the session already
    plays (`play` holds in silence if it catches up); `export`, `blocks` and `to_audiosegment`
    wait for every phrase first and give exactly what a session prepared without it gives.
    """
    if options is not None and choices:
        raise UsageError("give either options or separate choices, not both")
    options = options or resolve(**choices)
    entry, script = _load(source, id, catalog or Catalog())
    background = options.background_for(script.background)
    rate, channels = options.sample_rate, options.channels
    where = paths()
    cache = ClipCache(where.clips)
    from ..audio.beds import load_bed
    from ..audio.bells import load_bell
    from ..audio.sounds import BED_NAMES, BELL_NAMES, DEFAULT_BELL
    from ..audio.user_files import refuse_unusable

    seconds = options.minutes * 60 if options.minutes is not None else None
    wanted = {c.name for c in script.cues if isinstance(c, Bell)}
    wanted |= {c.bell or DEFAULT_INTERVAL_BELL for c in script.cues if isinstance(c, Sit) and c.bell_every_ms}
    # A sound that names nothing usable (a pipe, a folder, a missing file) is refused before any work.
    for name in sorted(wanted, key=str):
        refuse_unusable(name or DEFAULT_BELL, BELL_NAMES, "bell")
    if background is not None:
        refuse_unusable(background, BED_NAMES, "background")

    def bell_at_rate(name: str | None):
        return load_bell(name or DEFAULT_BELL, rate, channels, cache_dir=where.sounds)

    def bed_at_rate():
        if background is None:
            return None
        return load_bed(background, rate, channels, cache_dir=where.sounds)

    # The bed and the bells load in two threads of their own, from before the engine starts, while
    # this one places the speech: a bed's synthesis (numpy, which lets go of the GIL) and a bell's
    # decoding (ffmpeg) overlap on two cores, so a cold start waits for the longer of them only.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="guided-sounds") as pool:
        bed_future = pool.submit(bed_at_rate)  # first: the longest to make
        bells = {name: pool.submit(bell_at_rate, name) for name in sorted(wanted, key=str)}
        engine = make_engine(options.engine, options.voice, options.rate_wpm)

        def speak(text: str):
            return cache.get(engine, spoken_form(text, script.pronounce, engine.name), rate)

        def bell_samples(name: str | None):
            if name not in bells:
                bells[name] = pool.submit(bell_at_rate, name)
            return bells[name].result()

        def bell_frames(name: str | None) -> int:
            return len(bell_samples(name))

        # The one estimator of lengths: for the lines that say the session's length before it is known,
        # and, playing progressively, for every phrase not yet rendered.
        lengths = Lengths(options, lambda name, _rate: bell_frames(name))
        lengths.calibrate([script])
        estimate = lengths.estimate(script)
        arrangement = None
        if progressive:
            arrangement = _estimated_arrangement(script, engine, cache, bell_frames, lengths, rate, seconds)
        if arrangement is not None:
            timeline = arrangement.timeline()
            if not _still_to_render(arrangement):
                arrangement = None  # every phrase cached: the exact placement, as `assemble` makes it
        else:
            clips = _render_ahead(script, engine, speak, also_speak, progress)
            timeline = assemble(script, lambda text: clips.get(text) or speak(text), bell_frames, rate=rate,
                                seconds=seconds, estimate=estimate)
        bed = bed_future.result()
        used = {e.bell for e in timeline.bells}
        mixer = Mixer(timeline, options, cache, {name: bell_samples(name) for name in used}, bed)
    if arrangement is None:
        return Session(entry, script, timeline, mixer, options, background, cache, engine.identity())
    from ..play.progressive import LiveMixer, LiveSpeech
    from ..timing.timeline import spoken_texts

    # Speech starts rendering only now, once the bed and the bells are made: they are what the first
    # block needs (a phrase it needs is waited for in silence by the player), and on two cores a
    # speech thread started earlier takes from them the CPU that the first sound waits for.
    target = round(seconds * rate) if seconds is not None else None
    # Once every phrase is rendered the engine's model is let go: a sitting or a long play goes on
    # for many minutes without it (a sitting then loads its Whisper model).
    live = LiveSpeech(arrangement, speak, [*spoken_texts(arrangement.script), *also_speak], target,
                      workers=workers_for(engine), finished=getattr(engine, "release", None))
    settled_session: list[Session] = []

    def settled() -> Session:
        """The session once every phrase is rendered: placed exactly, as `assemble` places it, and
        mixed with the bed and bells already made and the engine already running."""
        live.wait()
        if not settled_session:
            exact = assemble(script, speak, lambda name: len(loaded_bell(name)), rate=rate, seconds=seconds,
                             estimate=estimate)
            sounds = {e.bell: loaded_bell(e.bell) for e in exact.bells}
            settled_session.append(Session(entry, script, exact, Mixer(exact, options, cache, sounds, bed), options,
                                           background, cache, engine.identity()))
        return settled_session[0]

    def loaded_bell(name: str | None):
        return bells[name].result() if name in bells else bell_at_rate(name)

    return Session(entry, script, timeline, LiveMixer(live, mixer), options, background, cache, engine.identity(),
                   speech=live, settle=settled)


def _render_ahead(script: Script, engine, speak, also_speak: Sequence[str], progress) -> dict:
    """Every phrase the session says, and `also_speak`, rendered (or found cached) on as many
    workers as the engine can use; by the text `assemble` asks for. A line that says the session's
    length waits for it, so `assemble` renders it itself. The longest are begun first: nothing is
    heard before all are done, and a long phrase begun last would keep one worker busy alone."""
    from ..scripts.spoken_words import MINUTES
    from ..timing.timeline import spoken_texts

    texts = [text for text in dict.fromkeys([*spoken_texts(script), *also_speak]) if MINUTES not in text]
    texts.sort(key=lambda text: -len(text))
    return render_all(speak, texts, workers_for(engine), done=progress)


def _estimated_arrangement(script, engine, cache, bell_frames, lengths: Lengths, rate: int, seconds):
    """The session placed with what is cached and estimates for the rest (rendered later, while it
    plays); None when the estimates cannot be fitted (the exact fit then says why)."""
    from ..timing.timeline import EstimatedClip, arrange

    def known(text: str):
        spoken = spoken_form(text, script.pronounce, engine.name)
        return cache.find(engine, spoken, rate) or EstimatedClip(lengths.guess(spoken))

    try:
        arrangement = arrange(script, known, bell_frames, rate=rate, seconds=seconds, estimate=known)
    except FitError:
        return None
    return arrangement


def _still_to_render(arrangement) -> bool:
    """Whether any phrase of `arrangement` is placed by an estimate rather than its clip."""
    from ..timing.timeline import EstimatedClip

    return any(i.kind == "speech" and isinstance(i.clip, EstimatedClip) for i in arrangement.items)


def files_read(script_file: Path | None, script: Script, background: str | None) -> dict[Path, str]:
    """The files a session is made from, by what they are to it: its script, its bed and its bells
    (those named by a path rather than a built-in's name), for an export to check it never
    overwrites one of them."""
    from ..audio.sounds import BED_NAMES, BELL_NAMES, DEFAULT_BELL

    found: dict[Path, str] = {}
    if script_file is not None and Path(script_file).is_file():
        found[Path(script_file)] = "the script"
    if background is not None and background.strip().lower() not in BED_NAMES:
        found[Path(background).expanduser()] = "the background"
    bells = {c.name for c in script.cues if isinstance(c, Bell)} | {
        c.bell for c in script.cues if isinstance(c, Sit) and c.bell_every_ms}
    for name in bells:
        if name and name.strip().lower() not in BELL_NAMES and name != DEFAULT_BELL:
            found[Path(name.strip()).expanduser()] = "a bell"
    return found


def check_export_files(reads: dict[Path, str], output: str | os.PathLike, *, captions: str | None = None,
                       cover=None, also: dict[Path, str] | None = None) -> None:
    """Refuse, in one line, an export to `output` (with `captions` beside it, and `also`) that would
    overwrite one of the files it `reads` (plus `cover`, when it names a file) or one of its own."""
    from ..export.encoding import caption_path, refuse_overwriting

    writes: list[tuple[Path, str]] = []
    if os.fspath(output) != "-":
        writes.append((Path(output).expanduser(), "the audio"))
        if captions:
            writes.append((caption_path(os.fspath(output), captions), "the captions"))
    writes += [(Path(path).expanduser(), what) for path, what in (also or {}).items()]
    reads = dict(reads)
    if isinstance(cover, (str, os.PathLike)) and os.fspath(cover).strip().lower() not in ("auto", "none"):
        reads[Path(cover).expanduser()] = "the cover"
    refuse_overwriting(writes, reads)


def files_read_by(source: str | os.PathLike, options: SessionOptions, catalog: Catalog | None = None) -> dict[Path, str]:
    """`files_read` of the session `prepare(source, ...)` would make, without preparing it."""
    found, script = _load(source, None, catalog or Catalog())
    return files_read(found.path, script, options.background_for(script.background))


def _load(source: str | os.PathLike | Script, name: str | None, catalog: Catalog) -> tuple[ScriptFile, Script]:
    """The script file and script behind any source `prepare` takes."""
    if isinstance(source, Script):
        return ScriptFile(name or slug(source.title), Path(source.path), "script"), source
    if isinstance(source, str) and looks_like_script_text(source):
        script = parse_text(source)
        return ScriptFile(name or slug(script.title), Path("<text>"), "text"), script
    return catalog.load_session(os.fspath(source))
