"""Two ways to export a session with pydub, for benchmarks/export.py to measure against guided.

    python benchmarks/pydub_export.py naive|fair PLAN OUT [--format mp3] [--bitrate 160k]

PLAN is the plan.json that benchmarks/session_parts.py writes beside the session's clips (already
at 44.1 kHz, as guided's mixer reads them), bells and bed loop. Both pipelines place the same clips
at the same samples as guided does, and export through pydub's own ffmpeg call.

naive   The first version anyone writes: `+=` for every pause and phrase, the bed looped and
        overlaid with fixed levels and pydub's linear fades, one full-length `overlay` per bell,
        peak-normalised. It does less than guided (no ducking, no loudness target) and its cost
        grows with the square of the length: every `+=` and `overlay` copies the whole session.
fair    guided's mix, written the way a competent pydub user would, in linear time. The voice
        track is a list of pauses and phrases joined once; the bed is the loop repeated to length,
        ducked under speech (the same depth, attack and release, close phrases merged) and faded
        (the same half-cosine ramps), then `apply_gain` and one `overlay`; the bells are added into
        a pre-built silent track in one pass. Levels follow guided's rules: the voice at the
        loudness target, the bed and bells the same number of LU below it, a bell's peak held a
        margin under the ceiling; then the whole mix is brought to the target as it is heard
        after the same 8 ms peak guard, measuring and correcting until it is within 0.1 LU.
        pydub has no loudness meter, envelope or limiter, so those are numpy on the samples
        (get_array_of_samples' buffer), a few seconds at a time where a whole-length float copy
        would only waste memory.

Either way the whole session is in memory at once: that is how pydub works.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

CHUNK_STEPS = 100  # the meter and the limiter read this many 100 ms steps at a time (10 s)
MAX_PASSES = 6  # tries at the loudness target (guided stops after 4)
TOLERANCE_LU = 0.1  # what a loudness meter shows
CODECS = {"mp3": "libmp3lame", "ogg": "libvorbis", "flac": "flac", "wav": "pcm_s16le"}


def load_plan(plan_file: str) -> tuple[dict, Path]:
    path = Path(plan_file)
    return json.loads(path.read_text()), path.parent


# --- naive ------------------------------------------------------------------------------------
def naive(plan_file: str, output: str, fmt: str, bitrate: str | None) -> None:
    """Build the whole session in memory with pydub, the way a first version would."""
    from pydub import AudioSegment, effects

    plan, folder = load_plan(plan_file)
    rate = plan["rate"]

    def silence(ms: float) -> AudioSegment:
        return AudioSegment.silent(duration=ms, frame_rate=rate).set_channels(2)

    voices = {
        name: AudioSegment.from_wav(folder / name).set_frame_rate(rate).set_channels(2)
        for name in sorted({e["clip"] for e in plan["speech"]})
    }
    bells = {name: AudioSegment.from_wav(folder / name).apply_gain(-4.0) for name in {b["bell"] for b in plan["bells"]}}
    bed = AudioSegment.from_wav(folder / plan["bed"]).apply_gain(-14.0)

    session = silence(0)
    for event in plan["speech"]:  # in time order
        at = event["start"] * 1000 / rate
        if at > len(session):
            session += silence(at - len(session))  # the pause before this phrase
        session += voices[event["clip"]]
    total = plan["frames"] * 1000 / rate
    if total > len(session):
        session += silence(total - len(session))
    session = session[:total]

    loops = math.ceil(len(session) / len(bed))
    background = (bed * loops)[: len(session)].fade_in(plan["mix"]["fade_ms"]).fade_out(plan["mix"]["fade_ms"])
    session = session.overlay(background)
    for bell in plan["bells"]:
        session = session.overlay(bells[bell["bell"]], position=bell["start"] * 1000 / rate)
    session = effects.normalize(session, headroom=1.0)
    session.export(output, format=fmt, codec=CODECS[fmt], bitrate=bitrate)


# --- numpy where pydub has no operation -------------------------------------------------------
def samples_of(segment) -> np.ndarray:
    """A read-only (frames, channels) int16 view of a segment's samples: no copy."""
    return np.frombuffer(segment.raw_data, dtype="<i2").reshape(-1, segment.channels)


def segment_of(samples: np.ndarray, rate: int):
    from pydub import AudioSegment

    return AudioSegment(samples.astype("<i2", copy=False).tobytes(), frame_rate=rate, sample_width=2,
                        channels=samples.shape[1])


def k_weighting_power(rate: int, size: int) -> np.ndarray:
    """|H(f)|² of BS.1770's K-weighting (high shelf, then high pass, from the analogue prototype as
    libebur128 derives it for any rate) at the bins of an rfft of `size` samples."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh, vb = 10 ** (gain_db / 20), 10 ** (gain_db / 20 * 0.4996667741545416)
    a0 = 1 + k / q + k * k
    shelf = ([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
             [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = ([1.0, -2.0, 1.0], [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    z = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size / 2))
    response = np.ones(z.shape, dtype=complex)
    for b, a in (shelf, high_pass):
        response *= np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
    return np.abs(response) ** 2


def step_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """K-weighted power of each 100 ms step, summed over channels; `samples` is (frames, channels)
    at full scale 1.0 (int16 is scaled), and the last step is padded with silence.

    Each step is weighted in the frequency domain (Parseval), with numpy alone: no filter state
    crosses from one step to the next, which moves a programme's loudness by far less than the
    0.1 LU a meter shows."""
    step = round(rate * 0.1)
    frames, channels = samples.shape
    weights = np.full(step // 2 + 1, 2.0)
    weights[0] = 1.0
    if step % 2 == 0:
        weights[-1] = 1.0
    weights *= k_weighting_power(rate, step)
    steps = -(-frames // step)
    chunk = np.zeros((channels, steps * step), dtype=np.float32)  # channel by channel: contiguous steps
    chunk[:, :frames] = samples.T
    if samples.dtype == np.int16:
        chunk /= 32768.0
    spectra = np.fft.rfft(chunk.reshape(channels, steps, step), axis=2)
    return ((spectra.real**2 + spectra.imag**2) @ weights.astype(np.float32)).sum(axis=0) / step**2


def integrated(powers: np.ndarray) -> float:
    """Integrated loudness (BS.1770-4) from step powers: 400 ms blocks every 100 ms, gated at
    -70 LUFS and then 10 LU under the mean of what is left."""
    blocks = np.convolve(powers, np.ones(4) / 4, mode="valid") if len(powers) >= 4 else powers
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    kept = blocks[levels > -70.0]
    if kept.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * math.log10(kept.mean()) - 10.0
    kept = kept[-0.691 + 10 * np.log10(kept) > relative]
    return -0.691 + 10 * math.log10(kept.mean())


def integrated_lufs(samples: np.ndarray, rate: int, channels_heard: int | None = None) -> float:
    """Integrated loudness of (frames, channels) int16 samples, read a few seconds at a time;
    `channels_heard` counts a mono track as that many identical channels (a voice heard in both)."""
    chunk = round(rate * 0.1) * CHUNK_STEPS
    powers = np.concatenate([step_powers(samples[a : a + chunk], rate) for a in range(0, len(samples), chunk)])
    return integrated(powers * ((channels_heard or samples.shape[1]) / samples.shape[1]))


def duck_regions(starts_ends: list[tuple[int, int]], merge: int) -> list[tuple[int, int]]:
    """Phrases closer than `merge` samples keep the bed down between them (no pumping)."""
    regions: list[list[int]] = []
    for start, end in starts_ends:
        if regions and start - regions[-1][1] <= merge:
            regions[-1][1] = max(regions[-1][1], end)
        else:
            regions.append([start, end])
    return [(a, b) for a, b in regions]


def ramp(x: np.ndarray) -> np.ndarray:
    """Half a cosine from 0 to 1: the shape of every fade and duck ramp."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def scale(samples: np.ndarray, start: int, gain: np.ndarray) -> None:
    """Multiply samples[start : start + len(gain)] (int16, in place) by a per-frame gain."""
    end = min(len(samples), start + len(gain))
    start_in = max(0, -start)
    start = max(0, start)
    if start >= end:
        return
    part = samples[start:end].astype(np.float32) * gain[start_in : start_in + end - start, None]
    samples[start:end] = np.round(part).astype(np.int16)


def duck_and_fade(bed: np.ndarray, plan: dict, clip_frames: dict[str, int]) -> None:
    """Dip the bed (int16, in place) under speech and fade it in and out, as guided's mixer does:
    the gain in dB follows a half-cosine ramp to the duck depth over the attack before a run of
    speech and back over the release after it; the fades are half-cosine ramps in amplitude."""
    mix, rate, total = plan["mix"], plan["rate"], len(bed)
    attack = rate * mix["duck_attack_ms"] / 1000
    release = rate * mix["duck_release_ms"] / 1000
    spoken = [(e["start"], e["start"] + clip_frames[e["clip"]]) for e in plan["speech"]]
    depth = 10 ** (mix["duck_db"] / 20)
    for start, end in duck_regions(spoken, round(rate * mix["duck_merge_ms"] / 1000)):
        a, b = math.ceil(start - attack), math.floor(end + release)  # the region and both ramps
        positions = np.arange(a, b + 1, dtype=np.float64)
        duck = np.where(positions < start, ramp((positions - (start - attack)) / attack),
                        np.where(positions <= end, 1.0, ramp(((end + release) - positions) / release)))
        scale(bed, a, np.power(depth, duck).astype(np.float32))
    fade = max(1, round(rate * mix["fade_ms"] / 1000))
    scale(bed, 0, ramp(np.arange(fade) / fade).astype(np.float32))
    scale(bed, total - fade, ramp((fade - np.arange(fade)) / fade).astype(np.float32))


def sliding(values: np.ndarray, width: int, ufunc) -> np.ndarray:
    """np.maximum or np.minimum over a centred window of odd `width`, edges repeated, in linear
    time whatever the width (van Herk / Gil-Werman: running extremes within blocks of `width`,
    forwards and backwards, combined)."""
    half, count = width // 2, values.size
    padded = np.pad(values, half, mode="edge")
    blocks = -(-padded.size // width)
    rows = np.full(blocks * width, -np.inf if ufunc is np.maximum else np.inf, dtype=values.dtype)
    rows[: padded.size] = padded
    rows = rows.reshape(blocks, width)
    forwards = ufunc.accumulate(rows, axis=1).ravel()
    backwards = ufunc.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    return ufunc(backwards[:count], forwards[width - 1 : width - 1 + count])


def moving_average(values: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    sums = np.cumsum(np.pad(values, (half + 1, half), mode="edge"), dtype=np.float64)
    return (sums[width:] - sums[:-width]) / width


def guard_peaks(samples: np.ndarray, ceiling: float, width: int) -> None:
    """Hold float (frames, channels) samples at or under `ceiling`, in place, with guided's peak
    guard: the cut each frame needs, spread by a minimum then a moving average over `width`
    frames, so that it never asks for less than needed and rises and falls over a few ms."""
    peaks = np.abs(samples[:, 0])
    for channel in range(1, samples.shape[1]):
        np.maximum(peaks, np.abs(samples[:, channel]), out=peaks)
    if peaks.max(initial=0.0) <= ceiling:
        return
    needed = np.minimum(1.0, ceiling / np.maximum(sliding(peaks, width, np.maximum), 1e-12))
    cut = moving_average(1.0 - sliding(needed, width, np.minimum), width)
    samples *= (1.0 - cut)[:, None].astype(samples.dtype)


def finish(mix: np.ndarray, bells: np.ndarray | None, total: int, gain: float, bell_gain: float, ceiling: float,
           width: int, rate: int) -> tuple[np.ndarray, float]:
    """mix × gain + bells × bell_gain, peak-guarded, as `total` frames of int16, with its integrated
    loudness: one pass, a few seconds at a time (each with a margin, so the guard sees the peaks
    beside it)."""
    margin = 3 * width
    out = np.empty((total, mix.shape[1]), dtype=np.int16)
    chunk = round(rate * 0.1) * CHUNK_STEPS
    powers = []
    for a in range(0, total, chunk):
        b = min(total, a + chunk)
        lo, hi = max(0, a - margin), min(total, b + margin)
        x = np.zeros((hi - lo, mix.shape[1]), dtype=np.float32)
        part = mix[lo:hi]  # pydub's overlay slices in whole ms, so it may be a frame off
        x[: len(part)] = part
        x *= np.float32(gain / 32768)
        if bells is not None:
            x += bells[lo:hi].astype(np.float32) * np.float32(bell_gain / 32768)
        guard_peaks(x, ceiling, width)
        x = x[a - lo : a - lo + b - a]
        out[a:b] = np.round(np.clip(x, -1.0, 32767 / 32768) * 32768).astype(np.int16)
        powers.append(step_powers(x, rate))
    return out, integrated(np.concatenate(powers))


# --- fair -------------------------------------------------------------------------------------
def fair(plan_file: str, output: str, fmt: str, bitrate: str | None) -> None:
    """guided's mix, with pydub: see the module's docstring."""
    from pydub import AudioSegment

    plan, folder = load_plan(plan_file)
    mix, rate, total = plan["mix"], plan["rate"], plan["frames"]
    target = mix["loudness_lufs"]

    def silence(frames: int, channels: int) -> AudioSegment:  # exact to the sample, unlike ms
        return AudioSegment(bytes(2 * channels * frames), frame_rate=rate, sample_width=2, channels=channels)

    # The voice, mono (it is the same in both channels): pauses and phrases in a list, joined once.
    clips = {name: AudioSegment.from_wav(folder / name).set_frame_rate(rate).set_channels(1)
             for name in sorted({e["clip"] for e in plan["speech"]})}
    clip_frames = {name: int(clip.frame_count()) for name, clip in clips.items()}
    parts, position = [], 0
    following = [e["start"] for e in plan["speech"][1:]] + [total]
    for event, next_start in zip(plan["speech"], following, strict=True):  # in time order
        parts.append(silence(event["start"] - position, 1))
        clip = clips[event["clip"]]
        if event["start"] + clip_frames[event["clip"]] > next_start:  # never into the next phrase
            clip = clip.get_sample_slice(0, next_start - event["start"])
        parts.append(clip)
        position = event["start"] + int(clip.frame_count())
    parts.append(silence(total - position, 1))
    voice = AudioSegment(b"".join(p.raw_data for p in parts), frame_rate=rate, sample_width=2, channels=1)
    del parts

    # Levels as guided sets them: the voice at the target, the bed and each bell a set number of
    # LU below it, a bell's strike no higher than a margin under the ceiling.
    voice_db = target - integrated_lufs(samples_of(voice), rate, channels_heard=2) + mix["voice_db"]
    bells = {name: samples_of(AudioSegment.from_wav(folder / name)) for name in {b["bell"] for b in plan["bells"]}}
    bell_level = bell_cap = math.inf  # gains; a session rings one kind of bell (with more, the quietest sets both)
    for bell in bells.values():
        peak = max(1, int(np.abs(bell.astype(np.int32)).max())) / 32768
        bell_level = min(bell_level, 10 ** ((target - mix["bell_below_voice_lu"] - integrated_lufs(bell, rate)) / 20))
        bell_cap = min(bell_cap, 10 ** ((mix["ceiling_db"] - mix["bell_peak_margin_db"]) / 20) / peak)

    session = voice.apply_gain(voice_db).set_channels(2)
    del voice
    if plan["bed"]:
        loop = AudioSegment.from_wav(folder / plan["bed"])
        bed_db = target - mix["bed_below_voice_lu"] - integrated_lufs(samples_of(loop), rate) + mix["background_db"]
        repeated = loop * math.ceil(total / loop.frame_count())
        ducked = np.array(samples_of(repeated)[:total])  # a writable copy, the session's length
        del repeated
        duck_and_fade(ducked, plan, clip_frames)
        bed = segment_of(ducked, rate)
        del ducked
        bed = bed.apply_gain(bed_db)
        session = session.overlay(bed)
        del bed
    track = None
    if plan["bells"]:  # each bell added into a pre-built silent track, in one pass
        track = np.zeros((total, 2), dtype=np.int16)
        for event in plan["bells"]:
            bell = bells[event["bell"]]
            a, b = event["start"], min(total, event["start"] + len(bell))
            track[a:b] = np.clip(track[a:b].astype(np.int32) + bell[: b - a], -32768, 32767)

    # The whole mix to the target, as heard after the peak guard: the guard takes some loudness
    # away, so measure again and correct (the secant through the last two tries). guided does the
    # same ahead of mixing, from the parts' cached loudness. Bells rise only as far as their cap.
    voice_and_bed = samples_of(session)
    ceiling = 10 ** (mix["ceiling_db"] / 20)
    width = max(3, round(rate * mix["limit_window_ms"] / 1000)) | 1
    tries: list[tuple[float, float]] = []
    correction = 0.0  # the first pass measures (the guard has little to do at the voice's own level)
    final = None
    for _ in range(MAX_PASSES):
        gain = 10 ** (correction / 20)
        bell_gain = min(bell_level * 10 ** (mix["bell_db"] / 20) * gain, bell_cap)
        del final  # one finished mix in memory at a time
        final, heard = finish(voice_and_bed, track, total, gain, bell_gain, ceiling, width, rate)
        tries.append((correction, heard))
        if abs(heard - target) < TOLERANCE_LU:
            break
        if len(tries) > 1 and tries[-1][1] != tries[-2][1]:
            (c0, l0), (c1, l1) = tries[-2:]
            correction = c1 + (target - l1) * (c1 - c0) / (l1 - l0)
        else:
            correction += target - heard
    del session, voice_and_bed, track
    result = segment_of(final, rate)
    del final
    result.export(output, format=fmt, codec=CODECS[fmt], bitrate=bitrate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipeline", choices=["naive", "fair"])
    parser.add_argument("plan")
    parser.add_argument("out")
    parser.add_argument("--format", choices=sorted(CODECS), default="mp3")
    parser.add_argument("--bitrate", default="160k", help="for lossy formats (default: 160k)")
    args = parser.parse_args()
    bitrate = None if args.format in ("flac", "wav") else args.bitrate
    (naive if args.pipeline == "naive" else fair)(args.plan, args.out, args.format, bitrate)


if __name__ == "__main__":
    main()
