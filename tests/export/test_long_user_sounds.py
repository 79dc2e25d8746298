"""An export whose bell and bed are a user's files holds its memory whatever those files are: an hour
long, still being written, or a pipe (refused in one line, before any work). Real espeak-ng and ffmpeg;
the long files are made here, at run time, and never kept."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import wave

import pytest

from ..conftest import needs
from ..helpers import probe

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "ffprobe", "espeak-ng")]

BUDGET_KB = 200 * 1024
SCRIPT = "---\ntitle: Long sounds\nkind: meditation\n---\nLet yourself settle.\n[bell {bell}]\nBreathe in, and out.\n"


@pytest.fixture(scope="module")
def hour_long(tmp_path_factory):
    """An hour of a tone as FLAC, made in a second or two (8 kHz mono compresses well)."""
    path = tmp_path_factory.mktemp("long") / "hour.flac"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=f=220:d=3600:r=8000",
                    "-c:a", "flac", "-compression_level", "0", str(path)], check=True)
    return path


def test_an_hour_long_bell_and_bed_export_within_the_memory_budget(tmp_path, hour_long, guided_home):
    (tmp_path / "s.md").write_text(SCRIPT.format(bell=hour_long))
    # Run in a child of a child so that its peak is its own, not the largest of this test run's children.
    probe_script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'guided', *sys.argv[1:]], capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stderr.write(done.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", probe_script, "export", "s.md", "-o", "out.mp3", "--background",
                           str(hour_long)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    peak_kb = int(done.stdout.strip())
    assert peak_kb <= BUDGET_KB, f"peak {peak_kb / 1024:.0f} MB"
    said = [line for line in done.stderr.splitlines() if "lasts more than 2 minutes" in line]
    assert said == [f"guided: bell '{hour_long}' lasts more than 2 minutes: its first 2 are rung, "
                    "faded out over their last 10 seconds"]
    heard = float(probe(tmp_path / "out.mp3")["format"]["duration"])
    assert 120 < heard < 140, heard  # the bell rings two minutes, and the session waits for it
    assert seconds < 120, seconds


def test_a_pipe_as_bell_or_bed_is_refused_in_one_line_before_any_work(tmp_path, guided_home):
    pipe = tmp_path / "sound.fifo"
    os.mkfifo(pipe)  # nobody ever writes: reading it would wait forever
    (tmp_path / "s.md").write_text(SCRIPT.format(bell="./sound.fifo"))
    (tmp_path / "plain.md").write_text(SCRIPT.format(bell="chime"))
    for args in (["s.md"], ["plain.md", "--background", "./sound.fifo"]):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "guided", "export", *args, "-o", "out.wav"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "'./sound.fifo' is not a regular file (a pipe or a device)" in line
        assert time.monotonic() - started < 30
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.md", "s.md", "sound.fifo"]
        assert not (guided_home / "cache" / "clips").exists() or not any((guided_home / "cache" / "clips").iterdir())


def test_a_bed_still_being_recorded_is_read_as_far_as_it_has_been(tmp_path, guided_home):
    path = tmp_path / "recording.wav"
    rate = 8000
    with wave.open(str(path), "wb") as f:  # a header that says an hour, as a recorder leaves it while it runs
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(bytes(2 * rate))
    with open(path, "r+b") as f:
        f.seek(40)
        f.write((2 * rate * 3600).to_bytes(4, "little"))
    stop = threading.Event()

    def record() -> None:
        import numpy as np

        t = np.arange(rate // 10) / rate
        piece = (3000 * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()
        while not stop.is_set():
            with open(path, "ab") as f:
                f.write(piece)
            time.sleep(0.05)  # twice as fast as real time: it keeps growing all through the export

    recorder = threading.Thread(target=record, daemon=True)
    recorder.start()
    try:
        time.sleep(1)
        (tmp_path / "s.md").write_text(SCRIPT.format(bell="chime"))
        done = subprocess.run([sys.executable, "-m", "guided", "export", "s.md", "-o", "out.wav", "--background",
                               str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        stop.set()
        recorder.join()
    assert done.returncode == 0, done.stderr
    assert float(probe(tmp_path / "out.wav")["format"]["duration"]) > 5
