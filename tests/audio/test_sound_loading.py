"""Making the sounds a cold start needs, quickly and exactly: a bundled bell is decoded by one ffmpeg
run into the very samples a general decode gives, and a bed's loop is the same, sample for sample,
as the plain arithmetic and scipy's FFT made it, without loading scipy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zlib

import numpy as np
import pytest

from guided.audio import beds, bells
from guided.audio.bells import load_bell
from guided.audio.sounds import BELL_NAMES
from guided.paths import bundled

from ..conftest import needs


@pytest.fixture
def counted_ffmpeg(tmp_path, monkeypatch):
    """ffmpeg and ffprobe on PATH as wrappers that note each run in a log, then run the real one."""
    log = tmp_path / "runs.log"
    folder = tmp_path / "bin"
    folder.mkdir()
    for program in ("ffmpeg", "ffprobe"):
        wrapper = folder / program
        wrapper.write_text(f'#!/bin/sh\necho {program} >> "{log}"\nexec "{shutil.which(program)}" "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    bells._bundled_bell.cache_clear()
    yield lambda: log.read_text().split() if log.is_file() else []
    bells._bundled_bell.cache_clear()


@needs("ffmpeg", "ffprobe")
@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_bundled_bell_is_one_ffmpeg_run_giving_the_samples_a_general_decode_gives(counted_ffmpeg, tmp_path, rate):
    for name in BELL_NAMES:
        runs_before = len(counted_ffmpeg())
        quick = load_bell(name, rate, cache_dir=tmp_path / "sounds")
        assert counted_ffmpeg()[runs_before:] == ["ffmpeg"]
        # The general decode (pydub, which asks ffprobe first) of the same file, finished alike.
        general = bells._finish_bell(general_decode(bundled("audio") / f"{name}.flac", rate))
        assert quick.dtype == general.dtype and np.array_equal(quick, general)


def general_decode(path, rate: int) -> np.ndarray:
    """Any file as pydub decodes it (ffprobe, then ffmpeg to WAV), (n, 2) float64 resampled to `rate`."""
    from pydub import AudioSegment

    from guided.dsp.samples import resample

    segment = AudioSegment.from_file(str(path))
    raw = np.array(segment.get_array_of_samples()).reshape(-1, segment.channels)
    x = raw.astype(np.float64) / float(1 << (8 * segment.sample_width - 1))
    return resample(x, segment.frame_rate, rate)


def plainly_normalised(x: np.ndarray) -> np.ndarray:
    """The bed normalisation written out of place, a new array at every step, as it first was."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0)
    x = x * (beds.BED_RMS / np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    for _ in range(8):
        if np.max(np.abs(x)) < beds.BED_PEAK_LIMIT * 0.97:
            break
        ceiling, p = beds.BED_PEAK_LIMIT * 0.92, 6.0
        x = x / (1 + (np.abs(x) / ceiling) ** p) ** (1 / p)
        x = x * (beds.BED_RMS / np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return x.astype(np.float32)


@pytest.mark.parametrize("spiky", [False, True])
def test_a_bed_normalised_in_place_is_the_plain_arithmetic_sample_for_sample(spiky):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((48000, 2)) + 0.3  # an offset to remove
    if spiky:  # peaks far above the limit: the soft knee works
        x[::4000] *= 40
    assert np.array_equal(beds._normalise_bed(x.copy()), plainly_normalised(x))


def test_a_built_in_bed_is_its_recipe_plainly_normalised():
    spec = beds.BEDS["warm-drone"]
    rate = 22050
    frames = int(round(spec.seconds * rate))
    rng = np.random.default_rng([0, zlib.crc32(spec.name.encode())])
    assert np.array_equal(beds.synth_bed_loop("warm-drone", rate), plainly_normalised(spec.make(frames, rate, rng)))


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_the_drone_made_a_channel_a_row_is_the_drone_made_down_its_columns(monkeypatch, rate):
    # Transforming each channel as a contiguous row is twice as quick; the loop's samples, once
    # normalised, must stay those of the spectrum transformed down the columns of (n, 2), which
    # is how the cached beds of this bed version were made.
    from guided.audio import bed_synthesis

    spectra = []
    irfft = np.fft.irfft

    def recording(spec, n, axis=-1):
        spectra.append(spec.copy())
        return irfft(spec, n, axis=axis)

    monkeypatch.setattr(bed_synthesis.np.fft, "irfft", recording)
    spec = beds.BEDS["warm-drone"]
    frames = int(round(spec.seconds * rate))
    made = spec.make(frames, rate, np.random.default_rng([0, zlib.crc32(spec.name.encode())]))
    (rows,) = spectra
    down_the_columns = irfft(np.ascontiguousarray(rows.T), frames, axis=0)
    assert np.array_equal(beds._normalise_bed(made), beds._normalise_bed(down_the_columns))


def test_making_a_noise_bed_loads_no_scipy():
    # Importing scipy.fft costs a cold start 0.2-0.3 s; numpy's FFT makes the same samples.
    found = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom guided.audio import beds\nbeds.synth_bed_loop('pink-noise', 8000)\n"
         "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"],
        capture_output=True, text=True, check=True,
    )
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize("frames", [22050 * 32, 44100 * 40, 48000 * 42])
def test_numpy_and_scipy_transform_a_bed_to_the_same_samples(frames):
    # The beds were first made with scipy.fft: numpy's must give them unchanged, in both precisions.
    from scipy import fft

    rng = np.random.default_rng(3)
    single = rng.standard_normal((frames // 2 + 1, 4), dtype=np.float32).view(np.complex64)
    assert np.array_equal(np.fft.irfft(single, frames, axis=0), fft.irfft(single, frames, axis=0, workers=2))
    double = rng.standard_normal((frames, 2))
    assert np.array_equal(np.fft.rfft(double, axis=0), fft.rfft(double, axis=0, workers=2))
    spectrum = fft.rfft(double, axis=0)
    assert np.array_equal(np.fft.irfft(spectrum, frames, axis=0), fft.irfft(spectrum, frames, axis=0, workers=2))
