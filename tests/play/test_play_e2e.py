"""Live playback through real PortAudio, into ALSA's file plugin: what plays is what export writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import has_portaudio, run, run_json

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "espeak-ng")]

BLOCK = 1024
PRIMING = 2 * BLOCK  # PortAudio's ALSA stream starts with two periods of silence of its own



pytestmark.append(pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)"))



def played(home: Path, channels: int = 2) -> np.ndarray:
    return np.fromfile(home / "played.raw", dtype="<f4").reshape(-1, channels)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as f:
        data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").reshape(-1, f.getnchannels())
    return data.astype(np.float32) / 32768


def align(captured: np.ndarray, reference: np.ndarray, start: int = 300_000, span: int = 44_100) -> int:
    """Where the reference starts inside the capture: the shift that matches best, found, not assumed."""
    piece = reference[start: start + span, 0]
    errors = [np.abs(captured[start + lag: start + lag + span, 0] - piece).max() for lag in range(0, 4 * BLOCK + 1)]
    return int(np.argmin(errors))


def test_playing_gives_the_same_samples_as_the_export(sound_home, tmp_path):
    # Exported first, so that play finds every phrase rendered: from a cold cache play starts at
    # once and may wait for a phrase (tests/play/test_progressive_play.py), which export never does.
    run("export", "heart-breathing", "-o", str(tmp_path / "h.wav"), check=True)
    result = run("play", "heart-breathing", env={"HOME": str(sound_home)})
    assert result.returncode == 0, result.stderr
    captured, exported = played(sound_home), read_wav(tmp_path / "h.wav")
    lag = align(captured, exported)
    assert 0 <= lag <= PRIMING
    heard = captured[lag:]
    # Same length within one block (the device pads its last period with silence).
    assert abs(len(heard) - len(exported)) < BLOCK
    assert not heard[len(exported):].any()
    n = min(len(heard), len(exported))
    assert np.corrcoef(heard[:n, 0], exported[:n, 0])[0, 1] >= 0.999
    # In fact identical, but for the export's 16-bit rounding.
    assert np.abs(heard[:n] - exported[:n]).max() <= 1.0 / 32768


DRIVER = textwrap.dedent(
    """
    import json, sys, threading
    from guided.session.prepared import prepare
    from guided.play.player import Player
    session = prepare(sys.argv[1])
    timeline = session.timeline
    player = Player(session.mixer)
    c = player.controls
    action = sys.argv[2]
    at = int(float(sys.argv[3]) * timeline.rate)
    if action == "next":
        c.at(at, c.next_section)
    elif action == "pause":
        def pause():
            c.pause()
            threading.Timer(0.3, c.resume).start()
        c.at(at, pause)
    elif action == "stop":
        c.at(at, c.stop)
    ended = player.play()
    print(json.dumps({"ended": ended, "total": timeline.total, "rate": timeline.rate,
                      "sections": [s.start for s in timeline.sections]}))
    """
)


def drive(home: Path, *args: str) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", DRIVER, *args], capture_output=True, text=True,
                         env={**os.environ, "HOME": str(home)}, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_skipping_a_section_shortens_what_is_heard_by_that_section(sound_home):
    info = drive(sound_home, "heart-breathing", "next", "1.0")
    rate, sections = info["rate"], info["sections"]
    skipped = sections[1] - 1.0 * rate  # from the skip to the start of the next section
    heard = len(played(sound_home)) - PRIMING
    expected = info["total"] - skipped
    fade = int(0.030 * rate)  # the skip fades out over 30 ms before jumping
    # Give or take a block each: the cue is seen at the next callback, the buffer in which the fade
    # ends is finished in silence, and the device pads its last period.
    assert abs(heard - expected) <= fade + 3 * BLOCK, (heard, expected)
    assert info["ended"] == "finished"


def test_pause_and_resume_leave_no_discontinuity(sound_home, tmp_path):
    drive(sound_home, "heart-breathing", "pause", "7.0")  # in the first spoken phrase
    captured = played(sound_home)
    run("export", "heart-breathing", "-o", str(tmp_path / "h.wav"), check=True)
    exported = read_wav(tmp_path / "h.wav")
    # The largest step between neighbouring samples is no larger than the session's own steps.
    own = np.abs(np.diff(exported[: 70 * 44100, 0])).max()
    steps = np.abs(np.diff(captured[: 60 * 44100, 0]))
    assert steps.max() <= own * 1.05 + 1e-3
    # The pause really held: a stretch of silence longer than the fade, inside the speech.
    silent = np.abs(captured[6 * 44100: 60 * 44100, 0]) < 1e-6
    longest = np.diff(np.flatnonzero(np.diff(np.concatenate(([0], silent.astype(int), [0]))))).max(initial=0)
    assert longest > 0.5 * 44100
    # And nothing was lost: everything after the pause is still heard, to the end.
    assert len(captured) > len(exported) + longest - BLOCK


def test_stopping_fades_out_instead_of_clicking(sound_home):
    info = drive(sound_home, "heart-breathing", "stop", "10.0")
    captured = played(sound_home)
    assert info["ended"] == "stopped"
    rate = info["rate"]
    heard = len(captured) - PRIMING
    assert 10.0 * rate + 1.4 * rate <= heard <= 10.0 * rate + 1.6 * rate + 2 * BLOCK  # a 1.5 s fade
    stop = PRIMING + int(10.0 * rate)
    before = np.abs(captured[stop - rate: stop]).max()
    tail = np.abs(captured[-int(0.2 * rate):]).max()
    assert tail <= 0.15 * before  # the sound dies away rather than stopping dead
    assert captured[-1].max() == 0 and captured[-1].min() == 0


def test_a_wrong_device_is_one_clear_line(sound_home):
    result = run("play", "heart-breathing", "--device", "no-such-card", env={"HOME": str(sound_home)})
    assert result.returncode == 1
    assert "no output device called 'no-such-card'" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_devices_lists_the_default_device(sound_home):
    rows = run_json("devices", env={"HOME": str(sound_home)})
    assert any(d["outputs"] > 0 for d in rows)


@pytest.mark.parametrize("delay", [0.05, 0.4, 1.0])
def test_ctrl_c_at_any_moment_exits_130_without_a_traceback(sound_home, tmp_path, delay):
    # A long, slow session keeps playing while the signal arrives (the file device is unpaced,
    # so pace it: a real-time ALSA null device would need hardware; a long sit suffices).
    script = tmp_path / "long.md"
    script.write_text("---\ntitle: Long\nkind: sit\nbackground: rain\n---\nSettle.\n[sit 3h]\n")
    process = subprocess.Popen([sys.executable, "-m", "guided", "play", str(script)], stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(sound_home)})
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    # A signal that arrives before the interpreter has set up its handlers ends the process by the
    # default action, silently: a shell reports that as 130 too. Anything later must be ours.
    killed_before_start = process.returncode == -signal.SIGINT and err == ""
    assert process.returncode == 130 or killed_before_start, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("signum", "status", "line"), [(signal.SIGTERM, 143, "guided: stopped by SIGTERM"),
                                                       (signal.SIGHUP, 129, "guided: stopped by SIGHUP")])
def test_sigterm_and_sighup_fade_out_like_ctrl_c_and_exit_with_their_own_status(sound_home, tmp_path, signum, status,
                                                                               line):
    script = tmp_path / "long.md"
    script.write_text("---\ntitle: Long\nkind: sit\nbackground: warm-drone\n---\nSettle.\n[sit 3h]\n")
    process = subprocess.Popen([sys.executable, "-m", "guided", "play", str(script)], stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(sound_home)})
    deadline = time.monotonic() + 60
    while not (sound_home / "played.raw").exists() or (sound_home / "played.raw").stat().st_size < 8 * 44100 * 20:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == status, err
    assert err.strip().splitlines()[-1] == line
    assert "Traceback" not in err
    captured = played(sound_home)
    rate = 44100
    # The bed's loudest moments in the seconds before the 1.5 s fade (its level beats, so a wide
    # window), against the last fifth of a second: a fade leaves a small fraction, a dead stop all.
    before = np.abs(captured[-int(4.0 * rate): -int(1.7 * rate)]).max()
    tail = np.abs(captured[-int(0.2 * rate):]).max()
    assert before > 0.001
    assert tail <= 0.2 * before  # the sound dies away rather than stopping dead
