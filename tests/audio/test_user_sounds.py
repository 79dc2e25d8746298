"""A user's own sound as a bell or a bed, whatever its length, rate or channels: heard for as long as
it will be (a bell two minutes at most, faded out there and said once; a bed its first three minutes),
decoded once into the sound cache by its content, measured on the way, and read a block at a time."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from guided.audio import stored
from guided.audio.beds import Bed, load_bed
from guided.audio.bells import load_bell
from guided.audio.mixer import Mixer
from guided.audio.stored import StoredSound
from guided.dsp import loudness
from guided.options import SessionOptions
from guided.scripts.language import parse_script
from guided.timing.timeline import assemble
from guided.tts.cache import ClipCache

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def write_wav(path: Path, x: np.ndarray, rate: int, declared_frames: int | None = None) -> Path:
    """16-bit PCM WAV of (n, channels) x; `declared_frames` makes the header promise more than it
    holds, as a recorder still writing (or a damaged copy) leaves it."""
    x = np.asarray(x)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(x.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    if declared_frames is not None:
        size = declared_frames * x.shape[1] * 2
        with open(path, "r+b") as f:
            f.seek(4)
            f.write(min(0xFFFFFFFF, 36 + size).to_bytes(4, "little"))
            f.seek(40)
            f.write(min(0xFFFFFFFF, size).to_bytes(4, "little"))
    return path


def tone(seconds: float, rate: int, channels: int = 1, hz: float = 330.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return np.stack([0.3 * np.sin(2 * np.pi * (hz + 50 * c) * t) for c in range(channels)], 1)


@pytest.fixture
def notices(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(stored, "notify", said.append)
    return said


def window_rms(x: np.ndarray, start: int, stop: int) -> float:
    return float(np.sqrt(np.mean(np.square(x[start:stop], dtype=np.float64))))


def test_a_bell_longer_than_two_minutes_rings_two_faded_out_and_says_so_once(tmp_path, notices):
    rate = 8000
    path = write_wav(tmp_path / "long-bowl.wav", tone(125, rate), rate)
    bell = load_bell(str(path), rate, 1, cache_dir=tmp_path / "sounds")
    assert isinstance(bell, StoredSound) and bell.shape == (120 * rate, 1)
    x = bell[:]
    assert np.max(np.abs(x)) == 0.5 and x[-1, 0] == 0.0
    steady = window_rms(x, 100 * rate, 101 * rate)
    assert window_rms(x, 60 * rate, 61 * rate) == pytest.approx(steady, rel=1e-3)
    assert window_rms(x, 109 * rate, 110 * rate) == pytest.approx(steady, rel=1e-3)  # the fade starts at 110 s
    assert window_rms(x, 115 * rate - 400, 115 * rate + 400) == pytest.approx(steady / 2, rel=0.02)  # half way down
    assert window_rms(x, 119 * rate, 120 * rate) < 0.05 * steady
    assert notices == [f"bell '{path}' lasts more than 2 minutes: its first 2 are rung, faded out over their last 10 seconds"]
    again = load_bell(str(path), rate, 1, cache_dir=tmp_path / "sounds")
    assert np.array_equal(again[:], x) and len(notices) == 1  # the first time only


def test_a_bell_of_two_minutes_or_less_is_whole_and_unsaid(tmp_path, notices):
    rate = 8000
    bell = load_bell(str(write_wav(tmp_path / "bowl.wav", tone(7, rate, 2), rate)), rate, 2)
    assert bell.shape == (7 * rate, 2) and notices == []
    x = bell[:]
    assert window_rms(x, 6 * rate, 7 * rate - 1000) == pytest.approx(window_rms(x, rate, 2 * rate), rel=1e-3)


def test_a_header_that_promises_an_hour_at_192_khz_in_8_channels_costs_only_what_the_file_holds(tmp_path, notices):
    rate = 192000
    path = write_wav(tmp_path / "surround.wav", tone(0.5, rate, 8), rate, declared_frames=3600 * rate)
    bell = load_bell(str(path), 44100, 2)
    assert bell.shape == (22050, 2) and notices == []  # half a second, mixed down to stereo
    left, right = bell[:].T
    assert np.std(left) > 0.1 and np.std(right) > 0.1
    bed = load_bed(str(path), 44100, 1)
    assert bed.frames == 22050 - 7350 and bed.channels == 1  # a third of it cross-fades into its head
    assert window_rms(bed.read(0, bed.frames), 0, bed.frames) == pytest.approx(0.1, rel=1e-4)


def test_a_file_still_being_written_is_read_as_far_as_it_goes(tmp_path):
    rate = 8000
    path = write_wav(tmp_path / "recording.wav", tone(3, rate), rate, declared_frames=3600 * rate)
    first = load_bed(str(path), rate, cache_dir=tmp_path / "sounds")
    with open(path, "ab") as f:  # more arrives: the file's content, so its cache entry, is another
        f.write((tone(2, rate, hz=500) * 32767).astype("<i2").tobytes())
    second = load_bed(str(path), rate, cache_dir=tmp_path / "sounds")
    assert first.frames == 2 * rate  # 3 s less the 1 s crossfade (a third of it)
    assert second.frames == 5 * rate - 5 * rate // 3  # 5 s less a third of them, cross-faded


def test_a_user_sound_is_decoded_once_and_then_found_by_its_content(tmp_path, monkeypatch):
    rate = 8000
    cache = tmp_path / "sounds"
    path = write_wav(tmp_path / "bowl.wav", tone(4, rate), rate)
    bell = load_bell(str(path), rate, cache_dir=cache)
    bed = load_bed(str(path), rate, cache_dir=cache)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(stored, "decoded", no_decoding)
    copy = shutil.copy(path, tmp_path / "same-bowl.wav")  # another name, the same content
    for name in (path, copy):
        again = load_bell(str(name), rate, cache_dir=cache)
        assert np.array_equal(again[:], bell[:]) and np.array_equal(again.step_powers(), bell.step_powers())
        assert np.array_equal(load_bed(str(name), rate, cache_dir=cache).read(0, bed.frames), bed.read(0, bed.frames))
    write_wav(path, tone(4, rate, hz=440), rate)  # changed: made again
    with pytest.raises(AssertionError, match="decoded again"):
        load_bell(str(path), rate, cache_dir=cache)


def test_a_damaged_cache_entry_is_made_again(tmp_path):
    rate = 8000
    cache = tmp_path / "sounds"
    path = write_wav(tmp_path / "bowl.wav", tone(4, rate), rate)
    bell = load_bell(str(path), rate, cache_dir=cache)[:]
    (entry,) = cache.glob("user-bell-*.f32")
    with open(entry, "r+b") as f:
        f.truncate(1000)
    again = load_bell(str(path), rate, cache_dir=cache)
    assert np.array_equal(again[:], bell)
    assert not [p for p in cache.iterdir() if ".guided-" in p.name]  # no temporary file left behind


@pytest.mark.parametrize("channels", [1, 2])
def test_the_powers_measured_on_the_way_are_those_of_the_finished_sound(tmp_path, channels):
    rate = 22050
    rng = np.random.default_rng(4)
    x = rng.standard_normal((int(9.37 * rate), 2)) * np.linspace(0.05, 0.3, int(9.37 * rate))[:, None]
    x[::5000] = 0.99  # spikes: the bed's soft limiter works, in rounds of its own
    path = write_wav(tmp_path / "noise.wav", x, rate)
    bell = load_bell(str(path), rate, channels)
    bed = load_bed(str(path), rate, channels)
    for sound in (bell, bed.samples):
        assert np.array_equal(sound.step_powers(), loudness.step_powers(sound[:], rate))
        assert sound.peak == float(np.abs(sound[:]).max())
    loop = bed.read(0, bed.frames)
    assert window_rms(loop, 0, len(loop)) == pytest.approx(0.1, rel=1e-3) and np.abs(loop).max() < 0.9


def test_a_stored_sound_reads_like_the_array_it_holds(tmp_path):
    rate = 8000
    bell = load_bell(str(write_wav(tmp_path / "b.wav", tone(2, rate, 2), rate)), rate)
    x = np.asarray(bell)
    assert x.shape == bell.shape and x.dtype == np.float32
    for key in (slice(None), slice(100, 200), slice(-50, None), slice(15000, 99999), slice(300, 100)):
        assert np.array_equal(bell[key], x[key])
    assert np.array_equal(bell[7], x[7]) and np.array_equal(bell[-1], x[-1])
    with pytest.raises(TypeError):
        bell[::2]
    bed = load_bed(str(tmp_path / "b.wav"), rate)
    in_memory = Bed("b", bed.read(0, bed.frames), rate)
    assert np.array_equal(bed.read(bed.frames - 100, 3 * bed.frames), in_memory.read(bed.frames - 100, 3 * bed.frames))


def test_the_mix_of_a_stored_bell_and_bed_is_the_mix_of_their_samples_held_whole(tmp_path, fake_engine):
    rate = 44100
    path = write_wav(tmp_path / "bowl.wav", tone(3, 16000, 2), 16000)
    bell, bed = load_bell(str(path), rate), load_bed(str(path), rate)
    cache = ClipCache(tmp_path / "clips")
    script = parse_script("---\ntitle: T\nkind: meditation\n---\n[bell ./bowl.wav]\nOne two three.\n[pause 2s]\n"
                          "[bell ./bowl.wav]\nFour five.\n", "t.md")
    timeline = assemble(script, lambda t: cache.get(fake_engine, t, rate), lambda n: len(bell), rate=rate)
    options = SessionOptions(sample_rate=rate, channels=2)
    streamed = Mixer(timeline, options, cache, {"./bowl.wav": bell}, bed)
    held = Mixer(timeline, options, cache, {"./bowl.wav": bell[:]}, Bed("b", bed.read(0, bed.frames), rate))
    assert streamed.levels == held.levels
    assert np.array_equal(np.concatenate(list(streamed.blocks(block=5000))), np.concatenate(list(held.blocks())))
