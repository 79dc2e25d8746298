"""Bells and background beds: what they must sound like, measured."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import signal
from scipy.io import wavfile

from guided.audio import beds, bells
from guided.audio.beds import Bed, load_bed, synth_bed_loop
from guided.audio.bells import RATE, load_bell, synth_bell
from guided.audio.sounds import BED_NAMES, BELL_NAMES, DEFAULT_BELL, list_sounds
from guided.errors import GuidedError, NotFoundError, SoundError
from guided.paths import bundled

RING_RANGES = {"bowl": (10.0, 14.0), "chime": (3.0, 5.0), "gong": (10.0, 15.0)}
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg is not installed",
)


# --------------------------------------------------------------------------------------------
# helpers


_BELLS: dict[str, np.ndarray] = {}
_BEDS: dict[str, np.ndarray] = {}


def bell(name: str) -> np.ndarray:
    """synth_bell(name) at 44.1 kHz, made once per test run (callers must not modify it)."""
    if name not in _BELLS:
        _BELLS[name] = synth_bell(name)
    return _BELLS[name]


def bed(name: str) -> np.ndarray:
    """synth_bed_loop(name) at 44.1 kHz, made once per test run (callers must not modify it)."""
    if name not in _BEDS:
        _BEDS[name] = synth_bed_loop(name)
    return _BEDS[name]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def db(ratio: float) -> float:
    return 20 * np.log10(max(ratio, 1e-30))


def window_rms(x: np.ndarray, size: int) -> np.ndarray:
    """RMS of consecutive windows of ``size`` frames (over all channels)."""
    n = len(x) // size
    blocks = x[: n * size].astype(np.float64).reshape(n, size, -1)
    return np.sqrt(np.mean(blocks**2, axis=(1, 2)))


def band_power(x: np.ndarray, rate: int, lo: float, hi: float) -> float:
    """Mean power density between lo and hi Hz (Welch, mono)."""
    f, p = signal.welch(x.mean(axis=1), rate, nperseg=1 << 15)
    band = (f >= lo) & (f < hi)
    return float(p[band].mean())


def seam_report(loop: np.ndarray, rate: int) -> dict[str, float]:
    """How the wrap point of a loop compares with the inside of the loop.

    * jump: the sample-to-sample step across the wrap, over the 99.9th percentile of the steps
      inside the loop (a click is a step far out of the ordinary);
    * edge: high-frequency energy (second difference) in a 5 ms window centred on the wrap,
      over the 99th percentile of the same measure over every 5 ms window of the loop;
    * level: the change in level (dB) from the 250 ms before the wrap to the 250 ms after it,
      over the largest such change between neighbouring 250 ms windows inside the loop.
    """
    x = loop.astype(np.float64)
    n = len(x)
    steps = np.abs(np.diff(x, axis=0))
    wrap = np.abs(x[0] - x[-1])
    jump = float(np.max(wrap / np.percentile(steps, 99.9, axis=0)))

    centred = np.roll(x, n // 2, axis=0)  # the wrap now sits between n//2 - 1 and n//2
    d2 = centred[2:] - 2 * centred[1:-1] + centred[:-2]
    w = int(0.005 * rate)
    energy = np.sum(d2[: (len(d2) // w) * w].reshape(-1, w, x.shape[1]) ** 2, axis=(1, 2))
    at_seam = np.sum(d2[n // 2 - 1 - w // 2 : n // 2 - 1 + w // 2] ** 2)
    edge = float(at_seam / np.percentile(energy, 99))

    w = int(0.25 * rate)
    inside = 20 * np.log10(window_rms(x, w))
    across = abs(db(rms(x[:w]) / rms(x[-w:])))
    level = float(across / np.max(np.abs(np.diff(inside))))
    return {"jump": jump, "edge": edge, "level": level}


def write_wav(path: Path, x: np.ndarray, rate: int) -> Path:
    wavfile.write(path, rate, np.asarray(x, dtype=np.float32))
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    """A 3 s mono 22.05 kHz plucked 440 Hz tone as 32-bit float WAV."""
    rate = 22050
    t = np.arange(3 * rate) / rate
    return write_wav(tmp_path / "tone.wav", 0.3 * np.sin(2 * np.pi * 440 * t) * np.exp(-t), rate)


@pytest.fixture
def noise_mp3(tmp_path: Path) -> Path:
    """An 8 s stereo 48 kHz MP3 of filtered noise, louder at the end than at the start."""
    rate = 48000
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8 * rate, 2)) * np.linspace(0.05, 0.3, 8 * rate)[:, None]
    wav = write_wav(tmp_path / "noise-src.wav", x, rate)
    mp3 = tmp_path / "noise.mp3"
    ffmpeg("-i", str(wav), "-c:a", "libmp3lame", "-b:a", "128k", str(mp3))
    return mp3


# --------------------------------------------------------------------------------------------
# names and listing


def test_names_and_listing_agree_with_the_sounds():
    assert BELL_NAMES == ("bowl", "chime", "gong")
    assert set(BED_NAMES) >= {"rain", "ocean", "pink-noise", "brown-noise", "warm-drone"}
    assert DEFAULT_BELL == "bowl" and RATE == 44100
    infos = list_sounds()
    assert [i.name for i in infos] == list(BELL_NAMES) + list(BED_NAMES)
    for info in infos:
        assert info.kind in ("bell", "bed")
        assert info.description and "\n" not in info.description and len(info.description) < 80
        if info.kind == "bell":
            lo, hi = RING_RANGES[info.name]
            assert lo <= info.seconds <= hi
            assert info.seconds == pytest.approx(len(bell(info.name)) / RATE, abs=0.001)
        else:
            assert 30 <= info.seconds <= 45
            assert info.seconds == pytest.approx(len(bed(info.name)) / RATE, abs=0.001)


# --------------------------------------------------------------------------------------------
# bells


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_is_stereo_float32_peaking_at_minus_6_dbfs(name):
    x = bell(name)
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2
    assert np.max(np.abs(x)) == 0.5
    lo, hi = RING_RANGES[name]
    assert lo <= len(x) / RATE <= hi


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_starts_softly_without_a_click(name):
    x = np.abs(bell(name)).max(axis=1)
    assert x[0] == 0.0
    ms = RATE // 1000
    blocks = x[: 50 * ms].reshape(-1, ms // 4).max(axis=1)  # 0.25 ms blocks over 50 ms
    reached = blocks.max()
    first_half = int(np.argmax(blocks >= reached / 2))
    assert first_half >= 4, "the attack is instantaneous (a click)"  # >= 1 ms to half level
    assert blocks[0] < 0.1 * reached
    steps = np.abs(np.diff(bell(name), axis=0)).max(axis=1)
    assert steps[: 2 * ms].max() <= steps.max()  # no step at the start beyond the ring's own


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_rings_out_to_true_silence(name):
    x = bell(name)
    assert np.all(x[-1] == 0.0)
    fade = int(bells.BELL_END_FADE * RATE)
    before_fade = x[-fade - RATE // 10 : -fade]
    assert db(np.max(np.abs(before_fade)) / 0.5) < -70, "still ringing when the array ends"
    still_ringing = x[-int(1.5 * RATE) : -RATE // 2]
    assert db(rms(still_ringing) / 0.5) > -95, "padded with silence instead of ringing out"
    fade_part = np.abs(x[-fade:]).max(axis=1)
    assert fade_part[-RATE // 1000 :].max() < 1e-6


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_has_no_dc_and_some_stereo_width(name):
    x = bell(name).astype(np.float64)
    assert np.all(np.abs(x.mean(axis=0)) < 1e-4)
    left, right = x[:, 0], x[:, 1]
    assert not np.array_equal(left, right)
    corr = np.corrcoef(left, right)[0, 1]
    assert 0.5 < corr < 0.995


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_synthesis_is_deterministic(name):
    assert np.array_equal(synth_bell(name), bell(name))


@pytest.mark.parametrize("name", BELL_NAMES)
def test_bell_is_band_limited_and_the_same_at_every_rate(name):
    """At 16 kHz the bell is the 44.1 kHz bell minus what does not fit: nothing aliases."""
    low = synth_bell(name, 16000).astype(np.float64)
    ref = signal.resample_poly(bell(name).astype(np.float64), 160, 441, axis=0)
    n = min(len(low), len(ref))
    low, ref = low[:n], ref[:n]
    scale = np.sum(low * ref) / np.sum(ref * ref)  # peaks fall between samples differently
    assert np.max(np.abs(low - scale * ref)) < 3e-3
    assert np.max(np.abs(low)) == 0.5


def test_bowl_is_strongest_at_its_fundamental_with_inharmonic_partials():
    x = bell("bowl").mean(axis=1).astype(np.float64)
    seg = x[RATE // 100 : RATE // 100 + (1 << 16)] * np.hanning(1 << 16)
    spectrum = np.abs(np.fft.rfft(seg))
    freqs = np.fft.rfftfreq(1 << 16, 1 / RATE)
    level = 20 * np.log10(spectrum / spectrum.max() + 1e-12)
    peaks, _ = signal.find_peaks(level, height=-45, distance=int(20 / freqs[1]))
    found = freqs[peaks]
    strongest = freqs[np.argmax(level)]
    assert 80 < strongest < 400
    assert found.min() == pytest.approx(strongest, abs=2), "a peak below the fundamental"
    ratios = found / strongest
    inharmonic = [r for r in ratios if r > 1.5 and abs(r - round(r)) > 0.1]
    assert len(inharmonic) >= 3, f"partial ratios {ratios}"


def test_bowl_partials_beat_and_higher_ones_decay_faster():
    x = bell("bowl").mean(axis=1).astype(np.float64)
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    fundamental = freqs[np.argmax(np.abs(spec[freqs < 400]))]

    def band_envelope(lo: float, hi: float) -> np.ndarray:
        y = np.fft.irfft(np.where((freqs > lo) & (freqs < hi), spec, 0), len(x))
        return np.abs(signal.hilbert(y))

    env1 = band_envelope(0.8 * fundamental, 1.2 * fundamental)
    env2 = band_envelope(2.4 * fundamental, 3.0 * fundamental)

    t = np.arange(len(x)) / RATE
    span = (t > 0.3) & (t < 4)

    def decay_rate(env: np.ndarray) -> float:  # dB per second, fitted through the beats
        return -np.polyfit(t[span], 20 * np.log10(env[span]), 1)[0]

    assert decay_rate(env2) > 1.3 * decay_rate(env1) > 0
    # Beating: around the smooth decay, the fundamental's level swells and dips by several dB.
    trend = np.polyval(np.polyfit(t[span], np.log(env1[span]), 1), t[span])
    wobble = np.log(env1[span]) - trend
    assert (wobble.max() - wobble.min()) * 20 / np.log(10) > 6


def test_gong_blooms_after_the_strike():
    x = bell("gong")[:, 0].astype(np.float64)
    high = signal.sosfilt(signal.butter(4, 500, "hp", fs=RATE, output="sos"), x)

    def level(t: float) -> float:
        i = int(t * RATE)
        return db(rms(high[max(0, i - 2205) : i + 2205]))

    assert level(0.8) > level(0.05) + 6, "the upper partials should swell after the strike"
    assert level(0.8) > level(4.0) + 15


def test_chime_is_short_and_bright_and_gong_is_deep():
    def centroid(x: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(x.mean(axis=1)))
        freqs = np.fft.rfftfreq(len(x), 1 / RATE)
        return float(np.sum(freqs * spec) / np.sum(spec))

    assert centroid(bell("chime")) > 2 * centroid(bell("bowl")) > 2 * centroid(bell("gong"))
    assert len(bell("chime")) < len(bell("bowl"))


# --------------------------------------------------------------------------------------------
# bundled bell files


@needs_ffmpeg
@pytest.mark.parametrize("name", BELL_NAMES)
def test_bundled_flac_equals_a_fresh_synthesis(name):
    path = bundled("audio") / f"{name}.flac"
    assert path.is_file(), "run python audio/generate.py"
    loaded = load_bell(name)
    fresh = bell(name)
    assert loaded.dtype == np.float32 and loaded.shape == fresh.shape
    assert np.max(np.abs(loaded - fresh)) <= 1e-4
    assert np.max(np.abs(loaded)) == 0.5


def test_bundled_audio_prefers_the_installed_data_folder(tmp_path):
    checkout = Path(bells.__file__).resolve().parent.parent.parent / "audio"
    assert bundled("audio").resolve() == checkout
    fake_pkg = tmp_path / "site-packages" / "guided"
    (fake_pkg / "_data" / "audio").mkdir(parents=True)
    assert bundled("audio", fake_pkg) == fake_pkg / "_data" / "audio"


def test_load_bell_synthesises_when_the_bundled_file_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(bells, "bundled", lambda kind: tmp_path)
    bells._bundled_bell.cache_clear()
    try:
        assert np.array_equal(load_bell("chime"), bell("chime"))
    finally:
        bells._bundled_bell.cache_clear()


@needs_ffmpeg
def test_load_bell_resamples_and_mixes_down_to_mono():
    x = load_bell("chime", rate=22050)
    assert len(x) == pytest.approx(len(bell("chime")) / 2, abs=2)
    assert np.max(np.abs(x)) == 0.5
    mono = load_bell("chime", rate=22050, channels=1)
    assert mono.shape == (len(x), 1) and mono.dtype == np.float32
    assert np.allclose(mono[:, 0], x.astype(np.float64).mean(axis=1), atol=1e-7)
    # The caller owns the result: changing it must not change the next load.
    x[:] = 0
    assert np.max(np.abs(load_bell("chime", rate=22050))) == 0.5


# --------------------------------------------------------------------------------------------
# beds


@pytest.mark.parametrize("name", BED_NAMES)
def test_bed_loop_level_length_and_width(name):
    x = bed(name)
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2
    assert 30 * RATE <= len(x) <= 45 * RATE
    assert rms(x) == pytest.approx(0.1, abs=1e-6)
    assert np.max(np.abs(x)) < 0.9
    assert np.all(np.abs(x.astype(np.float64).mean(axis=0)) < 1e-3)
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] < 0.95, "the channels are (nearly) identical"


@pytest.mark.parametrize("name", BED_NAMES)
def test_bed_loop_seam_is_inaudible(name):
    report = seam_report(bed(name), RATE)
    assert report["jump"] <= 1.0, report
    assert report["edge"] <= 1.0, report
    assert report["level"] <= 1.0, report


def test_seam_check_catches_a_real_seam():
    """The seam measures above do fail on loops that do not join up."""
    drone = bed("warm-drone")
    assert seam_report(drone[: -RATE // 300], RATE)["edge"] > 1.0  # a tone cut mid-cycle
    fading = bed("pink-noise") * np.linspace(1, 0.5, len(bed("pink-noise")))[:, None]
    assert seam_report(fading, RATE)["level"] > 1.0  # smooth inside, a 6 dB step at the wrap


def test_bed_synthesis_is_deterministic_and_seeded():
    a = synth_bed_loop("rain", 16000)
    assert np.array_equal(a, synth_bed_loop("rain", 16000))
    other = synth_bed_loop("rain", 16000, seed=1)
    assert a.shape == other.shape and not np.allclose(a, other)


def test_noise_colours_have_the_right_spectral_slopes():
    def slope(x: np.ndarray) -> float:
        f, p = signal.welch(x.mean(axis=1), RATE, nperseg=1 << 15)
        band = (f >= 100) & (f <= 5000)
        return float(np.polyfit(np.log10(f[band]), np.log10(p[band]), 1)[0])

    assert -1.2 < slope(bed("pink-noise")) < -0.8  # 1/f
    assert -2.3 < slope(bed("brown-noise")) < -1.7  # 1/f^2

    def lows_over_highs(x: np.ndarray) -> float:
        return db(np.sqrt(band_power(x, RATE, 50, 200) / band_power(x, RATE, 2000, 8000)))

    brown, pink, rain = (lows_over_highs(bed(n)) for n in ("brown-noise", "pink-noise", "rain"))
    assert brown > pink + 10 > rain + 20


def test_brown_noise_has_no_rumble_below_its_high_pass():
    x = bed("brown-noise")
    assert band_power(x, RATE, 3, 12) < band_power(x, RATE, 35, 60) / 10


def test_warm_drone_is_a_soft_low_chord():
    x = bed("warm-drone")
    mono = x.mean(axis=1).astype(np.float64)
    spec = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    assert spec[freqs > 2000].sum() < 1e-5 * spec.sum(), "harsh content above 2 kHz"
    for note in (110.0, 164.81, 220.0):  # A2, E3, A3
        near = (freqs > note * 0.99) & (freqs < note * 1.01)
        assert spec[near].sum() > 0.02 * spec.sum(), f"no {note} Hz in the chord"
    # It moves: the level of the chord drifts slowly, but gently.
    levels = window_rms(x, RATE)
    assert 1.05 < levels.max() / levels.min() < 2.5


def test_ocean_swells_every_six_to_twelve_seconds():
    x = bed("ocean")
    size = RATE // 10
    env = window_rms(x, size)
    seconds = len(x) / RATE
    spectrum = np.abs(np.fft.rfft(env - env.mean()))
    cycles = int(np.argmax(spectrum[1:])) + 1  # the loop is periodic, so whole cycles
    assert 6 <= seconds / cycles <= 12
    slow = spectrum[: int(seconds * 0.5)] ** 2
    fast = spectrum[int(seconds * 1.0) :] ** 2
    assert fast.sum() < 0.1 * slow.sum(), "the envelope should vary slowly"
    smooth = np.convolve(np.tile(env, 3), np.ones(10) / 10, "same")[len(env) : 2 * len(env)]
    assert smooth.max() > 2 * smooth.min(), "the swells should be clearly audible"
    # The surf is brighter as a wave breaks: highs follow the swell.
    highs = signal.sosfilt(signal.butter(4, 2000, "hp", fs=RATE, output="sos"), x, axis=0)
    assert np.corrcoef(window_rms(highs, size), env)[0, 1] > 0.5


def test_rain_has_gentle_droplets_on_a_steady_hiss():
    x = bed("rain")
    high = signal.sosfilt(signal.butter(4, [800, 4000], "bp", fs=RATE, output="sos"), x, axis=0)
    levels = window_rms(high, RATE // 100)  # 10 ms windows
    median = np.median(levels)
    spikes = np.count_nonzero(levels > 1.6 * median) / (len(x) / RATE)
    assert 0.5 < spikes < 20, f"{spikes:.1f} droplets per second"
    assert levels.max() < 6 * median, "droplets should be gentle"
    slow = window_rms(x, RATE)  # 1 s windows: steady
    assert slow.max() / slow.min() < 1.6


# --------------------------------------------------------------------------------------------
# Bed objects, caching


def test_bed_read_is_consistent_across_blocks_and_wraps():
    b = load_bed("pink-noise", rate=16000)
    assert isinstance(b, Bed) and b.name == "pink-noise"
    loop = b.read(0, b.frames)
    assert loop.shape == (b.frames, 2) and loop.dtype == np.float32
    assert np.array_equal(np.concatenate([b.read(0, 1000), b.read(1000, 1000)]), b.read(0, 2000))
    assert np.array_equal(b.read(b.frames - 100, 300), np.concatenate([loop[-100:], loop[:200]]))
    assert np.array_equal(b.read(3 * b.frames + 7, 50), loop[7:57])
    long = b.read(5, 2 * b.frames + 10)
    assert np.array_equal(long, loop[(5 + np.arange(2 * b.frames + 10)) % b.frames])
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.integers(0, 3 * b.frames, 40))
    pieces = [
        b.read(s, e - s) for s, e in zip(np.r_[0, cuts], np.r_[cuts, 3 * b.frames], strict=True)
    ]
    assert np.array_equal(np.concatenate(pieces), b.read(0, 3 * b.frames))
    assert b.read(123, 0).shape == (0, 2)
    out = b.read(0, 10)
    out[:] = 1  # the caller's copy
    assert not np.any(b.read(0, 10) == 1)


def test_a_bed_reads_a_span_far_longer_than_its_loop_and_many_small_blocks_in_a_row():
    b = load_bed("brown-noise", rate=8000, channels=1)
    x = b.read(17, 5_000_000)
    for i in range(2000):
        b.read(17 + i * 256, 256)
    assert x.shape == (5_000_000, 1)


@pytest.mark.parametrize("name", ["rain", "warm-drone"])
def test_mono_bed_is_the_mean_of_the_channels(name):
    stereo = load_bed(name, rate=16000)
    mono = load_bed(name, rate=16000, channels=1)
    assert mono.channels == 1 and mono.frames == stereo.frames
    a = stereo.read(100, 5000).astype(np.float64)
    assert np.allclose(mono.read(100, 5000)[:, 0], a.mean(axis=1), atol=1e-7)


def test_bed_cache_is_written_once_and_reused(tmp_path, monkeypatch):
    cache = tmp_path / "nested" / "cache"
    first = load_bed("brown-noise", rate=16000, cache_dir=cache)
    files = sorted(cache.iterdir())
    loops = [f for f in files if f.suffix == ".npy"]
    assert len(loops) == 1 and all(f in loops or f.name.startswith(f"{loops[0].name}.powers-") for f in files)

    def boom(*args, **kwargs):
        raise AssertionError("synthesised again instead of using the cache")

    monkeypatch.setattr(beds, "synth_bed_loop", boom)
    again = load_bed("brown-noise", rate=16000, cache_dir=cache)
    assert np.array_equal(again.read(0, again.frames), first.read(0, first.frames))
    mono = load_bed("brown-noise", rate=16000, channels=1, cache_dir=cache)
    assert mono.channels == 1
    assert sorted(cache.iterdir()) == sorted([*files, cache / f"{loops[0].name}.powers-1ch.json"])  # no temp files


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong-shape", "empty", "nan"])
def test_corrupt_bed_cache_is_regenerated(tmp_path, damage):
    good = load_bed("pink-noise", rate=16000, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npy")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x93NUMPY garbage" + bytes(range(256)) * 10)
    elif damage == "wrong-shape":
        np.save(path, np.zeros((10, 2), dtype=np.float32))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        arr = np.load(path)
        arr[1234, 0] = np.nan
        np.save(path, arr)
    again = load_bed("pink-noise", rate=16000, cache_dir=tmp_path)
    assert np.array_equal(again.read(0, again.frames), good.read(0, good.frames))
    assert np.array_equal(np.load(path), good.read(0, good.frames)), "cache not rewritten"


def test_a_cached_sound_keeps_its_step_powers_until_its_file_changes(tmp_path, monkeypatch):
    from guided.dsp import loudness

    bed = load_bed("rain", rate=8000, cache_dir=tmp_path)
    bell = load_bell("chime", rate=8000, cache_dir=tmp_path)
    for sound in (bed.samples, bell):
        measured = loudness.step_powers(np.array(sound), 8000)  # a copy: measured afresh
        assert np.array_equal(loudness.step_powers(sound, 8000), measured)

    def unmeasured(*args, **kwargs):
        raise AssertionError("measured again instead of using the kept step powers")

    with monkeypatch.context() as patched:  # a later start reads them from the cache folder
        patched.setattr(loudness, "step_powers", unmeasured)
        again = load_bed("rain", rate=8000, cache_dir=tmp_path)
    assert np.array_equal(loudness.step_powers(again.samples, 8000), loudness.step_powers(bed.samples, 8000))
    (path,) = tmp_path.glob("bed-*.npy")
    stamp = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(stamp, stamp))  # a rewritten file is measured again
    measures = []
    real = loudness.step_powers
    monkeypatch.setattr(loudness, "step_powers", lambda *args: measures.append(args) or real(*args))
    load_bed("rain", rate=8000, cache_dir=tmp_path)
    assert len(measures) == 1


def test_processes_sharing_a_cache_never_see_a_half_written_file(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        beds = list(pool.map(lambda _: load_bed("rain", rate=8000, cache_dir=tmp_path), range(6)))
    first = beds[0].read(0, beds[0].frames)
    assert all(np.array_equal(b.read(0, b.frames), first) for b in beds)
    (path,) = tmp_path.glob("*.npy")
    # one finished loop and its step powers, no temp files left
    assert sorted(tmp_path.iterdir()) == [path, tmp_path / f"{path.name}.powers-2ch.json"]
    assert np.array_equal(np.load(path), first)


def test_unusable_cache_dir_is_not_fatal(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    b = load_bed("ocean", rate=8000, cache_dir=not_a_dir)
    assert b.frames == int(42 * 8000)


# --------------------------------------------------------------------------------------------
# user files


@needs_ffmpeg
def test_user_file_works_as_a_bell(tone_wav):
    stored = load_bell(str(tone_wav))
    assert stored.dtype == np.float32 and stored.shape == (3 * RATE, 2) and len(stored) == 3 * RATE
    x = stored[:]  # a user's bell is read from disk, a slice at a time
    assert np.max(np.abs(x)) == 0.5
    assert np.all(x[0] == 0) and np.all(x[-1] == 0)
    ms = RATE // 1000
    assert np.abs(x[: ms // 2]).max() < 0.1 * np.abs(x[10 * ms : 20 * ms]).max()  # 5 ms fade-in
    spectrum = np.abs(np.fft.rfft(x[:, 0]))
    assert np.fft.rfftfreq(len(x), 1 / RATE)[np.argmax(spectrum)] == pytest.approx(440, abs=1)
    mono = load_bell(str(tone_wav), rate=16000, channels=1)
    assert mono.shape == (3 * 16000, 1) and np.max(np.abs(mono[:])) == 0.5


@needs_ffmpeg
def test_user_file_works_as_a_bed(noise_mp3):
    b = load_bed(str(noise_mp3))
    assert b.name == "noise.mp3" and b.channels == 2
    # 8 s of audio (plus the MP3 decoder's padding), looped with a 2 s crossfade
    assert 5.9 * RATE < b.frames < 6.2 * RATE
    loop = b.read(0, b.frames)
    assert rms(loop) == pytest.approx(0.1, abs=1e-6)
    assert np.max(np.abs(loop)) < 0.9
    report = seam_report(loop, RATE)
    assert report["jump"] <= 1.0 and report["level"] <= 1.0, report


@needs_ffmpeg
def test_user_bed_crossfade_hides_a_mismatched_ending(tmp_path):
    rate = 16000
    t = np.arange(10 * rate) / rate
    x = 0.6 * np.sin(2 * np.pi * 300.125 * t) * np.linspace(0.1, 1, len(t))  # quiet to loud
    raw = np.stack([x, 0.9 * x], 1)
    bad = seam_report(raw, rate)  # the file itself, looped as it is, has an audible seam
    assert bad["jump"] > 1.0 and bad["level"] > 1.0
    b = load_bed(str(write_wav(tmp_path / "swell.wav", raw, rate)), rate=rate)
    assert b.frames == 8 * rate
    report = seam_report(b.read(0, b.frames), rate)
    assert report["jump"] <= 1.0 and report["level"] <= 1.0, report


@needs_ffmpeg
def test_user_bed_uses_at_most_its_first_180_seconds(tmp_path):
    rate = 8000
    rng = np.random.default_rng(3)
    path = tmp_path / "long.wav"
    wavfile.write(path, rate, (rng.standard_normal(200 * rate) * 3000).astype(np.int16))
    b = load_bed(str(path), rate=rate)
    assert b.frames == (180 - 2) * rate


@needs_ffmpeg
@pytest.mark.parametrize("content", [b"hello, I am not audio\n", bytes(range(256)) * 40])
@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".ogg"])
def test_a_corrupt_file_gives_a_friendly_sound_error(tmp_path, content, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    for load in (load_bell, load_bed):
        with pytest.raises(SoundError) as info:
            load(str(path))
        message = str(info.value)
        assert message.startswith(f"cannot decode '{path}' as audio: ")
        assert "\n" not in message and len(message) < 300
        assert info.value.__suppress_context__


def test_a_missing_file_is_not_found_naming_the_path(tmp_path):
    path = tmp_path / "nowhere" / "bell.wav"
    for load in (load_bell, load_bed):
        with pytest.raises(NotFoundError, match="nowhere/bell.wav"):
            load(str(path))
    with pytest.raises(SoundError, match="folder"):
        load_bed(str(tmp_path))


def test_unknown_names_suggest_the_nearest_sound():
    with pytest.raises(NotFoundError) as info:
        load_bell("bowel")
    assert (
        str(info.value) == "unknown bell 'bowel'; did you mean 'bowl'? (guided sounds lists them)"
    )
    with pytest.raises(NotFoundError, match="did you mean 'rain'"):
        load_bed("rian")
    with pytest.raises(NotFoundError, match="did you mean 'pink-noise'"):
        synth_bed_loop("pink")
    with pytest.raises(NotFoundError, match="did you mean 'gong'"):
        synth_bell("gongg")
    with pytest.raises(NotFoundError, match="guided sounds lists them"):
        load_bell("zzz")
    assert issubclass(NotFoundError, GuidedError) and issubclass(SoundError, GuidedError)


def test_names_are_forgiving_about_case_and_spaces():
    assert np.array_equal(synth_bell(" Chime "), bell("chime"))
    assert load_bed("Brown-Noise", rate=8000).name == "brown-noise"


def test_bad_rate_or_channel_count_is_a_sound_error():
    with pytest.raises(SoundError, match="sample rate"):
        synth_bell("bowl", rate=100)
    with pytest.raises(SoundError, match="channel"):
        load_bed("rain", rate=8000, channels=3)


@pytest.mark.parametrize("name", BELL_NAMES)
def test_the_catalogue_of_sounds_gives_each_bell_the_length_it_rings(name):
    """A listing knows a bell's length without making it (no numpy): the figure must be the synthesis's."""
    from guided.audio.bells import BELLS, ring_seconds
    from guided.audio.sounds import RING_SECONDS

    assert RING_SECONDS[name] == ring_seconds(BELLS[name])
    assert len(load_bell(name, RATE)) == round(RING_SECONDS[name] * RATE)
