"""From a Timeline to blocks of PCM: speech, bells and a ducked background bed, at a set loudness.

Any stretch of the session can be rendered on its own (`render(start, frames)`), and the samples
do not depend on how the session is cut into blocks: play, export and journal all hear the same
session, sample for sample, and seeking is as cheap as rendering. Memory stays flat however long
the session is: only the current block, a few decoded clips, the bells and one bed loop are held.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..dsp import loudness
from ..dsp.peaks import guard_gain, guarded_step_powers
from ..errors import SoundError
from ..options import SessionOptions
from ..timing.timeline import Timeline
from ..tts.cache import ClipCache
from .clips import ClipSamples
from .stored import StoredSound

BLOCK = 32768  # frames per block: about 0.75 s at 44.1 kHz


FADE_MS = 6000  # the bed's fade in and out
CEILING_DB = -1.5  # sample peak ceiling; keeps true peak at or below -1 dBTP
# How the parts sit against the voice before the whole mix is brought to the chosen loudness.
BED_BELOW_VOICE_LU = 14.0
BELL_BELOW_VOICE_LU = 4.0
# The bed ducks by passage, not by phrase: it stays down through the pauses between sentences
# (most of the library's are 3-6 s, and a bed swelling in each one pumps) and rises only into a
# silence of the options' `duck_hold_ms` or more, the sittings and breathing where it is a gift.
DUCK_LEAD_MS = 1500  # going down, this long before the next phrase: the voice never enters on a swell
DUCK_DELAY_MS = 600  # the last word's tail heard on a still bed before it starts to rise
DUCK_RISE_MS = 8000  # slow: a 10 dB dip comes back 4 dB within 2 s at most, a tide not a swell
LIMIT_WINDOW_MS = 8  # the peak guard's look-ahead and release
BELL_PEAK_MARGIN_DB = 3.0  # bells peak at least this far under the ceiling
FULL_SCALE_MARGIN = 1.001  # the guard's own rounding; anything past it is a mix gone wrong
UNSOUND = ("the mix came out unsound (samples past full scale, or not numbers); nothing more was played or "
           "written. Try a quieter --loudness or the default, and please report it")


GAIN_LIMITS_DB = (-60.0, 40.0)  # the whole mix's correction never leaves these
SHORT_OF_REACH_LU = 0.1  # a target out of reach: the least gain within this of the loudest mix


def solve_gain(miss, start: float, tolerance: float = 0.01) -> float:
    """The correction in dB at which `miss(db)`, the mix's loudness less its target, is zero.

    `miss` never falls as the gain rises, but it may level off: held bells and the peak guard stop
    the mix from growing louder. So the search is kept inside a bracket that only ever narrows
    (regula falsi, the Illinois way), within GAIN_LIMITS_DB, and cannot run away; a target beyond
    reach gets the least gain that comes within SHORT_OF_REACH_LU of the loudest the mix can be.
    A mix with nothing to measure (silence) keeps its start."""
    low, high = GAIN_LIMITS_DB
    found: dict[float, float] = {}

    def f(db: float) -> float:
        if db not in found:
            error = float(miss(db))
            found[db] = error if not np.isnan(error) else -np.inf
        return found[db]

    db = min(max(start, low), high)
    error = f(db)
    if not np.isfinite(error) or abs(error) < tolerance:
        return db
    # A bracket [a, b] with f(a) < 0 < f(b), widened from the start in steps that double.
    step = max(1.0, abs(error))
    if error > 0:
        b, a = db, max(low, db - step)
        while f(a) > 0 and a > low:
            step *= 2
            a = max(low, a - step)
        if f(a) > 0:
            return low
    else:
        a, b = db, min(high, db + step)
        while f(b) < 0 and b < high:
            step *= 2
            b = min(high, b + step)
        if f(b) < 0:  # out of reach: aim just under the loudest the mix can be
            shortfall = f(b) - SHORT_OF_REACH_LU
            return solve_gain(lambda x: miss(x) - shortfall, a, tolerance) if np.isfinite(shortfall) else b
    fa, fb, side = f(a), f(b), 0
    for _ in range(40):
        db = b - fb * (b - a) / (fb - fa) if fb != fa else (a + b) / 2
        error = f(db)
        if abs(error) < tolerance or b - a < 1e-6:
            return db
        if error > 0:
            b, fb = db, error
            if side == 1:
                fa /= 2  # the same end moved twice: halve the other's weight, so the bracket closes
            side = 1
        else:
            a, fa = db, error
            if side == -1:
                fb /= 2
            side = -1
    return db


def _ramp(x: np.ndarray) -> np.ndarray:
    """A smooth rise from 0 (x <= 0) to 1 (x >= 1): half a cosine, no corners to hear."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


# Every phrase is brought to this loudness on its own (one channel), from its own step powers, as
# soon as it is rendered; the session's gains then need only where speech is, not what it says, so
# a session can start playing while later phrases still render.
PHRASE_LUFS = -20.0


def phrase_gain(clip) -> float:
    """The gain that brings a rendered phrase to PHRASE_LUFS."""
    own = loudness.integrated(clip.step_powers)
    return loudness.db_to_gain(PHRASE_LUFS - own) if np.isfinite(own) else 1.0


def _step_powers(sound, rate: int) -> np.ndarray:
    """A bell's step powers: measured when a user's file was made into one, else now (or found
    kept beside a cached built-in)."""
    return sound.step_powers() if isinstance(sound, StoredSound) else loudness.step_powers(sound, rate)


def _peak(sound) -> float:
    return sound.peak if isinstance(sound, StoredSound) else float(np.abs(sound).max(initial=0.0))


@dataclass(frozen=True)
class Levels:
    """The session's gains: worked out once, kept when the timeline is placed again."""

    voice: float
    bed: float
    bell: float
    bells: dict


class Mixer:
    def __init__(self, timeline: Timeline, options: SessionOptions, cache: ClipCache, bells: dict, bed=None,
                 levels: Levels | None = None, clips: ClipSamples | None = None) -> None:
        """The mix of `timeline` as `options` choose it (rate, channels, loudness, volumes, ducking).
        `bells` maps each bell name in the timeline to its (frames, channels) samples (an array, or
        a user's file as a `StoredSound`, read a block at a time); `bed` is a
        `beds.Bed` (or None), already at the session's rate and channels. `levels` (default: worked
        out from this timeline) and `clips` are shared by a mixer of the same session placed again."""
        if options.sample_rate != timeline.rate:
            raise ValueError("the mixer's rate must be the timeline's rate")
        self.timeline = timeline
        self.options = options
        self.rate = options.sample_rate
        self.channels = options.channels
        self.total = timeline.total
        self.clips = clips or ClipSamples(cache)
        self.bells = bells
        self.bed = bed
        self.speech = timeline.speech
        self._speech_starts = [e.start for e in self.speech]
        self._speech_longest = max((e.length for e in self.speech), default=0)
        self.bell_events = timeline.bells
        self._bell_starts = [e.start for e in self.bell_events]
        self._bell_longest = max((len(bells[e.bell]) for e in self.bell_events), default=0)
        self._duck_regions = self._passages()
        self._duck_region_starts = [r[0] for r in self._duck_regions]
        self.levels = levels or self._levels()
        self.voice_gain, self.bed_gain, self.bell_gain = self.levels.voice, self.levels.bed, self.levels.bell
        self.bell_gains: dict[str, float] = self.levels.bells
        self._phrase_gains: dict[str, float] = {}
        self.limit_window = max(3, round(self.rate * LIMIT_WINDOW_MS / 1000)) | 1

    def retimed(self, timeline: Timeline) -> Mixer:
        """This session's mixer for `timeline`, the same session placed again: same gains, sounds
        and decoded clips."""
        return Mixer(timeline, self.options, self.clips.cache, self.bells, self.bed, self.levels, self.clips)

    # --- levels ahead of mixing ---------------------------------------------------------------
    def _levels(self) -> Levels:
        s = self.options
        rate = self.rate
        step = int(round(rate * loudness.STEP_SECONDS))
        steps = -(-self.total // step)

        def place(target: np.ndarray, powers, start: int) -> None:
            # A sound starting part-way into a step spreads each of its steps over two.
            first, into = divmod(start, step)
            powers = np.asarray(powers, dtype=np.float64)
            if into:
                late = into / step
                powers = np.append(powers * (1 - late), 0.0) + np.append(0.0, powers * late)
            powers = powers[: max(0, steps - first)]
            target[first : first + len(powers)] += powers

        # Speech first without the peak guard, to set the voice's gain; the guard is counted below.
        speech = self._speech_powers(1.0, steps, place, guard=False)
        speech_lufs = loudness.integrated(speech) if speech.any() else s.loudness
        voice = loudness.db_to_gain(s.voice_db)
        voice_gain = loudness.db_to_gain(s.loudness - speech_lufs)

        # Each bell is brought to the same loudness against the voice, whatever its own character.
        bell_parts: dict[str, np.ndarray] = {}
        bell_gains: dict[str, float] = {}
        bell_caps: dict[str, float] = {}
        for name, samples in self.bells.items():
            powers = _step_powers(samples, rate)
            own = loudness.integrated(powers)
            gain = loudness.db_to_gain(s.loudness - BELL_BELOW_VOICE_LU - own) if np.isfinite(own) else 0.0
            bell_gains[name] = gain * loudness.db_to_gain(s.bell_db)
            # A struck bell's first moment is far above its loudness: cap it below the ceiling so
            # the peak guard never has to flatten the strike (which would also lose loudness).
            peak = _peak(samples)
            bell_caps[name] = loudness.db_to_gain(CEILING_DB - BELL_PEAK_MARGIN_DB) / peak if peak > 0 else 0.0
            part = np.zeros(steps)
            for event in self.bell_events:
                if event.bell == name:
                    place(part, powers, event.start)
            bell_parts[name] = part

        bed = np.zeros(steps)
        bed_gain = 0.0
        if self.bed is not None:
            loop_powers = self.bed.step_powers()
            own = loudness.integrated(loop_powers)
            bed_gain = loudness.db_to_gain(s.loudness - BED_BELOW_VOICE_LU - own)
            centres = np.arange(steps) * step + step // 2
            envelope = self.bed_envelope(centres)
            tiled = np.resize(loop_powers, steps)  # the loop's own powers, repeated
            bed = tiled * envelope**2 * bed_gain**2

        bed *= loudness.db_to_gain(s.background_db) ** 2
        # Bring the whole mix to the target. Bells held at their cap stay there, and the peak guard
        # trims the voice's sharpest peaks harder as it rises, so the mix does not follow the gain
        # one for one: find the gain by the secant method (two or three looks where the guard works).
        def miss(db: float, guard: bool = True) -> tuple[float, dict]:
            gain = loudness.db_to_gain(db)
            caps = {n: min(g * gain, bell_caps[n]) for n, g in bell_gains.items()}
            bells = sum((part * caps[n] ** 2 for n, part in bell_parts.items()), np.zeros(steps))
            spoken = self._speech_powers(voice_gain * voice * gain, steps, place) if guard else speech * gain**2
            return loudness.integrated(spoken + bed * gain**2 + bells) - s.loudness, caps

        # First without the guard, which costs nothing to look again at; then with it, from there.
        speech *= voice_gain**2 * voice**2
        db = solve_gain(lambda x: miss(x, guard=False)[0], 0.0)
        db = solve_gain(lambda x: miss(x)[0], db)
        _error, finals = miss(db)
        correction = loudness.db_to_gain(db)
        return Levels(
            voice_gain * voice * correction,
            bed_gain * loudness.db_to_gain(s.background_db) * correction,
            loudness.db_to_gain(s.bell_db) * correction,
            finals,
        )

    def _speech_powers(self, gain: float, steps: int, place, guard: bool = True) -> np.ndarray:
        """Step powers of the voice at the session's voice gain `gain`, every phrase at PHRASE_LUFS.

        A rendered phrase counts with its own step powers: its quiet edges and the gaps between words
        lower the mix's loudness once the bed lifts them over the gate (half a unit in a typical
        session). A phrase whose peaks reach the ceiling at this gain is measured again as the peak
        guard leaves it: in a sparse session the voice is raised enough for the guard to take most of
        a unit. A phrase still rendering counts as that loudness held over its estimated length, so
        the gains are known before a word is rendered. Speech sits in every channel, so its power
        counts once per channel."""
        ceiling = loudness.db_to_gain(CEILING_DB)
        step = int(round(self.rate * loudness.STEP_SECONDS))
        held = 10 ** ((PHRASE_LUFS + 0.691) / 10) * gain**2 * self.channels
        out = np.zeros(steps)
        known: dict[str, np.ndarray] = {}
        for event in self.speech:
            clip = event.clip
            if not getattr(clip, "step_powers", None):
                out[event.start // step : min(steps, -(-event.end // step))] += held
                continue
            powers = known.get(clip.key)
            if powers is None:
                level = gain * phrase_gain(clip)
                if not guard or clip.peak * level <= ceiling:
                    powers = np.asarray(clip.step_powers) * level**2
                else:
                    width = max(3, round(clip.native_rate * LIMIT_WINDOW_MS / 1000)) | 1
                    powers = guarded_step_powers(self.clips.cache.samples(clip) / 32768.0, clip.step_powers,
                                                          level, ceiling, width, clip.native_rate)
                known[clip.key] = powers
            place(out, powers * self.channels, event.start)
        return out

    def phrase_gain(self, clip) -> float:
        """The voice's gain for this phrase: the session's, times the phrase's own to PHRASE_LUFS."""
        found = self._phrase_gains.get(clip.key)
        if found is None:
            found = self._phrase_gains[clip.key] = self.voice_gain * phrase_gain(clip)
        return found

    def _passages(self) -> list[tuple[int, int]]:
        """The passages the bed stays down under, (start, end): phrases with pauses shorter than the
        hold between them, from the first word to the last. A session that starts or ends with
        a pause shorter than the hold keeps the bed down there too (its fades do the rest)."""
        hold = round(self.rate * self.options.duck_hold_ms / 1000)
        speech = self.speech
        if not speech:
            return []
        regions = [[min(e.start for e in speech), 0]]
        for end, start in self.timeline.pauses:
            if start - end >= hold:
                regions[-1][1] = end
                regions.append([start, 0])
        regions[-1][1] = max(e.end for e in speech)
        if regions[0][0] < hold:
            regions[0][0] = 0
        if self.total - regions[-1][1] < hold:
            regions[-1][1] = self.total
        return [(a, b) for a, b in regions]

    @property
    def duck_reach(self) -> int:
        """How far ahead (samples) the bed's level at a moment depends on where phrases are: the
        hold, which decides whether a pause is long enough to rise into, and the lead before a phrase."""
        return round(self.rate * (self.options.duck_hold_ms + DUCK_LEAD_MS) / 1000)

    # --- envelopes ----------------------------------------------------------------------------
    def bed_envelope(self, positions: np.ndarray) -> np.ndarray:
        """The bed's gain (0..1) at each of the ascending `positions`: fades at both ends, dips under
        speech. Only the stretches where something changes are computed; the rest is constant."""
        envelope = np.ones(positions.size)
        if positions.size == 0:
            return envelope
        low, high = int(positions[0]), int(positions[-1])
        fade = max(1, round(self.rate * FADE_MS / 1000))

        def span(a: float, b: float) -> slice:
            return slice(int(np.searchsorted(positions, a)), int(np.searchsorted(positions, b)))

        head = span(-np.inf, fade)
        envelope[head] *= _ramp(positions[head] / fade)
        tail = span(self.total - fade, np.inf)
        envelope[tail] *= _ramp((self.total - positions[tail]) / fade)

        lead = self.rate * DUCK_LEAD_MS / 1000
        delay = self.rate * DUCK_DELAY_MS / 1000
        rise = self.rate * DUCK_RISE_MS / 1000
        duck = np.zeros(positions.size)
        index = bisect.bisect_right(self._duck_region_starts, high + lead) - 1
        while index >= 0:
            start, end = self._duck_regions[index]
            if end + delay + rise < low:
                break
            duck[span(start, end + 1)] = 1.0
            going = span(start - lead, start)
            np.maximum(duck[going], _ramp((positions[going] - (start - lead)) / lead), out=duck[going])
            rising = span(end + 1, end + delay + rise)
            np.maximum(duck[rising], _ramp(((end + delay + rise) - positions[rising]) / rise), out=duck[rising])
            index -= 1
        if self.options.duck_db:
            envelope *= np.power(loudness.db_to_gain(self.options.duck_db), duck)
        return envelope

    # --- rendering ----------------------------------------------------------------------------
    def _raw(self, start: int, frames: int) -> np.ndarray:
        out = np.zeros((frames, self.channels), dtype=np.float32)
        end = start + frames
        first = bisect.bisect_left(self._speech_starts, start - self._speech_longest)
        for event in self.speech[first:]:
            if event.start >= end:
                break
            if event.end <= start:
                continue
            samples = self.clips.get(event.clip)
            a, b = max(start, event.start), min(end, event.start + len(samples))
            if a < b:
                out[a - start : b - start] += (samples[a - event.start : b - event.start] * self.phrase_gain(event.clip))[:, None]
        first = bisect.bisect_left(self._bell_starts, start - self._bell_longest)
        for event in self.bell_events[first:]:
            if event.start >= end:
                break
            samples = self.bells[event.bell]
            a, b = max(start, event.start), min(end, event.start + len(samples))
            if a < b:
                out[a - start : b - start] += samples[a - event.start : b - event.start] * self.bell_gains[event.bell]
        if self.bed is not None and self.bed_gain > 0:
            a, b = max(0, start), min(end, self.total)
            if a < b:
                envelope = self.bed_envelope(np.arange(a, b)).astype(np.float32)
                out[a - start : b - start] += self.bed.read(a, b - a) * (envelope * self.bed_gain)[:, None]
        if start < 0:
            out[: min(frames, -start)] = 0.0
        if end > self.total:
            out[max(0, self.total - start) :] = 0.0
        return out

    def render(self, start: int, frames: int) -> np.ndarray:
        """The session's samples from `start` for `frames` frames, float32 (frames, channels)."""
        w = self.limit_window
        # Each gain depends on peaks up to three half-windows away; two windows of margin on each
        # side make the block's own samples independent of where the block was cut.
        margin = 2 * w
        raw = self._raw(start - margin, frames + 2 * margin)
        ceiling = loudness.db_to_gain(CEILING_DB)
        peaks = np.abs(raw[:, 0])
        for channel in range(1, self.channels):
            np.maximum(peaks, np.abs(raw[:, channel]), out=peaks)
        top = peaks.max(initial=0.0)
        if not np.isfinite(top):
            raise SoundError(UNSOUND)
        if top <= ceiling:
            return raw[margin : margin + frames]
        # A peak guard with no memory: each gain depends only on samples within a few ms, so any
        # block gives the same result. min-filter then moving average never exceeds the needed cut.
        gain = guard_gain(peaks, ceiling, w)
        out = (raw * gain[:, None].astype(np.float32))[margin : margin + frames]
        # Whatever the gains, nothing at full scale may reach a file or a speaker: refuse instead.
        if not np.abs(out).max(initial=0.0) <= ceiling * FULL_SCALE_MARGIN:
            raise SoundError(UNSOUND)
        return out

    def blocks(self, start: int = 0, block: int = BLOCK) -> Iterator[np.ndarray]:
        position = start
        while position < self.total:
            frames = min(block, self.total - position)
            yield self.render(position, frames)
            position += frames
